import StrataGeo

/// One chip per entry — the entry's whole footprint — for datasets already cut into chips (e.g. a folder of
/// 64 × 64 GeoTIFF patches). Optionally shuffled per epoch (deterministic for a seed).
public struct PreChippedGeoSampler: GeoSampler {
    let boxes: [BoundingBox]
    public let shuffle: Bool
    public let seed: UInt64

    public init(_ dataset: any GeoDataset, roi: RegionOfInterest? = nil, timeRange: TimeSpan? = nil,
                shuffle: Bool = false, seed: UInt64 = 0) throws {
        let regions = try SamplerSupport.regions(dataset, roi: roi, time: timeRange)
        let entries = dataset.index.entries
        boxes = regions.map { r in
            let e = entries[r.entry]
            return BoundingBox(minX: e.minX, minY: e.minY, maxX: e.maxX, maxY: e.maxY, minT: r.minT, maxT: r.maxT)
        }
        self.shuffle = shuffle
        self.seed = seed
    }

    public var count: Int { boxes.count }
    public func chips(epoch: Int) -> [BoundingBox] {
        guard shuffle else { return boxes }
        var g = SeededGenerator(seed: seed, epoch: epoch)
        var b = boxes
        g.shuffle(&b)
        return b
    }
}
