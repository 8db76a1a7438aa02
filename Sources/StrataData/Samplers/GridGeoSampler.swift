import StrataGeo

/// Chips on a regular grid over every entry (file or scene) inside the ROI, for inference and validation.
///
/// Every pixel of every entry is covered: along each axis chips start every `stride` pixels and the last row and
/// column are moved back to end exactly at the entry's edge; an entry smaller than one chip gets one chip at its
/// top-left corner, padded with nodata by the dataset — nothing is skipped. Identical chips from overlapping
/// entries are emitted once.
public struct GridGeoSampler: GeoSampler {
    let boxes: [BoundingBox]

    /// - Parameters:
    ///   - size: chip size in pixels or CRS units.
    ///   - stride: step between chips (default: `size`, no overlap).
    public init(_ dataset: any GeoDataset, size: ChipSize, stride: ChipSize? = nil, roi: RegionOfInterest? = nil,
                timeRange: TimeSpan? = nil) throws {
        let res = dataset.resolution
        let (w, h) = try size.pixels(at: res, what: "chip size")
        let (sx, sy) = try (stride ?? size).pixels(at: res, what: "stride")
        let regions = try SamplerSupport.regions(dataset, roi: roi, time: timeRange)
        let cw = Double(w) * res.x, ch = Double(h) * res.y
        var seen = Set<BoundingBox>()
        var out: [BoundingBox] = []
        for r in regions {
            let xs = SamplerSupport.gridOffsets(span: r.box.width, size: cw, stride: Double(sx) * res.x)
            let ys = SamplerSupport.gridOffsets(span: r.box.height, size: ch, stride: Double(sy) * res.y)
            for dy in ys {
                for dx in xs {
                    let x0 = r.box.minX + dx, y1 = r.box.maxY - dy
                    let b = BoundingBox(minX: x0, minY: y1 - ch, maxX: x0 + cw, maxY: y1, minT: r.minT, maxT: r.maxT)
                    if case .polygon = roi, let roi {
                        // Keep chips that touch the polygon: centre inside, or any corner inside.
                        let pts = [(b.center.x, b.center.y), (b.minX, b.minY), (b.minX, b.maxY), (b.maxX, b.minY), (b.maxX, b.maxY)]
                        if !pts.contains(where: { roi.contains(x: $0.0, y: $0.1) }) { continue }
                    }
                    if seen.insert(b).inserted { out.append(b) }
                }
            }
        }
        boxes = out
    }

    /// Number of chips.
    public var count: Int { boxes.count }
    public func chips(epoch: Int) -> [BoundingBox] { boxes }
}
