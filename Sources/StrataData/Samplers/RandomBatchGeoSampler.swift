import StrataGeo

/// Random chips in batches whose chips all come from one entry (file or scene), drawn by area: each batch reads
/// one file, so its handles and blocks stay hot. Deterministic for a seed and epoch.
public struct RandomBatchGeoSampler: GeoBatchSampler {
    let regions: [SamplingRegion]
    let cumulative: [Double]
    let res: (x: Double, y: Double)
    let w: Int, h: Int
    public let batchSize: Int
    /// Batches per epoch (`length / batchSize`).
    public let batchCount: Int
    public let seed: UInt64

    public init(_ dataset: any GeoDataset, size: ChipSize, batchSize: Int, length: Int? = nil,
                roi: RegionOfInterest? = nil, timeRange: TimeSpan? = nil, seed: UInt64 = 0) throws {
        guard batchSize > 0 else { throw DataError("batchSize must be positive, got \(batchSize)") }
        res = dataset.resolution
        (w, h) = try size.pixels(at: res, what: "chip size")
        regions = try SamplerSupport.regions(dataset, roi: roi, time: timeRange)
        cumulative = SamplerSupport.cumulativeAreas(regions)
        let cw = Double(w) * res.x, ch = Double(h) * res.y
        let n = length ?? regions.reduce(0) { $0 + max(1, Int($1.box.width / cw) * Int($1.box.height / ch)) }
        self.batchSize = batchSize
        batchCount = n / batchSize
        self.seed = seed
    }

    public func batches(epoch: Int) -> [[BoundingBox]] {
        var g = SeededGenerator(seed: seed, epoch: epoch)
        return (0..<batchCount).map { _ in
            let r = regions[SamplerSupport.draw(cumulative, &g)]
            return (0..<batchSize).map { _ in SamplerSupport.randomChip(in: r, w: w, h: h, res: res, &g) }
        }
    }
}
