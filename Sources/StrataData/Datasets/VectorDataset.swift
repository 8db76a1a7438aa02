import Foundation
import StrataGeo
import StrataTensor

/// Vector files (Shapefile, GeoPackage, GeoJSON, … anything OGR reads) as a geo-dataset: features are rasterised
/// on demand onto each query's pixel grid, giving a mask.
///
/// - `burn`: a constant (default 1), a numeric class attribute (`.attribute("class")`), or a class map from a text
///   attribute to class indices (`.classMap(attribute: "landcover", ["water": 1, "forest": 2])`).
/// - Features are reprojected to the dataset's CRS on the fly (default: the first file's layer CRS).
/// - `resolution` is in the dataset CRS's units; without one: 10 for projected CRSs, 0.0001 (≈ 10 m) for
///   geographic ones. In an `IntersectionDataset` after a raster, the raster's grid is used instead.
/// - Pixels no feature covers hold `fill` (0); `allTouched` burns every pixel a geometry touches.
public final class VectorDataset: GeoDataset, @unchecked Sendable {
    public let crs: CRS
    public let resolution: (x: Double, y: Double)
    public let index: SpatialIndex
    public let files: [String]
    public let layer: String?
    public let burn: Burn
    public let allTouched: Bool
    public let fill: Double
    public let dtype: DType
    public var bandNames: [String] { [] }
    public var nodata: Double? { nil }

    struct FileInfo: Sendable {
        let path: String
        let crs: CRS
        let extent: BoundingBox
    }
    let infos: [FileInfo]

    public convenience init(paths: [String], filenameGlob: String = "*", layer: String? = nil,
                            burn: Burn = .constant(1), crs: CRS? = nil, resolution: Resolution? = nil,
                            allTouched: Bool = false, fill: Double = 0, dtype: DType = .int64) throws {
        let found = try FileDiscovery.find(paths, filenameGlob: filenameGlob)
        var infos: [FileInfo] = []
        for f in found {
            let v = try VectorSource(path: f)
            let info = try v.info(layer: layer)
            guard let c = info.crs ?? crs else {
                throw DataError("vector layer has no CRS: \(f) (add a .prj file or pass crs:)")
            }
            guard let e = info.extent else { continue }  // an empty layer has nothing to burn
            infos.append(FileInfo(path: f, crs: c, extent: e))
        }
        guard !infos.isEmpty else {
            throw DataError("no vector files with features found in \(paths) matching glob \"\(filenameGlob)\"")
        }
        let target = crs ?? infos[0].crs
        let res = resolution.map { ($0.x, $0.y) } ?? (target.isGeographic ? (0.0001, 0.0001) : (10, 10))
        try self.init(infos: infos, layer: layer, burn: burn, crs: target, resolution: res, origin: nil,
                      allTouched: allTouched, fill: fill, dtype: dtype)
    }

    init(infos: [FileInfo], layer: String?, burn: Burn, crs: CRS, resolution res: (x: Double, y: Double),
         origin: (x: Double, y: Double)?, allTouched: Bool, fill: Double, dtype: DType) throws {
        guard res.x > 0, res.y > 0, res.x.isFinite, res.y.isFinite else {
            throw DataError("resolution must be positive, got (\(res.x), \(res.y))")
        }
        guard [.uint8, .int16, .int32, .int64, .float32, .float64].contains(dtype) else {
            throw DataError("dtype \(dtype) cannot hold rasterised masks (use int64, int32, int16, uint8, float32 or float64)")
        }
        self.infos = infos
        files = infos.map(\.path)
        self.layer = layer; self.burn = burn; self.crs = crs; resolution = res
        self.allTouched = allTouched; self.fill = fill; self.dtype = dtype
        var boxes: [BoundingBox] = []
        for f in infos {
            var b = f.crs == crs ? f.extent : try f.crs.transform(f.extent, to: crs)
            // Snap outward to whole pixels (of `origin`'s lattice when given) so chips land on one lattice.
            let ox = origin?.x ?? b.minX, oy = origin?.y ?? b.maxY
            b.minX = ox + ((b.minX - ox) / res.x + 1e-6).rounded(.down) * res.x
            b.maxY = oy - ((oy - b.maxY) / res.y + 1e-6).rounded(.down) * res.y
            b.maxX = b.minX + max(1, ((b.maxX - b.minX) / res.x - 1e-6).rounded(.up)) * res.x
            b.minY = b.maxY - max(1, ((b.maxY - b.minY) / res.y - 1e-6).rounded(.up)) * res.y
            boxes.append(b)
        }
        index = SpatialIndex(boxes)
    }

    public func layout(for bounds: BoundingBox) throws -> SampleLayout {
        let (w, h) = pixelSize(of: bounds)
        return SampleLayout(imageChannels: nil, maskChannels: 0, maskDType: dtype, height: h, width: w)
    }

    public func read(bounds q: BoundingBox, into buffers: SampleBuffers) throws {
        guard let dst = buffers.mask else { throw DataError("VectorDataset.read: no mask buffer given") }
        let hits = index.query(q)
        guard !hits.isEmpty else { throw DataError("no data in \(q) (\(crs)); the dataset covers \(bounds)") }
        let grid = GeoGrid(crs: crs, transform: GeoTransform(originX: q.minX, originY: q.maxY,
                                                             resX: q.width / Double(dst.width), resY: q.height / Double(dst.height)),
                           width: dst.width, height: dst.height)
        let cache = ReaderCache.current
        let n = dst.width * dst.height
        for (k, i) in hits.enumerated() {
            let source = try cache.reader("V|\(infos[i].path)") { try VectorSource(path: infos[i].path) }
            let t = try source.rasterize(onto: grid, layer: layer, burn: burn, allTouched: allTouched, fill: fill, dtype: dtype)
            guard let p = t.dataPointer else { throw DataError("rasterised mask is not in CPU memory") }
            if k == 0 {
                dst.pointer.copyMemory(from: p, byteCount: n * dtype.byteSize)
            } else {
                // Later files add what earlier ones left empty.
                Combine.fillMissing(dst, from: ChipBuffer(pointer: p, dtype: dtype, bandCount: 1, height: dst.height, width: dst.width),
                                    nodata: fill)
            }
        }
    }

    public func aligned(to target: GridTarget) throws -> any GeoDataset {
        try VectorDataset(infos: infos, layer: layer, burn: burn, crs: target.crs, resolution: target.resolution,
                          origin: target.origin, allTouched: allTouched, fill: fill, dtype: dtype)
    }
}
