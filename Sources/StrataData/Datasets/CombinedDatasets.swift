import StrataGeo
import StrataTensor

enum Alignment {
    /// `b` on `a`'s CRS, resolution and pixel lattice (re-targeted only when it is not there already).
    static func align(_ b: any GeoDataset, to a: any GeoDataset) throws -> any GeoDataset {
        let ra = a.resolution, rb = b.resolution
        let origin = a.index.entries.first.map { (x: $0.minX, y: $0.maxY) }
        if b.crs == a.crs, abs(ra.x - rb.x) <= 1e-9 * ra.x, abs(ra.y - rb.y) <= 1e-9 * ra.y, let o = origin,
           b.index.entries.allSatisfy({ onLattice($0, o, ra) })
        {
            return b
        }
        return try b.aligned(to: GridTarget(crs: a.crs, resolution: ra, origin: origin))
    }

    static func onLattice(_ e: BoundingBox, _ o: (x: Double, y: Double), _ r: (x: Double, y: Double)) -> Bool {
        let fx = (e.minX - o.x) / r.x, fy = (o.y - e.maxY) / r.y
        return abs(fx - fx.rounded()) < 1e-6 && abs(fy - fy.rounded()) < 1e-6
    }

    /// Channel count of a layout part as planes (a single [H, W] mask is one plane).
    static func planes(_ c: Int?) -> Int { c.map { $0 == 0 ? 1 : $0 } ?? 0 }
}

/// Samples where both datasets have data, with the channels of both: images concatenated (first operand's bands
/// first), and masks concatenated likewise. The second operand is reprojected on the fly onto the first's CRS,
/// resolution and pixel lattice — or both onto an explicit `target` grid — so the chips of both are the same
/// pixels. The index holds the pairwise intersections of the operands' footprints (space and time).
public final class IntersectionDataset: GeoDataset, @unchecked Sendable {
    public let first: any GeoDataset
    public let second: any GeoDataset
    public let index: SpatialIndex
    public var crs: CRS { first.crs }
    public var resolution: (x: Double, y: Double) { first.resolution }
    public var bandNames: [String] { first.bandNames + second.bandNames }

    public init(_ a: any GeoDataset, _ b: any GeoDataset, target: GeoGrid? = nil) throws {
        if let target {
            first = try a.aligned(to: GridTarget(grid: target))
            second = try b.aligned(to: GridTarget(grid: target))
        } else {
            first = a
            second = try Alignment.align(b, to: a)
        }
        let res = first.resolution
        var boxes: [BoundingBox] = []
        for ea in first.index.entries {
            for j in second.index.query(ea) {
                guard var c = ea.intersection(second.index.entries[j]) else { continue }
                // Inward to whole pixels of the first operand's lattice, so chips read both without resampling.
                c.minX = ea.minX + ((c.minX - ea.minX) / res.x - 1e-6).rounded(.up) * res.x
                c.maxY = ea.maxY - ((ea.maxY - c.maxY) / res.y - 1e-6).rounded(.up) * res.y
                c.maxX = ea.minX + ((c.maxX - ea.minX) / res.x + 1e-6).rounded(.down) * res.x
                c.minY = ea.maxY - ((ea.maxY - c.minY) / res.y + 1e-6).rounded(.down) * res.y
                if c.maxX > c.minX, c.maxY > c.minY { boxes.append(c) }
            }
        }
        guard !boxes.isEmpty else {
            throw DataError("the datasets do not overlap in space and time (first covers \(first.bounds), second covers \(second.bounds) in \(first.crs))")
        }
        index = SpatialIndex(boxes)
    }

    public func layout(for bounds: BoundingBox) throws -> SampleLayout {
        let la = try first.layout(for: bounds), lb = try second.layout(for: bounds)
        if la.imageChannels != nil, lb.imageChannels != nil, la.imageDType != lb.imageDType {
            throw DataError("cannot concatenate images of dtypes \(la.imageDType) and \(lb.imageDType); give both datasets the same dtype")
        }
        if la.maskChannels != nil, lb.maskChannels != nil, la.maskDType != lb.maskDType {
            throw DataError("cannot concatenate masks of dtypes \(la.maskDType) and \(lb.maskDType); give both datasets the same dtype")
        }
        func join(_ x: Int?, _ y: Int?) -> Int? {
            switch (x, y) {
            case (nil, nil): return nil
            case (let v?, nil), (nil, let v?): return v
            case (let v?, let w?): return Alignment.planes(v) + Alignment.planes(w)
            }
        }
        return SampleLayout(imageChannels: join(la.imageChannels, lb.imageChannels),
                            imageDType: la.imageChannels != nil ? la.imageDType : lb.imageDType,
                            maskChannels: join(la.maskChannels, lb.maskChannels),
                            maskDType: la.maskChannels != nil ? la.maskDType : lb.maskDType,
                            height: la.height, width: la.width)
    }

    public func read(bounds: BoundingBox, into buffers: SampleBuffers) throws {
        let la = try first.layout(for: bounds)
        let ia = Alignment.planes(la.imageChannels), ma = Alignment.planes(la.maskChannels)
        let lb = try second.layout(for: bounds)
        let ib = Alignment.planes(lb.imageChannels), mb = Alignment.planes(lb.maskChannels)
        try first.read(bounds: bounds, into: SampleBuffers(image: ia > 0 ? buffers.image?.bands(0..<ia) : nil,
                                                           mask: ma > 0 ? buffers.mask?.bands(0..<ma) : nil))
        try second.read(bounds: bounds, into: SampleBuffers(image: ib > 0 ? buffers.image?.bands(ia..<(ia + ib)) : nil,
                                                            mask: mb > 0 ? buffers.mask?.bands(ma..<(ma + mb)) : nil))
    }

    public func aligned(to target: GridTarget) throws -> any GeoDataset {
        let a = try first.aligned(to: target)
        return try IntersectionDataset(a, try second.aligned(to: GridTarget(crs: a.crs, resolution: a.resolution,
                                                                            origin: target.origin)))
    }
}

/// Samples where either dataset has data: where both do, the first operand's valid pixels win and the second
/// fills the first's nodata. Both must give the same channels. The second operand is reprojected on the fly onto
/// the first's CRS, resolution and lattice (or both onto an explicit `target` grid).
public final class UnionDataset: GeoDataset, @unchecked Sendable {
    public let first: any GeoDataset
    public let second: any GeoDataset
    public let index: SpatialIndex
    let split: Int  // index entries below `split` belong to `first`
    public var crs: CRS { first.crs }
    public var resolution: (x: Double, y: Double) { first.resolution }
    public var bandNames: [String] { first.bandNames }
    public var nodata: Double? { first.nodata }

    public init(_ a: any GeoDataset, _ b: any GeoDataset, target: GeoGrid? = nil) throws {
        if let target {
            first = try a.aligned(to: GridTarget(grid: target))
            second = try b.aligned(to: GridTarget(grid: target))
        } else {
            first = a
            second = try Alignment.align(b, to: a)
        }
        let probe = first.index.entries.first ?? BoundingBox(minX: 0, minY: 0, maxX: 1, maxY: 1)
        let la = try first.layout(for: probe), lb = try second.layout(for: probe)
        guard la.imageChannels == lb.imageChannels, la.maskChannels == lb.maskChannels,
              la.imageDType == lb.imageDType, la.maskDType == lb.maskDType else {
            throw DataError("a union needs datasets with the same channels and dtypes; got \(first.bandNames) (\(la.imageDType)) and \(second.bandNames) (\(lb.imageDType))")
        }
        split = first.index.count
        index = SpatialIndex(first.index.entries + second.index.entries)
    }

    public func layout(for bounds: BoundingBox) throws -> SampleLayout { try first.layout(for: bounds) }

    public func read(bounds: BoundingBox, into buffers: SampleBuffers) throws {
        let hits = index.query(bounds)
        let inFirst = hits.contains { $0 < split }, inSecond = hits.contains { $0 >= split }
        guard inFirst || inSecond else {
            throw DataError("no data in \(bounds) (\(crs)); the dataset covers \(self.bounds)")
        }
        if !inSecond { return try first.read(bounds: bounds, into: buffers) }
        if !inFirst { return try second.read(bounds: bounds, into: buffers) }
        try first.read(bounds: bounds, into: buffers)
        // The second operand fills what the first left as nodata.
        let parts = [buffers.image, buffers.mask].compactMap { $0 }
        let bytes = parts.reduce(0) { $0 + $1.bandCount * $1.height * $1.width * $1.dtype.byteSize }
        try ReaderCache.current.withScratch(bytes) { scratch in
            var offset = 0
            func carve(_ b: ChipBuffer?) -> ChipBuffer? {
                guard let b else { return nil }
                defer { offset += b.bandCount * b.height * b.width * b.dtype.byteSize }
                return ChipBuffer(pointer: scratch + offset, dtype: b.dtype, bandCount: b.bandCount, height: b.height, width: b.width)
            }
            let tmp = SampleBuffers(image: carve(buffers.image), mask: carve(buffers.mask))
            try second.read(bounds: bounds, into: tmp)
            let fill = first.nodata ?? 0
            for (d, s) in [(buffers.image, tmp.image), (buffers.mask, tmp.mask)] {
                guard let d, let s else { continue }
                Combine.fillMissing(d, from: s, nodata: fill)
            }
        }
    }

    public func aligned(to target: GridTarget) throws -> any GeoDataset {
        let a = try first.aligned(to: target)
        return try UnionDataset(a, try second.aligned(to: GridTarget(crs: a.crs, resolution: a.resolution, origin: target.origin)))
    }
}

enum Combine {
    /// dst[i] = src[i] wherever dst[i] is `nodata` (or NaN).
    static func fillMissing(_ dst: ChipBuffer, from src: ChipBuffer, nodata: Double) {
        let n = dst.bandCount * dst.height * dst.width
        func run<T: Equatable>(_: T.Type, _ nd: T) {
            let d = dst.pointer.bindMemory(to: T.self, capacity: n), s = src.pointer.bindMemory(to: T.self, capacity: n)
            for i in 0..<n where d[i] == nd || d[i] != d[i] { d[i] = s[i] }
        }
        let i = clampedInt64(nodata)
        switch dst.dtype {
        case .float32: run(Float.self, Float(nodata))
        case .float64: run(Double.self, nodata)
        case .int64: run(Int64.self, i)
        case .int32: run(Int32.self, Int32(clamping: i))
        case .int16: run(Int16.self, Int16(clamping: i))
        default: run(UInt8.self, UInt8(clamping: i))
        }
    }
}

/// A nodata value as an integer the way GDAL converts it: rounded, clamped, NaN → 0.
func clampedInt64(_ v: Double) -> Int64 {
    v.isNaN ? 0 : Int64(Swift.max(-9.2e18, Swift.min(9.2e18, v.rounded())))
}
