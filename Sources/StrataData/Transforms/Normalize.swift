import StrataTensor

/// Per-band standardisation: `(x − mean[c]) / std[c]`. Integer images are converted to float32 first.
public struct Normalize: BatchTransform {
    public let mean: [Double]
    public let std: [Double]

    public init(mean: [Double], std: [Double]) throws {
        guard mean.count == std.count, !mean.isEmpty else {
            throw TransformError("Normalize: \(mean.count) means and \(std.count) stds; give one of each per band")
        }
        if let i = std.firstIndex(where: { !($0 > 0) }) {
            throw TransformError("Normalize: std[\(i)] = \(std[i]); every std must be > 0 (a constant band cannot be standardised)")
        }
        self.mean = mean
        self.std = std
    }

    /// Standardises with statistics computed from a dataset (population std).
    public init(_ statistics: BandStatistics) throws { try self.init(mean: statistics.mean, std: statistics.std) }

    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        try checkBands(batch, mean.count, "Normalize")
        var b = batch
        let x = try floatImage(batch.image)
        b.image = try (x - bandTensor(mean, like: x)) / bandTensor(std, like: x)
        return b
    }
}

/// Per-band min–max scaling to [0, 1]: `(x − min[c]) / (max[c] − min[c])`, clamped to [0, 1] unless `clamp`
/// is false.
public struct MinMaxScale: BatchTransform {
    public let min: [Double]
    public let max: [Double]
    public let clamp: Bool

    public init(min: [Double], max: [Double], clamp: Bool = true) throws {
        guard min.count == max.count, !min.isEmpty else {
            throw TransformError("MinMaxScale: \(min.count) minima and \(max.count) maxima; give one of each per band")
        }
        if let i = min.indices.first(where: { !(max[$0] > min[$0]) }) {
            throw TransformError("MinMaxScale: band \(i) has max \(max[i]) ≤ min \(min[i])")
        }
        self.min = min
        self.max = max
        self.clamp = clamp
    }

    /// Scales between the per-band minimum and maximum of a dataset.
    public init(_ statistics: BandStatistics, clamp: Bool = true) throws {
        try self.init(min: statistics.min, max: statistics.max, clamp: clamp)
    }

    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        try checkBands(batch, min.count, "MinMaxScale")
        var b = batch
        let x = try floatImage(batch.image)
        let lo = try bandTensor(min, like: x)
        let y = try (x - lo) / bandTensor(zip(max, min).map { $0 - $1 }, like: x)
        b.image = clamp ? try y.clamp(min: 0, max: 1) : y
        return b
    }
}

/// Percentile clipping (contrast stretch): each band is clipped to [low, high] and, with `rescale` (the default),
/// mapped linearly to [0, 1].
///
/// - `.dataset`: fixed per-band bounds, typically ``BandStatistics/percentile(_:)`` of a training set.
/// - `.perImage(lower:upper:)`: bounds computed for every chip and band from its own pixels (NumPy's default
///   linear-interpolation percentile), e.g. the common 2–98 % stretch.
public struct PercentileClip: BatchTransform {
    public enum Bounds: Sendable {
        case dataset(low: [Double], high: [Double])
        case perImage(lower: Double, upper: Double)
    }
    public let bounds: Bounds
    public let rescale: Bool

    public init(_ bounds: Bounds, rescale: Bool = true) throws {
        switch bounds {
        case .dataset(let lo, let hi):
            guard lo.count == hi.count, !lo.isEmpty else {
                throw TransformError("PercentileClip: \(lo.count) low and \(hi.count) high bounds; give one of each per band")
            }
            if let i = lo.indices.first(where: { !(hi[$0] > lo[$0]) }) {
                throw TransformError("PercentileClip: band \(i) has high \(hi[i]) ≤ low \(lo[i])")
            }
        case .perImage(let l, let u):
            guard 0 <= l, l < u, u <= 100 else {
                throw TransformError("PercentileClip: percentiles must satisfy 0 ≤ lower < upper ≤ 100, got \(l), \(u)")
            }
        }
        self.bounds = bounds
        self.rescale = rescale
    }

    /// Clips to the dataset's `lower`/`upper` percentiles (needs statistics computed with a histogram).
    public init(_ statistics: BandStatistics, lower: Double = 2, upper: Double = 98, rescale: Bool = true) throws {
        try self.init(.dataset(low: try statistics.percentile(lower), high: try statistics.percentile(upper)), rescale: rescale)
    }

    private static let quantileOp = Op("aten::quantile", "scalar")

    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        var b = batch
        let x = try floatImage(batch.image)
        let lo: Tensor, hi: Tensor
        switch bounds {
        case .dataset(let l, let h):
            try checkBands(batch, l.count, "PercentileClip")
            lo = try bandTensor(l, like: x)
            hi = try bandTensor(h, like: x)
        case .perImage(let l, let u):
            let (n, c) = (batch.batchSize, batch.channels)
            let flat = try x.reshape([n, c, -1])
            lo = try Self.quantileOp.tensor([.tensor(flat), .double(l / 100), .int(2), .bool(true)]).unsqueeze(3)
            hi = try Self.quantileOp.tensor([.tensor(flat), .double(u / 100), .int(2), .bool(true)]).unsqueeze(3)
        }
        let clipped = try x.clamp(min: lo, max: hi)
        if rescale {
            let range = try hi - lo
            // a flat band (high == low) maps to 0
            let safe = try Tensor.where(try range.gt(0), range, 1)
            b.image = try Tensor.where(try range.gt(0), try (clipped - lo) / safe, 0)
        } else {
            b.image = clipped
        }
        return b
    }
}

// MARK: helpers shared by the transforms

/// The image as float (float32 unless already floating point).
func floatImage(_ x: Tensor) throws -> Tensor { x.dtype.isFloatingPoint ? x : try x.to(.float32) }

/// Per-band values as a `[1, C, 1, 1]` tensor with `like`'s dtype and device.
func bandTensor(_ v: [Double], like x: Tensor) throws -> Tensor {
    try Tensor(v, shape: [1, v.count, 1, 1]).to(x.device, dtype: x.dtype)
}

func checkBands(_ b: TransformBatch, _ n: Int, _ what: String) throws {
    guard b.channels == n else {
        throw TransformError("\(what): configured for \(n) bands but the image has \(b.channels) channels\(b.bandNames.isEmpty ? "" : " \(b.bandNames)")")
    }
}
