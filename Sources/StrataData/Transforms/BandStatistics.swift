import StrataTensor

/// Per-band statistics of a dataset, accumulated batch by batch (streaming): valid-pixel count, mean, population
/// standard deviation, minimum, maximum and, when a histogram range is given, percentiles.
///
/// Pixels equal to `nodata` (in that band) and NaNs are excluded. Means and variances are merged across batches
/// with Chan et al.'s parallel formula in float64, so the result does not depend on how the data was batched.
/// Percentiles follow NumPy's default (linear interpolation between order statistics); they are exact when the
/// data are integers and the histogram has unit-width bins starting at an integer (e.g. `0..<65536` with 65536
/// bins for uint16 reflectances), and otherwise accurate to about one bin width.
///
/// ```swift
/// var stats = try BandStatistics(bands: 13, nodata: 0, histogram: .init(lower: 0, upper: 65536, bins: 65536))
/// for batch in loader { try stats.update(batch.image!) }
/// let normalize = try Normalize(stats)
/// ```
public struct BandStatistics: Sendable, Codable, Equatable {
    /// Histogram bins over `[lower, upper)`; values outside are counted in the first or last bin.
    public struct Histogram: Sendable, Codable, Equatable {
        public let lower: Double, upper: Double, bins: Int
        public init(lower: Double, upper: Double, bins: Int) {
            self.lower = lower; self.upper = upper; self.bins = bins
        }
        public var binWidth: Double { (upper - lower) / Double(bins) }
    }

    public let bands: Int
    public let nodata: Double?
    public let histogram: Histogram?
    public private(set) var count: [Int]
    public private(set) var mean: [Double]
    /// Sum of squared deviations from the mean.
    public private(set) var m2: [Double]
    public private(set) var min: [Double]
    public private(set) var max: [Double]
    /// Per band histogram counts (empty without a histogram).
    public private(set) var histogramCounts: [[Int]]
    /// Whether every valid value seen in the band was an integer.
    public private(set) var integral: [Bool]

    public init(bands: Int, nodata: Double? = nil, histogram: Histogram? = nil) throws {
        guard bands >= 1 else { throw TransformError("BandStatistics: bands must be ≥ 1, got \(bands)") }
        if let h = histogram, !(h.bins >= 1 && h.upper > h.lower) {
            throw TransformError("BandStatistics: histogram needs bins ≥ 1 and upper > lower, got \(h)")
        }
        self.bands = bands
        self.nodata = nodata
        self.histogram = histogram
        count = Array(repeating: 0, count: bands)
        mean = Array(repeating: 0, count: bands)
        m2 = Array(repeating: 0, count: bands)
        min = Array(repeating: .infinity, count: bands)
        max = Array(repeating: -.infinity, count: bands)
        histogramCounts = histogram.map { h in Array(repeating: Array(repeating: 0, count: h.bins), count: bands) } ?? []
        integral = Array(repeating: true, count: bands)
    }

    /// Population variance per band (NaN where no valid pixel was seen).
    public var variance: [Double] { zip(m2, count).map { $1 > 0 ? $0 / Double($1) : .nan } }
    /// Population standard deviation per band.
    public var std: [Double] { variance.map { $0.squareRoot() } }

    /// Adds the pixels of `image`: `[B, C, H, W]` or one chip `[C, H, W]`, on any device.
    public mutating func update(_ image: Tensor) throws {
        guard (image.rank == 4 || image.rank == 3), image.size(image.rank == 4 ? 1 : 0) == bands else {
            throw TransformError("BandStatistics.update: expected [B, \(bands), H, W] or [\(bands), H, W], got \(image.shape)")
        }
        let chw = image.rank == 4 ? try image.transpose(0, 1) : image
        let x = try chw.reshape([bands, -1]).to(.float64)
        var valid = try x.isnan().logicalNot()
        if let nd = nodata { valid = try valid.logicalAnd(try x.ne(nd)) }
        let n = try valid.sum(dim: 1).ints()
        let zeroed = try Tensor.where(valid, x, 0)
        let sums = try zeroed.sum(dim: 1).doubles()
        let batchMean = zip(sums, n).map { $1 > 0 ? $0 / Double($1) : 0 }
        let dev = try Tensor.where(valid, try x - Tensor(batchMean, shape: [bands, 1]).to(x.device), 0)
        let batchM2 = try (dev * dev).sum(dim: 1).doubles()
        let mins = try Tensor.where(valid, x, .infinity).amin(dims: [1]).doubles()
        let maxs = try Tensor.where(valid, x, -.infinity).amax(dims: [1]).doubles()
        let nonIntegral = try valid.logicalAnd(try x.ne(try x.round())).any(dim: 1).to(.int64).ints()
        for c in 0..<bands where n[c] > 0 {
            let na = Double(count[c]), nb = Double(n[c]), total = na + nb
            let delta = batchMean[c] - mean[c]
            mean[c] += delta * nb / total
            m2[c] += batchM2[c] + delta * delta * na * nb / total
            count[c] += n[c]
            min[c] = Swift.min(min[c], mins[c])
            max[c] = Swift.max(max[c], maxs[c])
            if nonIntegral[c] != 0 { integral[c] = false }
        }
        if let h = histogram {
            for c in 0..<bands where n[c] > 0 {
                let values = try x.select(dim: 0, index: c).maskedSelect(try valid.select(dim: 0, index: c))
                let clamped = try values.clamp(min: h.lower, max: h.upper - h.binWidth / 2)
                let hist = try clamped.histc(bins: h.bins, min: h.lower, max: h.upper).to(.int64).ints()
                for i in 0..<h.bins { histogramCounts[c][i] += hist[i] }
            }
        }
    }

    /// Computes statistics over a sequence of images (`[B, C, H, W]` batches or `[C, H, W]` chips).
    public static func compute<S: Sequence>(_ images: S, bands: Int, nodata: Double? = nil,
                                            histogram: Histogram? = nil) throws -> BandStatistics where S.Element == Tensor {
        var s = try BandStatistics(bands: bands, nodata: nodata, histogram: histogram)
        for x in images { try s.update(x) }
        return s
    }

    /// The `p`-th percentile (0…100) per band, from the histogram.
    public func percentile(_ p: Double) throws -> [Double] {
        guard let h = histogram else {
            throw TransformError("BandStatistics.percentile: no histogram was collected; create the statistics with histogram: .init(lower:upper:bins:)")
        }
        guard (0...100).contains(p) else { throw TransformError("BandStatistics.percentile: p must be in [0, 100], got \(p)") }
        return (0..<bands).map { c in
            let n = count[c]
            guard n > 0 else { return .nan }
            let rank = p / 100 * Double(n - 1)
            let k = Int(rank.rounded(.down))
            let lo = orderStatistic(c, k, h), hi = orderStatistic(c, Swift.min(k + 1, n - 1), h)
            return lo + (hi - lo) * (rank - Double(k))
        }
    }

    /// Estimate of the k-th smallest valid value (0-based) of band c.
    private func orderStatistic(_ c: Int, _ k: Int, _ h: Histogram) -> Double {
        let w = h.binWidth
        let exact = integral[c] && w == 1 && h.lower == h.lower.rounded()
        var before = 0
        for (i, n) in histogramCounts[c].enumerated() where n > 0 {
            if k < before + n {
                let edge = h.lower + Double(i) * w
                // spread the bin's values evenly over the bin (exact for unit bins of integers)
                let v = exact ? edge : edge + w * (Double(k - before) + 0.5) / Double(n)
                return Swift.min(Swift.max(v, min[c]), max[c])
            }
            before += n
        }
        return max[c]
    }
}
