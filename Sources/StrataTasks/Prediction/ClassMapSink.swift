import StrataGeo

/// Receives the finished class map piece by piece, each output pixel exactly once, windows in no promised order.
public protocol ClassMapSink: AnyObject {
    /// Whether `write` should get class probabilities (computing them costs an exp per class and pixel).
    var wantsProbabilities: Bool { get }
    /// `classes`: window.height × window.width class indices, row-major, with the nodata value where the input has
    /// no data. `probabilities`: nil unless wanted; else one plane per class of window.height × window.width values
    /// in 0...1 (rows of nodata pixels hold 0).
    func write(window: PixelWindow, classes: UnsafePointer<UInt8>, probabilities: UnsafePointer<Float>?) throws
}

/// A sink that decodes the blended scores itself (semantic change: three maps from one score vector). The strip
/// blender of segmentation-like models hands it `write(window:scores:scoreCount:valid:)` instead of classes.
public protocol BlendedScoreSink: ClassMapSink {
    /// `scores`: `scoreCount` planes of window.height × window.width weight-normalised blended scores (logits, or
    /// probabilities when blending probabilities); `valid`: 1 where the pixel has data in every input, else 0 (its
    /// scores are 0).
    func write(window: PixelWindow, scores: UnsafePointer<Float>, scoreCount: Int, valid: UnsafePointer<UInt8>) throws
}

/// Turns a pixel's blended scores into a class and probabilities.
struct ScoreDecoder: Sendable {
    /// Scores per pixel (1 for a binary model with a sigmoid) and classes in the map.
    let scores: Int, classes: Int
    /// Scores are blended probabilities (already normalised) rather than logits.
    let probabilitySpace: Bool

    init(scores: Int, probabilitySpace: Bool) {
        self.scores = scores
        classes = scores == 1 ? 2 : scores
        self.probabilitySpace = probabilitySpace
    }

    /// The class of a pixel whose `scores` values sit `stride` apart from `p`.
    @inline(__always)
    func argmax(_ p: UnsafePointer<Float>, stride: Int) -> UInt8 {
        if scores == 1 { return p[0] > (probabilitySpace ? 0.5 : 0) ? 1 : 0 }
        var best = p[0], k = 0
        for j in 1..<scores where p[j * stride] > best { best = p[j * stride]; k = j }
        return UInt8(k)
    }

    /// Softmax of one pixel's logits (`scores` values `stride` apart) into `out` (`outStride` apart); for a single
    /// logit, its sigmoid.
    @inline(__always)
    func softmax(_ p: UnsafePointer<Float>, stride: Int, into out: UnsafeMutablePointer<Float>, outStride: Int) {
        if scores == 1 { out[0] = 1 / (1 + Float.exp(-p[0])); return }
        var m = p[0]
        for j in 1..<scores { m = max(m, p[j * stride]) }
        var sum: Float = 0
        for j in 0..<scores {
            let e = Float.exp(p[j * stride] - m)
            out[j * outStride] = e
            sum += e
        }
        let inv = 1 / sum
        for j in 0..<scores { out[j * outStride] *= inv }
    }

    /// Writes the `classes` probabilities of the pixel (`scores` values `stride` apart, already divided by the
    /// weight sum) to `out` (`outStride` apart).
    @inline(__always)
    func probabilities(_ p: UnsafePointer<Float>, stride: Int, into out: UnsafeMutablePointer<Float>, outStride: Int) {
        if scores == 1 {
            let q = probabilitySpace ? p[0] : 1 / (1 + Float.exp(-p[0]))
            out[0] = 1 - q; out[outStride] = q
            return
        }
        if probabilitySpace {
            var sum: Float = 0
            for j in 0..<scores { sum += p[j * stride] }
            let inv = sum > 0 ? 1 / sum : 0
            for j in 0..<scores { out[j * outStride] = p[j * stride] * inv }
            return
        }
        softmax(p, stride: stride, into: out, outStride: outStride)
    }
}

extension Float {
    @inline(__always) static func exp(_ x: Float) -> Float { Foundation.expf(x) }
}

import Foundation
