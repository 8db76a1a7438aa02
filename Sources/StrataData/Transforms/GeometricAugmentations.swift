import Foundation
import StrataTensor

/// Applies `body` to each sample that `choose` picks a parameter for, to image and mask alike; samples with a nil
/// parameter are left as they are. Parameters are drawn in sample order, so the result depends only on the seed.
func perSample<P>(_ batch: TransformBatch, _ rng: inout TransformRNG, choose: (inout TransformRNG) throws -> P?,
                  body: (Tensor, P, _ isMask: Bool) throws -> Tensor) throws -> TransformBatch {
    let params = try (0..<batch.batchSize).map { _ in try choose(&rng) }
    if params.allSatisfy({ $0 == nil }) { return batch }
    var out = batch
    func run(_ x: Tensor, _ isMask: Bool) throws -> Tensor {
        try Tensor.stack(try params.enumerated().map { i, p in
            let s = try x.select(dim: 0, index: i)
            return try p.map { try body(s, $0, isMask) } ?? s
        }, dim: 0)
    }
    out.image = try run(batch.image, false)
    if let (m, restore) = try batch.mask4D() { out.mask = try restore(try run(m, true)) }
    return out
}

/// Flips each sample left–right with probability `p` (image and mask together).
public struct RandomHorizontalFlip: BatchTransform {
    public let p: Double
    public init(p: Double = 0.5) throws {
        guard (0...1).contains(p) else { throw TransformError("RandomHorizontalFlip: p must be in [0, 1], got \(p)") }
        self.p = p
    }
    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        try perSample(batch, &rng, choose: { $0.uniform() < p ? true : nil }) { x, _, _ in try x.flip([2]) }
    }
}

/// Flips each sample top–bottom with probability `p` (image and mask together).
public struct RandomVerticalFlip: BatchTransform {
    public let p: Double
    public init(p: Double = 0.5) throws {
        guard (0...1).contains(p) else { throw TransformError("RandomVerticalFlip: p must be in [0, 1], got \(p)") }
        self.p = p
    }
    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        try perSample(batch, &rng, choose: { $0.uniform() < p ? true : nil }) { x, _, _ in try x.flip([1]) }
    }
}

/// Rotates each sample by k·90° counter-clockwise, k uniform in {0, 1, 2, 3} (image and mask together). Needs
/// square chips.
public struct RandomRot90: BatchTransform {
    public init() {}
    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        guard batch.height == batch.width else {
            throw TransformError("RandomRot90 needs square chips (a 90° turn changes H × W); got \(batch.height) × \(batch.width). Crop to a square first, or use flips")
        }
        return try perSample(batch, &rng, choose: { r in let k = r.int(4); return k == 0 ? nil : k }) { x, k, _ in
            try x.rot90(k, dims: [1, 2])
        }
    }
}

/// Crops a random region of each sample (area fraction in `scale`, aspect ratio w/h in `ratio`, log-uniform)
/// and resizes it to `size` — torchvision's `RandomResizedCrop` sampling (10 tries, then a centre crop).
/// Images are resized with `imageInterpolation` (bilinear by default, no antialiasing); masks always with
/// nearest neighbour, so labels stay labels.
public struct RandomResizedCrop: BatchTransform {
    public let size: (height: Int, width: Int)?
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>
    public let imageInterpolation: InterpolationMode

    /// `size` nil keeps each batch's own H × W.
    public init(size: (height: Int, width: Int)? = nil, scale: ClosedRange<Double> = 0.08...1,
                ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3), imageInterpolation: InterpolationMode = .bilinear) throws {
        guard scale.lowerBound > 0, scale.upperBound <= 1 else {
            throw TransformError("RandomResizedCrop: scale must lie in (0, 1], got \(scale)")
        }
        guard ratio.lowerBound > 0 else { throw TransformError("RandomResizedCrop: ratio must be > 0, got \(ratio)") }
        if let s = size, s.height < 1 || s.width < 1 {
            throw TransformError("RandomResizedCrop: size must be positive, got \(s)")
        }
        guard [.nearest, .nearestExact, .bilinear, .bicubic, .area].contains(imageInterpolation) else {
            throw TransformError("RandomResizedCrop: interpolation \(imageInterpolation) is not a 2-D mode; use nearest, bilinear, bicubic or area")
        }
        self.size = size
        self.scale = scale
        self.ratio = ratio
        self.imageInterpolation = imageInterpolation
    }

    /// The crop (top, left, height, width) for an H × W chip.
    func cropBox(_ h: Int, _ w: Int, _ rng: inout TransformRNG) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(h * w)
        let logLo = log(ratio.lowerBound), logHi = log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * rng.uniform(scale.lowerBound, scale.upperBound)
            let aspect = exp(rng.uniform(logLo, logHi))
            let cw = Int((target * aspect).squareRoot().rounded()), ch = Int((target / aspect).squareRoot().rounded())
            if cw > 0 && cw <= w && ch > 0 && ch <= h {
                return (rng.int(h - ch + 1), rng.int(w - cw + 1), ch, cw)
            }
        }
        let inRatio = Double(w) / Double(h)
        var cw = w, ch = h
        if inRatio < ratio.lowerBound {
            ch = Int((Double(w) / ratio.lowerBound).rounded())
        } else if inRatio > ratio.upperBound {
            cw = Int((Double(h) * ratio.upperBound).rounded())
        }
        return ((h - ch) / 2, (w - cw) / 2, ch, cw)
    }

    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        let (h, w) = (batch.height, batch.width)
        let out = size ?? (h, w)
        return try perSample(batch, &rng, choose: { cropBox(h, w, &$0) }) { x, box, isMask in
            let crop = try x.narrow(dim: 1, start: box.top, length: box.height).narrow(dim: 2, start: box.left, length: box.width)
            if isMask {
                let f = try crop.to(.float64).unsqueeze(0)
                return try f.interpolate(size: [out.height, out.width], mode: .nearest).squeeze(dim: 0).to(x.dtype)
            }
            let f = try floatImage(crop).unsqueeze(0)
            let align: Bool? = [.bilinear, .bicubic].contains(imageInterpolation) ? false : nil
            return try f.interpolate(size: [out.height, out.width], mode: imageInterpolation, alignCorners: align).squeeze(dim: 0)
        }
    }
}
