import CGDAL
import Foundation
import StrataTensor

/// The hot path of index-addressed chip datasets: one open–read–close of a whole small raster (a EuroSAT tile, a
/// BigEarthNet band file, a user's chip), touching only what a chip needs.
///
/// `Raster` reads every band's metadata and builds its `CRS`, which for a 64 × 64 GeoTIFF costs several times the
/// read itself: GDAL assembles the file's spatial reference (and GeoTIFF unit types) through PROJ. Here a read takes
/// the pixels and the bounds only; the CRS is built on request (`crs:` or `crs(of:)`) and kept in a process-wide
/// cache keyed by EPSG code (or WKT), so tiles in a few UTM zones share a few `CRS` values. Scale and offset are not
/// applied (use `Raster` for files that carry them). Thread-safe: every call opens its own handle.
public enum ChipFile {
    /// What a read returns.
    public struct Chip: @unchecked Sendable {
        /// `[C, H, W]` (H, W: the output size).
        public let image: Tensor
        /// The file's size in pixels and band count.
        public let width: Int, height: Int, bandCount: Int
        /// The file's CRS (nil when it has none or was not asked for).
        public let crs: CRS?
        /// The file's extent (nil when it has no geotransform).
        public let bounds: BoundingBox?
    }

    /// Reads bands of a whole file.
    ///
    /// - Parameters:
    ///   - bands: 1-based band numbers (nil = all).
    ///   - dtype: the tensor dtype (GDAL converts; nil = the bands' native type as `PixelType.native` maps it).
    ///   - outputSize: resample the whole file to this size with GDAL's RasterIO `resampling` (nil = native size).
    ///   - crs: also build the CRS. This costs far more than the rest of a chip's read (GDAL assembles the file's
    ///     spatial reference through PROJ), so chip datasets skip it and call `crs(of:)` when a CRS is wanted.
    public static func read(_ path: String, bands: [Int]? = nil, as dtype: DType? = nil,
                            outputSize: (width: Int, height: Int)? = nil, resampling: Resampling = .nearest,
                            crs wantCRS: Bool = false) throws -> Chip {
        GDAL.initialize()
        let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        let h = try GDAL.call("cannot open raster", path: path,
                              hint: "check that the file exists, is complete (not truncated) and is a raster GDAL reads") {
            GDALOpenEx(path, flags, nil, nil, nil)
        }
        defer { GDALClose(h) }
        let w = Int(GDALGetRasterXSize(h)), ht = Int(GDALGetRasterYSize(h)), n = Int(GDALGetRasterCount(h))
        guard n > 0 else { throw GeoError("raster has no bands", path: path, hint: "pass a file with at least one raster band") }
        let list = bands ?? Array(1...n)
        guard !list.isEmpty else { throw GeoError("no bands requested", path: path, hint: "pass band numbers 1...\(n) or nil for all") }
        for b in list where b < 1 || b > n {
            throw GeoError("band \(b) out of range", path: path, hint: "this raster has \(n) band\(n == 1 ? "" : "s"), numbered 1...\(n)")
        }
        let outType: DType
        if let dtype {
            outType = dtype
        } else {
            var t = GDALGetRasterDataType(GDALGetRasterBand(h, Int32(list[0])))
            for b in list.dropFirst() { t = GDALDataTypeUnion(t, GDALGetRasterDataType(GDALGetRasterBand(h, Int32(b)))) }
            guard let d = GDALTypes.native(t) else {
                throw GeoError("unsupported band type \(GDALTypes.name(t))", path: path, hint: "convert with gdal_translate -ot Float32")
            }
            outType = d
        }
        guard let gtype = GDALTypes.gdal(outType) else {
            throw GeoError("cannot read into \(outType)", path: path, hint: "read as uint8, int16, int32, int64, float32 or float64")
        }
        let outW = outputSize?.width ?? w, outH = outputSize?.height ?? ht
        guard outW > 0, outH > 0 else { throw GeoError("invalid output size \(outW)×\(outH)", path: path, hint: "pass a positive size") }
        guard resampling.rasterIO != nil || (outW == w && outH == ht) else {
            throw GeoError("resampling \(resampling) is not available for whole-file reads", path: path,
                           hint: "use nearest, bilinear, cubic, cubicSpline, lanczos, average, mode or rms")
        }
        let (tensor, base) = try TensorMemory.allocate([list.count, outH, outW], outType)
        var bandMap = list.map(Int32.init)
        var extra = GDALRasterIOExtraArg()
        extra.nVersion = 1
        extra.eResampleAlg = resampling.rasterIO ?? GRIORA_NearestNeighbour
        let es = outType.byteSize
        try GDAL.check("cannot read bands \(list)", path: path, hint: "the file may be truncated or corrupt; re-create or re-download it") {
            GDALDatasetRasterIOEx(h, GF_Read, 0, 0, Int32(w), Int32(ht), base, Int32(outW), Int32(outH), gtype,
                                  Int32(list.count), &bandMap, GSpacing(es), GSpacing(outW * es), GSpacing(outW * outH * es), &extra)
        }
        var crs: CRS? = nil, bounds: BoundingBox? = nil
        var c = [Double](repeating: 0, count: 6)
        let (err, _) = GDAL.capturing { GDALGetGeoTransform(h, &c) }
        if err == CE_None { bounds = GeoTransform(c).bounds(width: w, height: ht) }
        if wantCRS, let srs = GDALGetSpatialRef(h) { crs = try CRSCache.shared.crs(of: srs) }
        return Chip(image: tensor, width: w, height: ht, bandCount: n, crs: crs, bounds: bounds)
    }

    /// The CRS of the raster at `path` (nil when it has none), from the process-wide cache when an equal one was
    /// built before.
    public static func crs(of path: String) throws -> CRS? {
        GDAL.initialize()
        let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        let h = try GDAL.call("cannot open raster", path: path, hint: "check that the file exists and is a raster GDAL reads") {
            GDALOpenEx(path, flags, nil, nil, nil)
        }
        defer { GDALClose(h) }
        guard let srs = GDALGetSpatialRef(h) else { return nil }
        return try CRSCache.shared.crs(of: srs)
    }
}

/// CRSs built once per process: by EPSG code when the spatial reference carries one at its root, else by WKT.
final class CRSCache: @unchecked Sendable {
    static let shared = CRSCache()
    private let lock = NSLock()
    private var byEPSG: [Int: CRS] = [:]
    private var byWKT: [String: CRS] = [:]

    func crs(of srs: OGRSpatialReferenceH) throws -> CRS {
        if let auth = OSRGetAuthorityName(srs, nil), String(cString: auth).uppercased() == "EPSG",
           let codeText = OSRGetAuthorityCode(srs, nil), let code = Int(String(cString: codeText)) {
            lock.lock()
            if let hit = byEPSG[code] { lock.unlock(); return hit }
            lock.unlock()
            let c = try CRS(handle: srs)
            lock.lock(); byEPSG[code] = c; lock.unlock()
            return c
        }
        var out: UnsafeMutablePointer<CChar>? = nil
        _ = OSRExportToWkt(srs, &out)
        let wkt = out.map { String(cString: $0) } ?? ""
        VSIFree(out)
        lock.lock()
        if let hit = byWKT[wkt] { lock.unlock(); return hit }
        lock.unlock()
        let c = try CRS(handle: srs)
        lock.lock(); byWKT[wkt] = c; lock.unlock()
        return c
    }
}
