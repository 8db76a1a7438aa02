import Foundation
import StrataGeo

/// The writer side of segmentation: adds each chip's scores, weighted by the blend window, into a strip
/// accumulator (chip rows × block width × scores floats plus the weight sums), and hands rows to the sink as soon
/// as no later chip can touch them. Memory: about `(scores + 1) × 4 + 1` bytes × chip rows × widest block, plus one
/// strip of decoded output — independent of the scene's height, and of its width beyond one column block.
final class StripBlender: @unchecked Sendable {
    let plan: SegmentationPlan
    let weights: BlendWeights
    let decoder: ScoreDecoder
    let nodata: UInt8
    let sink: ClassMapSink
    let progress: (Int) -> Void
    private let cap: Int, accW: Int, outW: Int
    private let acc: UnsafeMutablePointer<Float>      // [scores][cap][accW]
    private let wsum: UnsafeMutablePointer<Float>     // [cap][accW]
    private let valid: UnsafeMutablePointer<UInt8>    // [cap][accW]
    private let rowWeight: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutablePointer<Float>? // softmax of one chip row when blending probabilities
    private let classBuf: UnsafeMutablePointer<UInt8>
    private let probBuf: UnsafeMutablePointer<Float>?
    private var base = 0                               // scene row of accumulator row 0
    private var block = 0

    init(plan: SegmentationPlan, blend: BlendWindow, scores: Int, probabilitySpace: Bool, nodata: UInt8,
         sink: ClassMapSink, progress: @escaping (Int) -> Void) {
        self.plan = plan
        weights = BlendWeights(window: blend, xs: plan.xs, chipW: plan.chipW, width: plan.width, ys: plan.ys,
                               chipH: plan.chipH, height: plan.height)
        decoder = ScoreDecoder(scores: scores, probabilitySpace: probabilitySpace)
        self.nodata = nodata
        self.sink = sink
        self.progress = progress
        cap = plan.accRows
        accW = plan.maxAccWidth
        outW = plan.blocks.map(\.outX.count).max() ?? 0
        acc = .allocate(capacity: scores * cap * accW)
        wsum = .allocate(capacity: cap * accW)
        valid = .allocate(capacity: cap * accW)
        rowWeight = .allocate(capacity: plan.chipW)
        scratch = probabilitySpace && scores > 1 ? .allocate(capacity: scores * plan.chipW) : nil
        classBuf = .allocate(capacity: cap * outW)
        probBuf = sink.wantsProbabilities ? .allocate(capacity: decoder.classes * cap * outW) : nil
        reset()
    }

    deinit {
        acc.deallocate(); wsum.deallocate(); valid.deallocate(); rowWeight.deallocate()
        scratch?.deallocate(); classBuf.deallocate(); probBuf?.deallocate()
    }

    /// Bytes held by the accumulator and the decoded strip.
    var bytes: Int { cap * accW * ((decoder.scores + 1) * 4 + 1) + cap * outW * (1 + (probBuf == nil ? 0 : 4 * decoder.classes)) }

    private func reset() {
        acc.update(repeating: 0, count: decoder.scores * cap * accW)
        wsum.update(repeating: 0, count: cap * accW)
        valid.update(repeating: 1, count: cap * accW)
    }

    /// Adds one chip: `scores` planes of chipH × chipW floats, and its validity (chipH × chipW bytes).
    func add(_ t: Tile, scores s: UnsafePointer<Float>, valid v: UnsafePointer<UInt8>) throws {
        if t.block != block { block = t.block; base = 0; reset() }
        let b = plan.blocks[t.block]
        let cw = plan.chipW, ch = plan.chipH, K = decoder.scores
        let plane = cw * ch, planeAcc = cap * accW
        let cols = min(cw, plan.width - t.x)        // crop chips larger than the scene
        let ax = t.x - b.accX
        let sigmoidBlend = decoder.probabilitySpace && K == 1
        weights.wx[t.col].withUnsafeBufferPointer { wx in
            weights.wy[t.row].withUnsafeBufferPointer { wy in
                for r in 0..<ch {
                    let y = t.y + r
                    if y >= plan.height { break }
                    let ar = y - base
                    precondition(ar >= 0 && ar < cap, "strip accumulator row out of range (a bug in the tile plan)")
                    let wr = wy[r]
                    for j in 0..<cols { rowWeight[j] = wr * wx[j] }
                    let off = ar * accW + ax
                    let ws = wsum + off, vv = valid + off, vin = v + r * cw
                    for j in 0..<cols { ws[j] += rowWeight[j]; vv[j] &= vin[j] }
                    var src = s + r * cw, srcStride = plane
                    if let scratch {
                        for j in 0..<cols { decoder.softmax(src + j, stride: plane, into: scratch + j, outStride: cw) }
                        src = UnsafePointer(scratch); srcStride = cw
                    }
                    for k in 0..<K {
                        let d = acc + k * planeAcc + off, sp = src + k * srcStride
                        if sigmoidBlend {
                            for j in 0..<cols { d[j] += rowWeight[j] / (1 + Float.exp(-sp[j])) }
                        } else {
                            for j in 0..<cols { d[j] += rowWeight[j] * sp[j] }
                        }
                    }
                }
            }
        }
        if t.endsRow {
            try flush(upto: t.row + 1 < plan.ys.count ? plan.ys[t.row + 1] : plan.height)
        }
    }

    /// Decodes rows [base, upto) of the current block, hands them to the sink, and slides the accumulator up.
    private func flush(upto: Int) throws {
        let n = min(upto, plan.height) - base
        guard n > 0 else { return }
        let b = plan.blocks[block]
        let w = b.outX.count, K = decoder.scores, C = decoder.classes
        let planeAcc = cap * accW, planeOut = n * w
        classBuf.update(repeating: nodata, count: planeOut)
        probBuf?.update(repeating: 0, count: C * planeOut)
        let z = UnsafeMutablePointer<Float>.allocate(capacity: K)
        defer { z.deallocate() }
        let decodes = !(sink is BlendedScoreSink)
        for r in 0..<n where decodes {
            for j in 0..<w {
                let a = r * accW + (b.outX.lowerBound + j - b.accX)
                let ws = wsum[a]
                guard valid[a] != 0, ws > 0 else { continue }
                let inv = 1 / ws
                for k in 0..<K { z[k] = acc[k * planeAcc + a] * inv }
                classBuf[r * w + j] = decoder.argmax(z, stride: 1)
                if let probBuf { decoder.probabilities(z, stride: 1, into: probBuf + r * w + j, outStride: planeOut) }
            }
        }
        let window = PixelWindow(x: b.outX.lowerBound, y: base, width: w, height: n)
        if let scoreSink = sink as? BlendedScoreSink {
            try writeScores(to: scoreSink, window: window, rows: n)
        } else {
            try sink.write(window: window, classes: classBuf, probabilities: probBuf.map { UnsafePointer($0) })
        }
        progress(planeOut)
        // Slide the rows still being accumulated to the top; clear the rows freed at the bottom.
        let keep = cap - n
        if keep > 0 {
            for k in 0..<K { (acc + k * planeAcc).update(from: acc + k * planeAcc + n * accW, count: keep * accW) }
            wsum.update(from: wsum + n * accW, count: keep * accW)
            valid.update(from: valid + n * accW, count: keep * accW)
        }
        let tail = min(n, cap)
        for k in 0..<K { (acc + k * planeAcc + (cap - tail) * accW).update(repeating: 0, count: tail * accW) }
        (wsum + (cap - tail) * accW).update(repeating: 0, count: tail * accW)
        (valid + (cap - tail) * accW).update(repeating: 1, count: tail * accW)
        base += n
    }
}

extension StripBlender {
    /// Hands rows `[base, base + rows)` of the current block to a sink that decodes blended scores itself: `scores`
    /// planes of window pixels (weight-normalised), and the validity of each pixel.
    private func writeScores(to scoreSink: BlendedScoreSink, window: PixelWindow, rows n: Int) throws {
        let b = plan.blocks[block]
        let w = window.width, K = decoder.scores, planeAcc = cap * accW, planeOut = n * w
        var scores = [Float](repeating: 0, count: K * planeOut)
        var ok = [UInt8](repeating: 0, count: planeOut)
        try scores.withUnsafeMutableBufferPointer { sb in
            try ok.withUnsafeMutableBufferPointer { vb in
                for r in 0..<n {
                    for j in 0..<w {
                        let a = r * accW + (b.outX.lowerBound + j - b.accX)
                        let ws = wsum[a]
                        guard valid[a] != 0, ws > 0 else { continue }
                        let inv = 1 / ws, o = r * w + j
                        vb[o] = 1
                        for k in 0..<K { sb[k * planeOut + o] = acc[k * planeAcc + a] * inv }
                    }
                }
                try scoreSink.write(window: window, scores: UnsafePointer(sb.baseAddress!), scoreCount: K,
                                    valid: UnsafePointer(vb.baseAddress!))
            }
        }
    }
}

/// The writer side of scene classification: one output pixel per window, a row of cells handed to the sink as
/// soon as it is complete.
final class CellClassifier: @unchecked Sendable {
    let plan: ScenePlan
    let decoder: ScoreDecoder
    let nodata: UInt8
    let sink: ClassMapSink
    let progress: (Int) -> Void
    private var classes: [UInt8]
    private var probs: [Float]
    private var z: [Float]

    init(plan: ScenePlan, scores: Int, nodata: UInt8, sink: ClassMapSink, progress: @escaping (Int) -> Void) {
        self.plan = plan
        decoder = ScoreDecoder(scores: scores, probabilitySpace: false)
        self.nodata = nodata
        self.sink = sink
        self.progress = progress
        classes = [UInt8](repeating: nodata, count: plan.cols)
        probs = sink.wantsProbabilities ? [Float](repeating: 0, count: decoder.classes * plan.cols) : []
        z = [Float](repeating: 0, count: scores)
    }

    /// Adds window `cell` (row-major): its `scores` logits and validity (window pixels). A window with less than half
    /// of its pixels valid (nodata, or outside the scene) gives a nodata cell.
    func add(cell: Int, scores s: UnsafePointer<Float>, valid v: UnsafePointer<UInt8>) throws {
        let c = cell % plan.cols, r = cell / plan.cols
        let n = plan.windowH * plan.windowW
        var ok = 0
        for i in 0..<n { ok += Int(v[i]) }
        if 2 * ok >= n {
            classes[c] = decoder.argmax(s, stride: 1)
            if !probs.isEmpty {
                probs.withUnsafeMutableBufferPointer { p in
                    decoder.probabilities(s, stride: 1, into: p.baseAddress! + c, outStride: plan.cols)
                }
            }
        } else {
            classes[c] = nodata
            if !probs.isEmpty { for k in 0..<decoder.classes { probs[k * plan.cols + c] = 0 } }
        }
        if c == plan.cols - 1 {
            try classes.withUnsafeBufferPointer { cls in
                try probs.withUnsafeBufferPointer { p in
                    try sink.write(window: PixelWindow(x: 0, y: r, width: plan.cols, height: 1), classes: cls.baseAddress!,
                                   probabilities: p.isEmpty ? nil : p.baseAddress!)
                }
            }
            progress(plan.cols * plan.strideX * plan.strideY)
        }
    }
}
