import StrataGeo

/// Random chips: an entry (file or scene) drawn with probability proportional to its area inside the ROI, then a
/// chip at a random whole-pixel position of that entry's lattice (so reads need no resampling). Chips carry the
/// entry's time interval. Deterministic for a seed and epoch.
public struct RandomGeoSampler: GeoSampler {
    let regions: [SamplingRegion]
    let cumulative: [Double]
    let roi: RegionOfInterest?
    let res: (x: Double, y: Double)
    let w: Int, h: Int
    /// Chips per epoch.
    public let length: Int
    public let seed: UInt64

    /// - Parameters:
    ///   - size: chip size in pixels (`256`, `.pixels(width:height:)`) or CRS units (`.units(2560)`).
    ///   - length: chips per epoch (default: as many as fit side by side without overlap).
    ///   - roi: only draw inside this box or polygon (in the dataset's CRS).
    ///   - timeRange: only draw from entries whose time interval meets this one.
    public init(_ dataset: any GeoDataset, size: ChipSize, length: Int? = nil, roi: RegionOfInterest? = nil,
                timeRange: TimeSpan? = nil, seed: UInt64 = 0) throws {
        res = dataset.resolution
        (w, h) = try size.pixels(at: res, what: "chip size")
        regions = try SamplerSupport.regions(dataset, roi: roi, time: timeRange)
        cumulative = SamplerSupport.cumulativeAreas(regions)
        self.roi = roi
        if let length, length < 0 { throw DataError("length must be ≥ 0, got \(length)") }
        let cw = Double(w) * res.x, ch = Double(h) * res.y
        self.length = length ?? regions.reduce(0) { $0 + max(1, Int($1.box.width / cw) * Int($1.box.height / ch)) }
        self.seed = seed
    }

    public func chips(epoch: Int) -> [BoundingBox] {
        var g = SeededGenerator(seed: seed, epoch: epoch)
        var out: [BoundingBox] = []
        out.reserveCapacity(length)
        while out.count < length {
            let r = regions[SamplerSupport.draw(cumulative, &g)]
            var chip = SamplerSupport.randomChip(in: r, w: w, h: h, res: res, &g)
            if case .polygon = roi {
                // Keep chips whose centre is inside the polygon (bounded retries, then the last draw stands).
                var tries = 0
                while !roi!.contains(x: chip.center.x, y: chip.center.y), tries < 1000 {
                    chip = SamplerSupport.randomChip(in: r, w: w, h: h, res: res, &g)
                    tries += 1
                }
            }
            out.append(chip)
        }
        return out
    }
}
