import CGDAL
import Foundation
import StrataTensor

/// How a tensor is written to disk.
public struct WriteOptions: Sendable {
    public enum Format: String, Sendable { case geoTIFF = "GTiff", cog = "COG" }
    public enum Compression: String, Sendable { case none = "NONE", deflate = "DEFLATE", lzw = "LZW", zstd = "ZSTD" }
    /// TIFF predictors: horizontal differencing suits integers, floating-point suits floats; `.automatic` picks by dtype.
    public enum Predictor: Sendable { case none, horizontal, floatingPoint, automatic }
    /// Overview pyramids: none, automatic (halve until the image fits in one block), or a number of 2× levels.
    public enum Overviews: Sendable, Equatable { case none, auto, levels(Int) }

    public var format: Format
    public var compression: Compression
    public var predictor: Predictor
    /// Compression level (DEFLATE 1–12, ZSTD 1–22); nil = GDAL's default.
    public var level: Int?
    /// Tiled layout (always tiled for COG) and the tile size (a multiple of 16).
    public var tiled: Bool
    public var blockSize: Int
    /// The nodata value stored on every band.
    public var nodata: Double?
    /// A colour table for single-band uint8 class maps.
    public var colorTable: [RGBA]?
    /// Band descriptions (names), in band order.
    public var bandDescriptions: [String]
    /// Class names indexed by pixel value, stored on every band twice: as GDAL category names (kept in the
    /// .aux.xml sidecar, moved into place with the file; QGIS's attribute table reads them) and as `ClassMetadata`
    /// items `CLASS_<i>=<name>` inside the GeoTIFF, so a copy of the .tif alone keeps them.
    public var categoryNames: [String]
    public var overviews: Overviews
    /// The kernel used to build overviews (`.nearest`/`.mode` for class maps, `.average` for imagery).
    public var overviewResampling: Resampling
    /// Compression threads (GDAL's NUM_THREADS); nil = 1, 0 = all cores.
    public var threads: Int?
    /// Extra "KEY=VALUE" creation options passed to the driver as they are.
    public var creationOptions: [String]

    public init(format: Format = .cog, compression: Compression = .deflate, predictor: Predictor = .automatic,
                level: Int? = nil, tiled: Bool = true, blockSize: Int = 512, nodata: Double? = nil,
                colorTable: [RGBA]? = nil, bandDescriptions: [String] = [], categoryNames: [String] = [],
                overviews: Overviews = .auto, overviewResampling: Resampling = .nearest, threads: Int? = nil,
                creationOptions: [String] = []) {
        self.format = format; self.compression = compression; self.predictor = predictor; self.level = level
        self.tiled = tiled; self.blockSize = blockSize; self.nodata = nodata; self.colorTable = colorTable
        self.bandDescriptions = bandDescriptions; self.categoryNames = categoryNames; self.overviews = overviews
        self.overviewResampling = overviewResampling; self.threads = threads; self.creationOptions = creationOptions
    }
}

/// Writes tensors as georeferenced GeoTIFF or Cloud-Optimized GeoTIFF.
///
/// The file is produced under a temporary name in the target's folder and renamed into place only once it is
/// complete, so an interrupted or failed write never leaves a partial file at the target path (an existing file
/// there stays untouched until the new one replaces it).
public enum RasterWriter {
    /// Writes a [C, H, W] (or [H, W]) tensor whose pixels lie on `grid`.
    public static func write(_ tensor: Tensor, to path: String, grid: GeoGrid, options: WriteOptions = .init()) throws {
        GDAL.initialize()
        let shape = tensor.shape
        guard shape.count == 2 || shape.count == 3 else {
            throw GeoError("cannot write a tensor of shape \(shape) as a raster", path: path, hint: "pass [bands, height, width] or [height, width]")
        }
        let (c, h, w) = shape.count == 3 ? (shape[0], shape[1], shape[2]) : (1, shape[0], shape[1])
        guard h == grid.height && w == grid.width else {
            throw GeoError("tensor is \(h)×\(w) pixels but the grid is \(grid.height)×\(grid.width)", path: path,
                           hint: "write onto the grid the tensor was read from (or a subgrid of matching size)")
        }
        guard c >= 1 else { throw GeoError("cannot write a tensor without bands", path: path, hint: "pass at least one band") }
        // GDAL 3.6 has no int8, float16 or bool bands: widen those.
        var data = try tensor.to(.cpu)
        switch data.dtype {
        case .bool: data = try data.to(.uint8)
        case .int8: data = try data.to(.int16)
        case .float16, .bfloat16: data = try data.to(.float32)
        default: break
        }
        data = try data.contiguous()
        guard let gtype = GDALTypes.gdal(data.dtype), let base = data.dataPointer else {
            throw GeoError("cannot write dtype \(data.dtype)", path: path, hint: "convert to uint8, int16, int32, int64, float32 or float64")
        }
        if let ct = options.colorTable {
            guard c == 1, gtype == GDT_Byte else {
                throw GeoError("a colour table needs a single Byte band (got \(c) band(s) of \(data.dtype))", path: path,
                               hint: "write the class map as uint8")
            }
            guard ct.count <= 256 else {
                throw GeoError("a Byte band's colour table holds at most 256 entries (got \(ct.count))", path: path, hint: "shorten the table")
            }
        }
        if !options.bandDescriptions.isEmpty && options.bandDescriptions.count != c {
            throw GeoError("\(options.bandDescriptions.count) band descriptions for \(c) bands", path: path, hint: "give one description per band")
        }
        guard options.blockSize >= 16, options.blockSize % 16 == 0 else {
            throw GeoError("block size \(options.blockSize) is not a positive multiple of 16", path: path, hint: "use 256 or 512")
        }

        let mem = try MemDataset(base: base, width: w, height: h, bands: c, type: gtype, grid: grid,
                                 nodata: Array(repeating: options.nodata, count: c))
        for b in 0..<c { describe(GDALGetRasterBand(mem.handle, Int32(b + 1))!, index: b, options: options) }
        withExtendedLifetime(data) {}
        try writeAtomically(mem.handle, to: path, options: options, dtype: data.dtype)
        withExtendedLifetime(data) {}
    }

    /// Sets band `index`'s description, class names (GDAL category names, kept in the .aux.xml sidecar, and
    /// `ClassMetadata` items, kept in the file) and colour table (kept in the file) from `options`.
    static func describe(_ band: GDALRasterBandH, index b: Int, options: WriteOptions) {
        if b < options.bandDescriptions.count { GDALSetDescription(band, options.bandDescriptions[b]) }
        if !options.categoryNames.isEmpty {
            GDAL.withOptions(options.categoryNames) { _ = GDALSetRasterCategoryNames(band, $0) }
            ClassMetadata.write(options.categoryNames, to: band)
        }
        if let ct = options.colorTable, let table = GDALCreateColorTable(GPI_RGB) {
            for (i, e) in ct.prefix(256).enumerated() {
                var entry = GDALColorEntry(c1: Int16(e.r), c2: Int16(e.g), c3: Int16(e.b), c4: Int16(e.a))
                GDALSetColorEntry(table, Int32(i), &entry)
            }
            GDALSetRasterColorTable(band, table)
            GDALSetRasterColorInterpretation(band, GCI_PaletteIndex)
            GDALDestroyColorTable(table)
        }
    }

    /// Creation options for the chosen driver.
    static func creationOptions(_ o: WriteOptions, dtype: DType) -> [String] {
        var opts = ["COMPRESS=\(o.compression.rawValue)"]
        let predictor: String? = switch o.predictor {
        case .none: nil
        case .horizontal: "2"
        case .floatingPoint: "3"
        case .automatic: o.compression == .none ? nil : (dtype.isFloatingPoint ? "3" : "2")
        }
        if let predictor, o.compression != .none { opts.append("PREDICTOR=\(predictor)") }
        if let level = o.level { opts.append("LEVEL=\(level)") }
        opts.append("NUM_THREADS=\(o.threads.map { $0 == 0 ? "ALL_CPUS" : "\($0)" } ?? "1")")
        switch o.format {
        case .cog:
            opts.append("BLOCKSIZE=\(o.blockSize)")
            opts.append("OVERVIEW_RESAMPLING=\(o.overviewResampling.rawValue.uppercased())")
            switch o.overviews {
            case .none: opts.append("OVERVIEWS=NONE")
            case .auto: opts.append("OVERVIEWS=AUTO")
            case .levels(let n): opts += ["OVERVIEWS=AUTO", "OVERVIEW_COUNT=\(n)"]
            }
        case .geoTIFF:
            if o.tiled { opts += ["TILED=YES", "BLOCKXSIZE=\(o.blockSize)", "BLOCKYSIZE=\(o.blockSize)"] }
            opts.append("INTERLEAVE=BAND")
        }
        // User options override ours key by key (GDAL reads the first occurrence of a key).
        for extra in o.creationOptions {
            let key = extra.split(separator: "=", maxSplits: 1).first.map { String($0).uppercased() + "=" } ?? extra
            opts.removeAll { $0.uppercased().hasPrefix(key) }
            opts.append(extra)
        }
        return opts
    }

    /// CreateCopy into a temporary name beside `path`, overviews for GeoTIFF, then rename into place.
    static func writeAtomically(_ src: GDALDatasetH, to path: String, options o: WriteOptions, dtype: DType) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw GeoError("output folder does not exist", path: dir.path, hint: "create it first")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString.prefix(8)).tif").path
        let cleanup = { for p in [tmp, tmp + ".aux.xml", tmp + ".ovr"] { try? FileManager.default.removeItem(atPath: p) } }
        guard let drv = GDALGetDriverByName(o.format.rawValue) else {
            throw GeoError("GDAL's \(o.format.rawValue) driver is missing", hint: "install a GDAL build with GeoTIFF/COG support (3.1+)")
        }
        do {
            let out = try GDAL.withOptions(creationOptions(o, dtype: dtype)) { opts in
                try GDAL.call("cannot write \(o.format == .cog ? "COG" : "GeoTIFF")", path: path,
                              hint: "check the creation options and that the disk has space") {
                    GDALCreateCopy(drv, tmp, src, 0, opts, nil, nil)
                }
            }
            if o.format == .geoTIFF && o.overviews != .none {
                let factors = overviewFactors(o.overviews, width: Int(GDALGetRasterXSize(out)),
                                              height: Int(GDALGetRasterYSize(out)), block: o.blockSize)
                if !factors.isEmpty {
                    var f = factors.map(Int32.init)
                    let compress = "COMPRESS_OVERVIEW"
                    CPLSetThreadLocalConfigOption(compress, o.compression.rawValue)
                    defer { CPLSetThreadLocalConfigOption(compress, nil) }
                    do {
                        try GDAL.check("cannot build overviews", path: path, hint: "check free disk space") {
                            GDALBuildOverviews(out, o.overviewResampling.rawValue.uppercased(), Int32(f.count), &f, 0, nil, nil, nil)
                        }
                    } catch { GDALClose(out); throw error }
                }
            }
            let (_, log) = GDAL.capturing { GDALClose(out) }
            if log.hasFailure { throw GeoError("cannot finish writing", path: path, gdal: log.failureText, hint: "check free disk space") }
            // Sidecar first, then the image: the image appearing at `path` marks a complete write.
            if FileManager.default.fileExists(atPath: tmp + ".aux.xml") {
                try rename(tmp + ".aux.xml", to: path + ".aux.xml")
            } else if FileManager.default.fileExists(atPath: path + ".aux.xml") {
                try? FileManager.default.removeItem(atPath: path + ".aux.xml")  // stale metadata of a replaced file
            }
            try rename(tmp, to: path)
        } catch {
            cleanup()
            throw error
        }
    }

    /// Power-of-two overview factors: `levels(n)` gives n of them; `auto` halves until the image fits in one block.
    static func overviewFactors(_ ov: WriteOptions.Overviews, width: Int, height: Int, block: Int) -> [Int] {
        switch ov {
        case .none: return []
        case .levels(let n): return (0..<Swift.max(0, n)).map { 1 << ($0 + 1) }
        case .auto:
            var f: [Int] = [], k = 2
            while (width + k / 2 - 1) / (k / 2) > block || (height + k / 2 - 1) / (k / 2) > block {
                f.append(k); k *= 2
            }
            return f
        }
    }

    /// POSIX rename (atomic within a filesystem; replaces an existing target).
    static func rename(_ from: String, to: String) throws {
        if Foundation.rename(from, to) != 0 {
            let reason = String(cString: strerror(errno))
            throw GeoError("cannot move the finished file into place", path: to, gdal: reason, hint: "check permissions on the folder")
        }
    }
}

extension Raster {
    /// Writes a [C, H, W] tensor on `grid` to `path` (see `RasterWriter.write`).
    public static func write(_ tensor: Tensor, to path: String, grid: GeoGrid, options: WriteOptions = .init()) throws {
        try RasterWriter.write(tensor, to: path, grid: grid, options: options)
    }
}
