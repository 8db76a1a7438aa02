import CGDAL
import Foundation
import StrataTensor

/// One open GDAL raster dataset: a GeoTIFF/COG, a VRT, a JPEG2000, an ENVI file, … including GDAL virtual paths
/// (`/vsizip/archive.zip/b04.tif`, `/vsicurl/https://…`, `/vsis3/…`).
///
/// **One `Raster` per thread.** A GDAL dataset handle must not be used from two threads at once; opening the same
/// file again is cheap (GDAL shares the block cache), so give each loader thread its own instance. Metadata is read
/// lazily and cached.
public final class Raster {
    /// The path it was opened from.
    public let path: String
    let handle: GDALDatasetH
    /// Width and height in pixels, and the number of bands.
    public let width: Int, height: Int, bandCount: Int
    private let crsOverride: CRS?
    /// Reprojection transformers to target CRSs, kept per raster (creating one costs more than warping a chip).
    var transformers: [String: UnsafeMutableRawPointer] = [:]
    /// Warped VRTs of this raster on target lattices (`WarpMode.sharedLattice`), keyed by lattice and options.
    var warpedViews: [String: WarpedView] = [:]
    /// The raster's bounds in other CRSs, keyed by target and source CRS.
    var footprints: [String: BoundingBox] = [:]
    /// GDAL's suggested output resolution in other CRSs (see `suggestedResolution(in:srcCRS:)`).
    var suggestedResolutions: [String: (x: Double, y: Double)] = [:]

    /// Opens a raster read-only. `crs`, when given, replaces the file's CRS (for files that have none or a wrong one).
    /// Throws a `GeoError` naming the file when it is missing, not a raster GDAL can read, or damaged.
    public init(path: String, crs: CRS? = nil) throws {
        GDAL.initialize()
        self.path = path
        self.crsOverride = crs
        let isVirtual = path.hasPrefix("/vsi") || path.hasPrefix("<") || path.contains(":") && !path.hasPrefix("/")
        if !isVirtual && !FileManager.default.fileExists(atPath: path) {
            throw GeoError("raster not found", path: path,
                           hint: "check the path (relative paths start at \(FileManager.default.currentDirectoryPath))")
        }
        let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        handle = try GDAL.call("cannot open raster", path: path,
                               hint: "Strata reads any raster GDAL can open (GeoTIFF, COG, VRT, JP2, ENVI, …); check that the file is complete (not truncated by an interrupted copy or download) and is a raster (vector files open with VectorSource)") {
            GDALOpenEx(path, flags, nil, nil, nil)
        }
        width = Int(GDALGetRasterXSize(handle))
        height = Int(GDALGetRasterYSize(handle))
        bandCount = Int(GDALGetRasterCount(handle))
        if bandCount == 0 {
            GDALClose(handle)
            throw GeoError("raster has no bands", path: path,
                           hint: "this dataset holds subdatasets or no raster data; open one of its subdatasets instead")
        }
    }

    deinit {
        for v in warpedViews.values { GDALClose(v.handle) }  // before the source they reference
        for t in transformers.values { GDALDestroyGenImgProjTransformer(t) }
        GDALClose(handle)
    }

    /// GDAL's short driver name ("GTiff", "VRT", …).
    public var driver: String {
        GDALGetDatasetDriver(handle).map { String(cString: GDALGetDriverShortName($0)) } ?? "unknown"
    }

    /// The CRS: the override given at open, else the file's; nil when the file has none.
    public private(set) lazy var crs: CRS? = {
        if let crsOverride { return crsOverride }
        guard let srs = GDALGetSpatialRef(handle) else { return nil }
        return try? CRS(handle: srs)
    }()

    /// The geotransform; nil when the file has none (GDAL's default identity transform does not count).
    public private(set) lazy var geoTransform: GeoTransform? = {
        var c = [Double](repeating: 0, count: 6)
        let (err, _) = GDAL.capturing { GDALGetGeoTransform(handle, &c) }
        return err == CE_None ? GeoTransform(c) : nil
    }()

    /// The geotransform, or GDAL's identity transform (pixel coordinates) when the file has none.
    var transformOrIdentity: GeoTransform { geoTransform ?? GeoTransform([0, 1, 0, 0, 0, 1]) }

    /// The pixel lattice with its CRS. Throws when the raster has no CRS or geotransform.
    public var grid: GeoGrid {
        get throws {
            guard let crs else {
                throw GeoError("raster has no CRS", path: path,
                               hint: "open it with Raster(path:crs:) or pass the CRS to this call")
            }
            return try grid(assuming: crs)
        }
    }

    /// The pixel lattice in `crs` (for rasters without a CRS of their own).
    public func grid(assuming crs: CRS) throws -> GeoGrid {
        guard let gt = geoTransform else {
            throw GeoError("raster has no geotransform", path: path,
                           hint: "georeference it (e.g. gdal_translate -a_ullr … -a_srs …) before reading it by location")
        }
        return GeoGrid(crs: crs, transform: gt, width: width, height: height)
    }

    /// World bounds in the raster's CRS (pixel bounds when it has no geotransform).
    public var bounds: BoundingBox { transformOrIdentity.bounds(width: width, height: height) }

    /// Pixel size (CRS units) along x and y.
    public var resolution: (x: Double, y: Double) { transformOrIdentity.resolution }

    /// Per-band metadata, in band order.
    public private(set) lazy var bands: [BandInfo] = (1...bandCount).map { bandInfo($0) }

    /// Dataset-level metadata items (default domain) as key/value pairs.
    public var metadata: [String: String] {
        var out: [String: String] = [:]
        for item in GDAL.strings(GDALGetMetadata(handle, nil)) {
            if let eq = item.firstIndex(of: "=") { out[String(item[..<eq])] = String(item[item.index(after: eq)...]) }
        }
        return out
    }

    func band(_ i: Int) -> GDALRasterBandH { GDALGetRasterBand(handle, Int32(i))! }

    private func bandInfo(_ i: Int) -> BandInfo {
        let b = band(i)
        let t = GDALGetRasterDataType(b)
        var has: Int32 = 0
        let nd = GDALGetRasterNoDataValue(b, &has)
        var hasScale: Int32 = 0, hasOffset: Int32 = 0
        let scale = GDALGetRasterScale(b, &hasScale), offset = GDALGetRasterOffset(b, &hasOffset)
        var colors: [RGBA]? = nil
        if let ct = GDALGetRasterColorTable(b) {
            colors = (0..<GDALGetColorEntryCount(ct)).map { k in
                guard let e = GDALGetColorEntry(ct, k)?.pointee else { return RGBA(0, 0, 0, 0) }
                return RGBA(UInt8(clamping: e.c1), UInt8(clamping: e.c2), UInt8(clamping: e.c3), UInt8(clamping: e.c4))
            }
        }
        var bw: Int32 = 0, bh: Int32 = 0
        GDALGetBlockSize(b, &bw, &bh)
        return BandInfo(
            index: i, gdalType: GDALTypes.name(t), dtype: GDALTypes.native(t) ?? .float64,
            nodata: has != 0 ? nd : nil,
            scale: hasScale != 0 && scale != 0 ? scale : 1, offset: hasOffset != 0 ? offset : 0,
            description: String(cString: GDALGetDescription(b)),
            colorInterpretation: String(cString: GDALGetColorInterpretationName(GDALGetRasterColorInterpretation(b))),
            colorTable: colors, categoryNames: Self.classNames(b),
            overviewCount: Int(GDALGetOverviewCount(b)), blockWidth: Int(bw), blockHeight: Int(bh),
            unit: GDALGetRasterUnitType(b).map { String(cString: $0) } ?? "")
    }

    /// GDAL's category names (the .aux.xml sidecar, or formats that store them), else the `ClassMetadata` items
    /// written into the file itself.
    static func classNames(_ band: GDALRasterBandH) -> [String] {
        let names = GDAL.strings(GDALGetRasterCategoryNames(band))
        return names.isEmpty ? ClassMetadata.read(band) : names
    }

    // MARK: validation shared by the readers

    /// Checks 1-based band numbers (nil = all bands) and returns them.
    func resolveBands(_ requested: [Int]?) throws -> [Int] {
        let list = requested ?? Array(1...bandCount)
        guard !list.isEmpty else { throw GeoError("no bands requested", path: path, hint: "pass band numbers 1...\(bandCount) or nil for all") }
        for b in list where b < 1 || b > bandCount {
            throw GeoError("band \(b) out of range", path: path,
                           hint: "this raster has \(bandCount) band\(bandCount == 1 ? "" : "s"), numbered 1...\(bandCount) like GDAL")
        }
        return list
    }

    /// The output dtype and GDAL buffer type for reading `bands` as `type`.
    func outputType(_ type: PixelType, bands list: [Int]) throws -> (DType, GDALDataType) {
        switch type {
        case .float32: return (.float32, GDT_Float32)
        case .dtype(let d):
            guard let g = GDALTypes.gdal(d) else {
                throw GeoError("cannot read into \(d)", path: path, hint: "read as uint8, int16, int32, int64, float32 or float64 and convert")
            }
            return (d, g)
        case .native:
            var t = GDALGetRasterDataType(band(list[0]))
            for b in list.dropFirst() { t = GDALDataTypeUnion(t, GDALGetRasterDataType(band(b))) }
            guard let d = GDALTypes.native(t), let g = GDALTypes.gdal(d) else {
                throw GeoError("unsupported band type \(GDALTypes.name(t))", path: path,
                               hint: "complex rasters are not supported; convert with gdal_translate -ot Float32")
            }
            return (d, g)
        }
    }
}
