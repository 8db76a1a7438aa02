import StrataGeo

/// Chips around given features — typically the label polygons of a segmentation task, when they cover a small part
/// of a large scene. Each chip draws a feature (uniformly by default, so small features and the classes they carry
/// are seen as often as large ones; or with the given weights), a random pixel of that feature's box, and places the
/// chip so that pixel lands in the chip's central half, on the whole-pixel lattice of the dataset entry that holds it.
/// Chips stay inside the entry when it is larger than a chip. Deterministic for a seed and epoch.
public struct FeatureGeoSampler: GeoSampler {
    let features: [BoundingBox]
    let cumulative: [Double]
    let regions: [SamplingRegion]
    let res: (x: Double, y: Double)
    let w: Int, h: Int
    /// Chips per epoch.
    public let length: Int
    public let seed: UInt64

    /// - Parameters:
    ///   - features: feature boxes in the dataset's CRS (e.g. `Geometry.bounds` of features read with `in: crs`).
    ///   - size: chip size in pixels or CRS units.
    ///   - length: chips per epoch.
    ///   - weights: relative draw weight of each feature (default: equal).
    public init(_ dataset: any GeoDataset, features: [BoundingBox], size: ChipSize, length: Int,
                weights: [Double]? = nil, seed: UInt64 = 0) throws {
        res = dataset.resolution
        (w, h) = try size.pixels(at: res, what: "chip size")
        guard length >= 0 else { throw DataError("length must be ≥ 0, got \(length)") }
        let all = try SamplerSupport.regions(dataset, roi: nil, time: nil)
        // Keep the features that meet the data; a feature entirely outside every entry cannot be sampled.
        var kept: [BoundingBox] = [], keptWeights: [Double] = []
        for (i, f) in features.enumerated() where all.contains(where: { $0.box.intersects(f) }) {
            kept.append(f)
            keptWeights.append(weights.map { i < $0.count ? $0[i] : 0 } ?? 1)
        }
        guard !kept.isEmpty else {
            throw DataError("none of the \(features.count) features overlaps the data, which covers \(dataset.bounds) in \(dataset.crs); give the features in the dataset's CRS")
        }
        if let weights {
            guard weights.count == features.count else {
                throw DataError("weights: \(weights.count) values for \(features.count) features; give one weight per feature")
            }
            guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), keptWeights.contains(where: { $0 > 0 }) else {
                throw DataError("weights must be finite, ≥ 0 and not all 0 for the features that overlap the data")
            }
        }
        var acc = 0.0
        cumulative = keptWeights.map { acc += $0; return acc }
        self.features = kept
        regions = all
        self.length = length
        self.seed = seed
    }

    public func chips(epoch: Int) -> [BoundingBox] {
        var g = SeededGenerator(seed: seed, epoch: epoch)
        let cw = Double(w) * res.x, ch = Double(h) * res.y
        var out: [BoundingBox] = []
        out.reserveCapacity(length)
        while out.count < length {
            let f = features[SamplerSupport.draw(cumulative, &g)]
            // A random point of the feature's box, then the chip's top-left so the point lies in its central half.
            let px = f.minX + g.unit() * f.width, py = f.minY + g.unit() * f.height
            let r = regions.first { $0.box.contains(x: px, y: py) }
                ?? regions.min { $0.box.distance(toX: px, y: py) < $1.box.distance(toX: px, y: py) }!
            var x0 = px - cw * (0.25 + 0.5 * g.unit())
            var y1 = py + ch * (0.25 + 0.5 * g.unit())
            // Onto the entry's lattice, and inside the entry when it is larger than a chip.
            x0 = r.box.minX + ((x0 - r.box.minX) / res.x).rounded() * res.x
            y1 = r.box.maxY - ((r.box.maxY - y1) / res.y).rounded() * res.y
            if r.box.width >= cw { x0 = min(max(x0, r.box.minX), r.box.maxX - cw) }
            if r.box.height >= ch { y1 = max(min(y1, r.box.maxY), r.box.minY + ch) }
            out.append(BoundingBox(minX: x0, minY: y1 - ch, maxX: x0 + cw, maxY: y1, minT: r.minT, maxT: r.maxT))
        }
        return out
    }
}

extension BoundingBox {
    /// Whether (x, y) lies inside or on the edge.
    func contains(x: Double, y: Double) -> Bool { x >= minX && x <= maxX && y >= minY && y <= maxY }
    /// Euclidean distance from (x, y) to the box (0 inside).
    func distance(toX x: Double, y: Double) -> Double {
        let dx = max(minX - x, 0, x - maxX), dy = max(minY - y, 0, y - maxY)
        return (dx * dx + dy * dy).squareRoot()
    }
}
