import Foundation
import StrataGeo
import StrataTensor

/// Pair-consistent augmentation of a bi-temporal sample: one random crop, flip and 90° rotation drawn per sample
/// and applied identically to both dates, the change mask and both semantic masks, so the pixels of the two dates
/// stay co-registered with their labels.
///
/// Order: crop (a `crop × crop` window uniformly placed inside the sample; the georeference becomes the window's
/// bounds), then horizontal flip (p = 0.5), vertical flip (p = 0.5), rotation by k·90° (k uniform in 0…3, square
/// chips only). Each switch can be turned off. Flipped or rotated samples keep the crop's bounds but are no longer
/// north-up: they are for training only. Every random number comes from `TransformRNG(seed:)`, so the same seed gives
/// the same augmentation (the loaders pass `ChipRandom.sampleSeed(seed:epoch:index:)`).
///
/// On the one-tensor convention (dates stacked on channels, `[2C, H, W]`) `chipTransform(channelsPerDate:)` applies
/// it to a stacked `ChipSample` whose `mask` is the change mask.
public struct PairAugmentation: Sendable {
    /// Side of the random square crop (nil: no crop).
    public var crop: Int?
    public var horizontalFlip: Bool
    public var verticalFlip: Bool
    public var rotate90: Bool

    public init(crop: Int? = nil, horizontalFlip: Bool = true, verticalFlip: Bool = true, rotate90: Bool = true) throws {
        if let crop, crop < 1 { throw TransformError("PairAugmentation: crop must be ≥ 1 pixel, got \(crop)") }
        self.crop = crop
        self.horizontalFlip = horizontalFlip
        self.verticalFlip = verticalFlip
        self.rotate90 = rotate90
    }

    /// The parameters drawn for one sample of `height × width` pixels.
    public struct Draw: Equatable, Sendable {
        public var window: PixelWindow?
        public var hflip: Bool, vflip: Bool, quarterTurns: Int
    }

    public func draw(height: Int, width: Int, rng: inout TransformRNG) throws -> Draw {
        var window: PixelWindow? = nil
        var (h, w) = (height, width)
        if let crop {
            guard crop <= height, crop <= width else {
                throw TransformError("PairAugmentation: a \(crop)-pixel crop does not fit a \(height) × \(width) "
                    + "sample; use a smaller crop")
            }
            window = PixelWindow(x: rng.int(width - crop + 1), y: rng.int(height - crop + 1), width: crop, height: crop)
            (h, w) = (crop, crop)
        }
        let hf = horizontalFlip && rng.uniform() < 0.5
        let vf = verticalFlip && rng.uniform() < 0.5
        var k = 0
        if rotate90 {
            guard h == w else {
                throw TransformError("PairAugmentation: 90° rotations need square samples, got \(h) × \(w); crop to a "
                    + "square or turn rotate90 off")
            }
            k = rng.int(4)
        }
        return Draw(window: window, hflip: hf, vflip: vf, quarterTurns: k)
    }

    /// Applies `d` to one `[..., H, W]` tensor (image `[C, H, W]` or mask `[H, W]`).
    public static func apply(_ d: Draw, to x: Tensor) throws -> Tensor {
        var y = x
        let hd = x.rank - 2, wd = x.rank - 1
        if let w = d.window {
            y = try y.narrow(dim: hd, start: w.y, length: w.height).narrow(dim: wd, start: w.x, length: w.width)
        }
        if d.hflip { y = try y.flip([wd]) }
        if d.vflip { y = try y.flip([hd]) }
        if d.quarterTurns != 0 { y = try y.rot90(d.quarterTurns, dims: [hd, wd]) }
        return try y.contiguous()
    }

    /// The augmented sample (same draw for both dates and every mask).
    public func apply(_ s: ChangeSample, seed: UInt64) throws -> ChangeSample {
        guard s.imageA.shape == s.imageB.shape, Array(s.imageA.shape.suffix(2)) == s.change.shape else {
            throw TransformError("PairAugmentation: dates \(s.imageA.shape) / \(s.imageB.shape) and change mask "
                + "\(s.change.shape) of \(s.id) do not cover the same pixels")
        }
        var rng = TransformRNG(seed: seed)
        let d = try draw(height: s.change.size(0), width: s.change.size(1), rng: &rng)
        var out = s
        out.imageA = try Self.apply(d, to: s.imageA)
        out.imageB = try Self.apply(d, to: s.imageB)
        out.change = try Self.apply(d, to: s.change)
        out.semanticA = try s.semanticA.map { try Self.apply(d, to: $0) }
        out.semanticB = try s.semanticB.map { try Self.apply(d, to: $0) }
        if let w = d.window, let g = s.georeference {
            let b = Self.bounds(of: w, in: g.bounds, height: s.change.size(0), width: s.change.size(1))
            out.georeference = g.crs.map { ChipGeoreference(crs: $0, bounds: b) }
        }
        return out
    }

    /// The same augmentation on a stacked chip (`image` `[2C, H, W]`, `mask` the change mask) as a loader transform.
    public func chipTransform(channelsPerDate c: Int) -> ChipTransform {
        let me = self
        return { chip, seed in
            guard chip.image.rank == 3, chip.image.size(0) == 2 * c, let mask = chip.mask else {
                throw TransformError("PairAugmentation: expected a stacked pair [\(2 * c), H, W] with a change mask, "
                    + "got \(chip.image.shape)\(chip.mask == nil ? " without a mask" : "")")
            }
            // A semantic-change chip's mask is [3, H, W]: date 1 classes, date 2 classes, change.
            let stacked = mask.rank == 3
            let pair = ChangeSample(imageA: try chip.image.narrow(dim: 0, start: 0, length: c),
                                    imageB: try chip.image.narrow(dim: 0, start: c, length: c),
                                    change: stacked ? try mask.select(dim: 0, index: 2) : mask,
                                    semanticA: stacked ? try mask.select(dim: 0, index: 0) : nil,
                                    semanticB: stacked ? try mask.select(dim: 0, index: 1) : nil,
                                    georeference: chip.georeference, bandNames: chip.bandNames, index: chip.index,
                                    id: chip.id)
            let a = try me.apply(pair, seed: seed)
            var out = chip
            out.image = try Tensor.cat([a.imageA, a.imageB], dim: 0)
            out.mask = stacked ? try Tensor.stack([a.semanticA!, a.semanticB!, a.change]) : a.change
            out.georeference = a.georeference
            return out
        }
    }

    static func bounds(of w: PixelWindow, in b: BoundingBox, height: Int, width: Int) -> BoundingBox {
        let rx = b.width / Double(width), ry = b.height / Double(height)
        return BoundingBox(minX: b.minX + Double(w.x) * rx, minY: b.maxY - Double(w.y + w.height) * ry,
                           maxX: b.minX + Double(w.x + w.width) * rx, maxY: b.maxY - Double(w.y) * ry)
    }
}
