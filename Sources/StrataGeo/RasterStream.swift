import CGDAL
import Foundation
import StrataTensor

/// A finished output that still sits under a temporary name beside its target: `commit()` renames it (and its
/// `.aux.xml` sidecar, first) into place; `discard()` deletes it. Lets a job that writes several files publish them
/// all at the very end, so a killed run leaves nothing at any target path.
public final class PendingFile: @unchecked Sendable {
    /// Where the file will appear.
    public let target: String
    /// Where it is now.
    public let temporary: String
    private var done = false

    public init(temporary: String, target: String) {
        self.temporary = temporary
        self.target = target
    }

    /// Renames the sidecar (when there is one) then the file into place. A stale sidecar of a replaced file is removed.
    public func commit() throws {
        guard !done else { return }
        let fm = FileManager.default
        if fm.fileExists(atPath: temporary + ".aux.xml") {
            try RasterWriter.rename(temporary + ".aux.xml", to: target + ".aux.xml")
        } else if fm.fileExists(atPath: target + ".aux.xml") {
            try? fm.removeItem(atPath: target + ".aux.xml")
        }
        try RasterWriter.rename(temporary, to: target)
        done = true
    }

    /// Deletes the temporary file and its sidecars.
    public func discard() {
        guard !done else { return }
        for p in [temporary, temporary + ".aux.xml", temporary + ".ovr"] { try? FileManager.default.removeItem(atPath: p) }
        done = true
    }

    /// A hidden sibling name for `target`: `.<name>.tmp-<pid>-<random><suffix>`. Stale ones left by killed processes
    /// can be found by the `.<name>.tmp-<pid>-` prefix.
    public static func temporaryPath(for target: String, suffix: String = "") -> String {
        let url = URL(fileURLWithPath: target)
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(tag)\(suffix)").path
    }

    /// Removes temporary files of `target` left by processes that no longer run (a killed earlier run).
    public static func removeStale(for target: String) {
        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent().path
        let prefix = ".\(url.lastPathComponent).tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let pid = rest.split(separator: "-").first.flatMap({ Int32($0) }), pid > 0 else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: dir + "/" + name)
            }
        }
    }
}

/// Writes a large raster window by window (strips, blocks) without ever holding it whole: pixels go to an
/// uncompressed tiled GeoTIFF staging file under a temporary name, and `finish()` turns it into the final GeoTIFF/COG
/// (compression, overviews, colour table, class names) under another temporary name, returned as a `PendingFile`.
///
/// Memory stays bounded by GDAL's block cache (`GDAL.cacheMax`), whatever the raster's size. Not thread-safe: use
/// one writer from one thread at a time.
public final class RasterStreamWriter {
    public let target: String
    public let grid: GeoGrid
    public let bandCount: Int
    public let dtype: DType
    public let options: WriteOptions
    private let stagePath: String
    private var handle: GDALDatasetH?
    private let gtype: GDALDataType

    /// Creates the staging file for a raster of `bands` bands of `dtype` on `grid`, to end up at `path`.
    public init(path: String, grid: GeoGrid, bands: Int, dtype: DType, options: WriteOptions = .init()) throws {
        GDAL.initialize()
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw GeoError("output folder does not exist", path: dir, hint: "create it first")
        }
        guard bands >= 1 else { throw GeoError("cannot write a raster without bands", path: path, hint: "pass at least one band") }
        guard let g = GDALTypes.gdal(dtype) else {
            throw GeoError("cannot write dtype \(dtype)", path: path, hint: "use uint8, int16, int32, int64, float32 or float64")
        }
        if options.colorTable != nil && (bands != 1 || dtype != .uint8) {
            throw GeoError("a colour table needs a single uint8 band (got \(bands) band(s) of \(dtype))", path: path,
                           hint: "write the class map as one uint8 band")
        }
        if !options.bandDescriptions.isEmpty && options.bandDescriptions.count != bands {
            throw GeoError("\(options.bandDescriptions.count) band descriptions for \(bands) bands", path: path, hint: "give one description per band")
        }
        target = path
        self.grid = grid
        bandCount = bands
        self.dtype = dtype
        self.options = options
        gtype = g
        stagePath = PendingFile.temporaryPath(for: path, suffix: ".stage.tif")
        guard let drv = GDALGetDriverByName("GTiff") else { throw GeoError("GDAL's GTiff driver is missing", hint: "reinstall GDAL") }
        let opts = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=NONE", "INTERLEAVE=BAND",
                    "SPARSE_OK=TRUE", "BIGTIFF=IF_SAFER"]
        let h = try GDAL.withOptions(opts) { o in
            try GDAL.call("cannot create a staging file for \(grid.width)×\(grid.height)×\(bands)", path: stagePath,
                          hint: "check that the output folder is writable and has space") {
                GDALCreate(drv, stagePath, Int32(grid.width), Int32(grid.height), Int32(bands), g, o)
            }
        }
        handle = h
        var gt = grid.transform.coefficients
        GDALSetGeoTransform(h, &gt)
        GDALSetProjection(h, grid.crs.wkt)
        for b in 0..<bands {
            let band = GDALGetRasterBand(h, Int32(b + 1))!
            if let nd = options.nodata { GDALSetRasterNoDataValue(band, nd) }
            RasterWriter.describe(band, index: b, options: options)
        }
    }

    deinit { abort() }

    /// Writes `window` of every band from band-sequential memory (`bandCount` planes of window.height × window.width
    /// elements of `dtype`, rows contiguous).
    public func write(_ data: UnsafeRawPointer, window: PixelWindow) throws {
        guard let handle else { throw GeoError("the raster stream is already closed", path: target) }
        guard window.x >= 0, window.y >= 0, window.maxX <= grid.width, window.maxY <= grid.height, !window.isEmpty else {
            throw GeoError("window \(window) is outside the \(grid.width)×\(grid.height) raster", path: target,
                           hint: "write windows inside the grid")
        }
        let es = dtype.byteSize
        try GDAL.check("cannot write \(window)", path: stagePath, hint: "check free disk space") {
            GDALDatasetRasterIOEx(handle, GF_Write, Int32(window.x), Int32(window.y), Int32(window.width), Int32(window.height),
                                  UnsafeMutableRawPointer(mutating: data), Int32(window.width), Int32(window.height), gtype,
                                  Int32(bandCount), nil, GSpacing(es), GSpacing(window.width * es),
                                  GSpacing(window.width * window.height * es), nil)
        }
    }

    /// Builds the final file (format, compression and overviews from `options`) under a temporary name beside the
    /// target and deletes the staging file. Call `commit()` on the result to move it into place.
    public func finish() throws -> PendingFile {
        guard let h = handle else { throw GeoError("the raster stream is already closed", path: target) }
        let final = PendingFile(temporary: PendingFile.temporaryPath(for: target, suffix: ".tif"), target: target)
        do {
            let (_, flushLog) = GDAL.capturing { GDALFlushCache(h) }
            if flushLog.hasFailure {
                throw GeoError("cannot flush the staging file", path: stagePath, gdal: flushLog.failureText, hint: "check free disk space")
            }
            guard let drv = GDALGetDriverByName(options.format.rawValue) else {
                throw GeoError("GDAL's \(options.format.rawValue) driver is missing", hint: "install a GDAL build with GeoTIFF/COG support (3.1+)")
            }
            let out = try GDAL.withOptions(RasterWriter.creationOptions(options, dtype: dtype)) { opts in
                try GDAL.call("cannot write \(options.format == .cog ? "COG" : "GeoTIFF")", path: target,
                              hint: "check the creation options and that the disk has space") {
                    GDALCreateCopy(drv, final.temporary, h, 0, opts, nil, nil)
                }
            }
            if options.format == .geoTIFF && options.overviews != .none {
                var f = RasterWriter.overviewFactors(options.overviews, width: grid.width, height: grid.height,
                                                     block: options.blockSize).map(Int32.init)
                if !f.isEmpty {
                    CPLSetThreadLocalConfigOption("COMPRESS_OVERVIEW", options.compression.rawValue)
                    defer { CPLSetThreadLocalConfigOption("COMPRESS_OVERVIEW", nil) }
                    do {
                        try GDAL.check("cannot build overviews", path: target, hint: "check free disk space") {
                            GDALBuildOverviews(out, options.overviewResampling.rawValue.uppercased(), Int32(f.count), &f, 0, nil, nil, nil)
                        }
                    } catch { GDALClose(out); throw error }
                }
            }
            let (_, log) = GDAL.capturing { GDALClose(out) }
            if log.hasFailure { throw GeoError("cannot finish writing", path: target, gdal: log.failureText, hint: "check free disk space") }
        } catch {
            final.discard()
            abort()
            throw error
        }
        abort()
        return final
    }

    /// Closes and deletes the staging file (nothing reaches the target).
    public func abort() {
        guard let h = handle else { return }
        handle = nil
        _ = GDAL.capturing { GDALClose(h) }
        for p in [stagePath, stagePath + ".aux.xml"] { try? FileManager.default.removeItem(atPath: p) }
    }
}

/// Small images for people (quick-looks): RGB(A) bytes through GDAL's PNG driver.
public enum ImageWriter {
    /// Writes `bands` (3 = RGB, 4 = RGBA) planes of width × height bytes as a PNG under a temporary name beside
    /// `path`; `commit()` the result to move it into place.
    public static func pngPending(planes: [UInt8], width: Int, height: Int, bands: Int, to path: String) throws -> PendingFile {
        GDAL.initialize()
        guard bands == 1 || bands == 3 || bands == 4, planes.count == width * height * bands, width > 0, height > 0 else {
            throw GeoError("a PNG needs 1, 3 or 4 planes of \(width)×\(height) bytes (got \(planes.count) bytes for \(bands) bands)",
                           path: path, hint: "pass band-sequential RGB or RGBA bytes")
        }
        guard let drv = GDALGetDriverByName("PNG") else { throw GeoError("GDAL's PNG driver is missing", hint: "install a GDAL build with PNG support") }
        let pending = PendingFile(temporary: PendingFile.temporaryPath(for: path, suffix: ".png"), target: path)
        var copy = planes
        try copy.withUnsafeMutableBytes { buf in
            let mem = try MemDataset(base: buf.baseAddress!, width: width, height: height, bands: bands, type: GDT_Byte, grid: nil)
            if bands >= 3 {
                let interp = [GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand]
                for b in 0..<bands { GDALSetRasterColorInterpretation(GDALGetRasterBand(mem.handle, Int32(b + 1)), interp[b]) }
            }
            let out = try GDAL.withOptions(["ZLEVEL=6"]) { o in
                try GDAL.call("cannot write PNG", path: path, hint: "check that the folder is writable") {
                    GDALCreateCopy(drv, pending.temporary, mem.handle, 0, o, nil, nil)
                }
            }
            let (_, log) = GDAL.capturing { GDALClose(out) }
            if log.hasFailure {
                pending.discard()
                throw GeoError("cannot finish writing PNG", path: path, gdal: log.failureText, hint: "check free disk space")
            }
        }
        // An image without georeferencing needs no sidecar.
        try? FileManager.default.removeItem(atPath: pending.temporary + ".aux.xml")
        return pending
    }
}

extension GDAL {
    /// GDAL's block cache limit in bytes (process-wide). Bounded-memory jobs lower it; reads and writes of rasters
    /// larger than the cache still work, only re-reading blocks that fell out of it.
    public static var cacheMax: Int {
        get { initialize(); return Int(GDALGetCacheMax64()) }
        set { initialize(); GDALSetCacheMax64(Int64(newValue)) }
    }

    /// Bytes the block cache holds now.
    public static var cacheUsed: Int { initialize(); return Int(GDALGetCacheUsed64()) }
}

extension CRS {
    /// The ellipsoid's semi-major axis (metres) and inverse flattening (0 for a sphere); nil when GDAL cannot say.
    public var ellipsoid: (semiMajor: Double, inverseFlattening: Double)? {
        try? withHandle { h in
            var err: OGRErr = OGRERR_NONE
            let a = OSRGetSemiMajor(h, &err)
            guard err == OGRERR_NONE, a > 0 else { return nil }
            let invF = OSRGetInvFlattening(h, &err)
            guard err == OGRERR_NONE else { return nil }
            return (a, invF)
        }
    }

    /// Radians per angular unit (π/180 for degrees).
    public var radiansPerAngularUnit: Double {
        (try? withHandle { h in OSRGetAngularUnits(h, nil) }) ?? .pi / 180
    }
}
