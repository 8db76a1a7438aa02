import Foundation
import StrataGeo
import StrataTensor

/// A pixel size in CRS units (x, y); a number literal means square pixels (`resolution: 10`).
public struct Resolution: Hashable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    public var x: Double, y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
    public init(_ v: Double) { self.init(x: v, y: v) }
    public init(floatLiteral v: Double) { self.init(v) }
    public init(integerLiteral v: Int) { self.init(Double(v)) }
}

/// Rasters on disk as one geo-dataset: any number of files (GeoTIFF, COG, VRT, JP2, anything GDAL reads), in any
/// CRSs and resolutions, read onto one CRS and resolution on demand.
///
/// - Files: `paths` are files, directories (searched recursively for `filenameGlob`) or glob patterns.
/// - `filenameRegex` (matched on file names; non-matching files are ignored) may carry named groups:
///   `band` — one file per band, as in Sentinel-2 SAFE granules, OSCD (`…_B02.tif`) or BigEarthNet
///   (`<patch>_B02.tif`): files differing only in the band group form one *scene*, its bands read onto one grid
///   whatever their native 10/20/60 m resolution; `date` (or `start` / `stop`) — the acquisition time, parsed
///   with `dateFormat` (a `DateFormatter` pattern, UTC).
/// - `bands` selects and orders channels by name (`allBands` names the bands of multi-band files; for per-band
///   files the names come from the `band` group, in sensor order: B01…B08, B8A, B09…).
/// - The target `crs` and `resolution` default to the first scene's (its finest band). When the CRS changes and no
///   resolution is given, the resolution is GDAL's suggestion *in the target CRS's units* (degrees for EPSG:4326).
/// - Overlapping files are mosaicked: `.first` — the first file (sorted path order) wins where its footprint
///   reaches; `.firstValid` — the first file with a valid (non-nodata) value wins per pixel.
/// - `nodata` overrides the files' nodata (or supplies one); it fills areas no file covers.
/// - `warpErrorThreshold`: the approximate transformer's error in pixels when reprojecting (gdalwarp's `-et`,
///   default 0.125); 0 transforms every pixel exactly.
/// - `isImage`: images read as float32 with bilinear resampling (the `image` of a sample); masks (`isImage:
///   false`) as int64 with nearest resampling (the `mask`). `dtype` and `resampling` override either.
public final class RasterDataset: GeoDataset, @unchecked Sendable {
    /// How overlapping files combine.
    public enum MergeMethod: Sendable { case first, firstValid }

    public let crs: CRS
    public let resolution: (x: Double, y: Double)
    public let index: SpatialIndex
    public let bandNames: [String]
    public let isImage: Bool
    /// Element type of the samples.
    public let dtype: DType
    public let resampling: Resampling
    /// The nodata value: missing source pixels, and the fill of areas without data (nil: none, fill 0).
    public let nodata: Double?
    public let merge: MergeMethod
    /// The approximate transformer's error in pixels when reprojecting (0: exact).
    public let warpErrorThreshold: Double
    /// Every file the dataset reads, sorted.
    public let files: [String]

    /// One raster file's header.
    struct FileInfo: Sendable {
        let path: String
        let width: Int, height: Int, bandCount: Int
        let transform: GeoTransform
        let crs: CRS
        let nodata: [Double?]
        let descriptions: [String]
        var resolution: (x: Double, y: Double) { transform.resolution }
        var bounds: BoundingBox { transform.bounds(width: width, height: height) }
    }

    /// A run of output planes read from one file in one call.
    struct Run: Sendable {
        let file: Int
        let bands: [Int]          // 1-based bands of the file
        let planes: Range<Int>    // output channels
        let direct: Bool          // same CRS, north-up: read the file itself; else its warped VRT on `scene.grid`
        let readerKey: String
    }

    /// One index entry: a file, or the per-band files of one acquisition.
    struct Scene: Sendable {
        let name: String
        let runs: [Run]
        let footprint: BoundingBox   // in `crs`, with time
        let grid: GeoGrid            // the lattice chips of this scene snap to (warped reads land on it)
    }

    let infos: [FileInfo]
    let scenes: [Scene]
    let fileNodata: Double?       // warped reads: the user's nodata for every band (nil: each band's own)
    let sourceCRS: CRS?

    // MARK: construction

    /// Finds and indexes the files (see the type's documentation for each option).
    public convenience init(paths: [String], filenameGlob: String = "*", filenameRegex: String? = nil,
                            dateFormat: String = "yyyyMMdd", bands: [String]? = nil, allBands: [String]? = nil,
                            isImage: Bool = true, crs: CRS? = nil, resolution: Resolution? = nil,
                            origin: (x: Double, y: Double)? = nil, nodata: Double? = nil, dtype: DType? = nil,
                            resampling: Resampling? = nil, merge: MergeMethod = .first,
                            warpErrorThreshold: Double = 0.125, fileCRS: CRS? = nil) throws {
        let pattern = try filenameRegex.map { try FileNamePattern($0, dateFormat: dateFormat) }
        let found = try FileDiscovery.find(paths, filenameGlob: filenameGlob)
        var matched: [(String, FileNameInfo)] = []
        for f in found {
            if let pattern {
                if let info = try pattern.parse(f) { matched.append((f, info)) }
            } else {
                matched.append((f, FileNameInfo(band: nil, sceneKey: f)))
            }
        }
        guard !matched.isEmpty else {
            throw DataError("no raster files found in \(paths) matching glob \"\(filenameGlob)\""
                + (filenameRegex.map { " and regex \"\($0)\"" } ?? "")
                + " (check the paths, filenameGlob and filenameRegex)")
        }
        var infos: [FileInfo] = []
        for (f, _) in matched {
            let r = try Raster(path: f, crs: fileCRS)
            guard let c = r.crs else {
                throw DataError("raster has no CRS: \(f) (pass fileCRS: to say which CRS such files are in)")
            }
            guard let t = r.geoTransform else {
                throw DataError("raster has no geotransform: \(f) (georeference it, e.g. with gdal_translate -a_ullr … -a_srs …)")
            }
            infos.append(FileInfo(path: f, width: r.width, height: r.height, bandCount: r.bandCount, transform: t,
                                  crs: c, nodata: r.bands.map(\.nodata), descriptions: r.bands.map(\.description)))
        }
        try self.init(infos: infos, names: matched.map(\.1), separate: pattern?.hasBand ?? false, bands: bands,
                      allBands: allBands, isImage: isImage, crs: crs, resolution: resolution, origin: origin,
                      nodata: nodata, dtype: dtype, resampling: resampling, merge: merge,
                      warpErrorThreshold: warpErrorThreshold, sourceCRS: fileCRS)
    }

    /// The shared constructor (also used to re-target a dataset without reopening its files).
    init(infos: [FileInfo], names: [FileNameInfo], separate: Bool, bands: [String]?, allBands: [String]?,
         isImage: Bool, crs target: CRS?, resolution: Resolution?, origin: (x: Double, y: Double)?,
         nodata: Double?, dtype: DType?, resampling: Resampling?, merge: MergeMethod, warpErrorThreshold: Double,
         sourceCRS: CRS?) throws {
        guard warpErrorThreshold >= 0, warpErrorThreshold.isFinite else {
            throw DataError("warpErrorThreshold must be ≥ 0 pixels, got \(warpErrorThreshold)")
        }
        self.warpErrorThreshold = warpErrorThreshold
        self.infos = infos
        self.files = infos.map(\.path)
        self.isImage = isImage
        self.dtype = dtype ?? (isImage ? .float32 : .int64)
        self.resampling = resampling ?? (isImage ? .bilinear : .nearest)
        self.merge = merge
        self.sourceCRS = sourceCRS
        self.config = Config(names: names, separate: separate, bands: bands, allBands: allBands, nodata: nodata)
        guard self.dtype.isSupportedChipType else {
            throw DataError("dtype \(self.dtype) cannot hold raster samples (use float32, float64, int64, int32, int16 or uint8)")
        }

        // Group files into scenes and name the bands.
        var groups: [(key: String, files: [(band: String?, file: Int)], minT: Double?, maxT: Double?)] = []
        var groupOf: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            let key = separate ? n.sceneKey : infos[i].path
            if let g = groupOf[key] {
                groups[g].files.append((n.band, i))
            } else {
                groupOf[key] = groups.count
                groups.append((key, [(n.band, i)], n.minT, n.maxT))
            }
        }
        let available: [String]
        if separate {
            var seen = Set<String>()
            for n in names { if let b = n.band { seen.insert(b) } }
            available = allBands ?? seen.sorted(by: bandOrder)
            for i in infos.indices where infos[i].bandCount != 1 {
                throw DataError("\(infos[i].path) has \(infos[i].bandCount) bands, but a filenameRegex with a band group means one band per file")
            }
        } else {
            let counts = Set(infos.map(\.bandCount))
            guard counts.count == 1, let n = counts.first else {
                let detail = infos.prefix(4).map { "\(($0.path as NSString).lastPathComponent): \($0.bandCount)" }
                throw DataError("files have different band counts (\(detail.joined(separator: ", "))); put different products in separate datasets")
            }
            if let allBands {
                guard allBands.count == n else {
                    throw DataError("allBands names \(allBands.count) bands but the files have \(n)")
                }
                available = allBands
            } else {
                let d = infos[0].descriptions
                available = Set(d).count == n && !d.contains("") ? d : (1...n).map { "\($0)" }
            }
        }
        let selected = bands ?? available
        guard !selected.isEmpty else { throw DataError("bands is empty: select at least one band") }
        for b in selected where !available.contains(b) {
            throw DataError("band \"\(b)\" not found; available bands: \(available.joined(separator: ", "))")
        }
        bandNames = selected

        // Target CRS and resolution: the first scene's finest file by default.
        let firstFiles = groups[0].files.map(\.file)
        let ref = firstFiles.min { infos[$0].resolution.x < infos[$1].resolution.x }!
        let crs = target ?? infos[ref].crs
        self.crs = crs
        let res: (x: Double, y: Double)
        if let resolution {
            res = (resolution.x, resolution.y)
        } else if infos[ref].crs == crs {
            res = infos[ref].resolution
        } else {
            res = try WindowReader(path: infos[ref].path).suggestedResolution(in: crs, sourceCRS: sourceCRS)
        }
        guard res.x > 0, res.y > 0, res.x.isFinite, res.y.isFinite else {
            throw DataError("resolution must be positive, got (\(res.x), \(res.y))")
        }
        self.resolution = res

        // The nodata value: the user's, else the files' (first band of the first file).
        let fileND = infos[0].nodata.first ?? nil
        self.nodata = nodata ?? fileND
        fileNodata = nodata  // nil: the warper honours each band's own nodata (bands may differ)

        // Scenes: runs of planes per file, footprint and lattice in the target CRS.
        var scenes: [Scene] = []
        var extent: BoundingBox? = nil
        for g in groups {
            var runs: [Run] = []
            var planeFiles: [(file: Int, band: Int)] = []
            for b in selected {
                if separate {
                    guard let f = g.files.first(where: { $0.band == b })?.file else {
                        throw DataError("scene \((g.key as NSString).lastPathComponent) has no file for band \(b) (every scene needs all selected bands)")
                    }
                    planeFiles.append((f, 1))
                } else {
                    planeFiles.append((g.files[0].file, available.firstIndex(of: b)! + 1))
                }
            }
            let sceneFiles = g.files.map(\.file)
            let refFile = sceneFiles.min { infos[$0].resolution.x < infos[$1].resolution.x }!
            let (grid, raw) = try Self.lattice(for: infos[refFile], crs: crs, res: res, origin: origin)
            extent = extent.map { $0.union(raw) } ?? raw
            var footprint = grid.bounds
            footprint.minT = g.minT; footprint.maxT = g.maxT
            var start = 0
            while start < planeFiles.count {
                var end = start + 1
                while end < planeFiles.count, planeFiles[end].file == planeFiles[start].file { end += 1 }
                let f = planeFiles[start].file
                // Read the file itself when it shares the CRS: a plain window on the same lattice, else RasterIO
                // resampling (GDAL's kernels, in the file's data type — as rasterio/TorchGeo read). A different CRS
                // (or a rotated file, or a kernel RasterIO lacks) reads the file's warped view on the scene lattice.
                let direct = infos[f].crs == crs && infos[f].transform.isNorthUp
                    && (self.resampling.isAvailableForWindowReads || Self.onLattice(infos[f], grid))
                let key = direct ? "R|\(infos[f].path)"
                    : "W|\(infos[f].path)|\(crs.wkt.hashValue)|\(grid.transform.coefficients)|\(grid.width)x\(grid.height)|\(self.resampling)|\(String(describing: fileNodata))|\(self.dtype)|\(warpErrorThreshold)|\(planeFiles[start..<end].map(\.band))"
                runs.append(Run(file: f, bands: planeFiles[start..<end].map(\.band), planes: start..<end,
                                direct: direct, readerKey: key))
                start = end
            }
            scenes.append(Scene(name: g.key, runs: runs, footprint: footprint, grid: grid))
        }
        self.scenes = scenes
        index = SpatialIndex(scenes.map(\.footprint))

        // Units sanity: a resolution coarser than the whole dataset is almost always metres given for degrees.
        if let b = extent, res.x > b.width || res.y > b.height {
            throw DataError("resolution (\(res.x), \(res.y)) is larger than the data's extent \(b.width) × \(b.height) in \(crs) (units: \(crs.units)); give the resolution in the target CRS's units"
                + (crs.isGeographic ? " — degrees, e.g. 0.0001 for about 10 m" : ""))
        }
    }

    /// Options kept to re-target the dataset.
    struct Config: Sendable {
        let names: [FileNameInfo]
        let separate: Bool
        let bands: [String]?
        let allBands: [String]?
        let nodata: Double?
    }
    let config: Config

    /// The pixel lattice of a file in the target CRS: its own grid when the CRS and resolution match (and no
    /// global origin moves it), else the warped extent snapped to whole pixels (and to `origin`'s lattice).
    /// Also returns the file's exact extent in the target CRS.
    static func lattice(for f: FileInfo, crs: CRS, res: (x: Double, y: Double),
                        origin: (x: Double, y: Double)?) throws -> (GeoGrid, BoundingBox) {
        let sameCRS = f.crs == crs && f.transform.isNorthUp
        var b = sameCRS ? f.bounds : try f.crs.transform(f.bounds, to: crs)
        let raw = b
        if sameCRS, origin == nil {
            let fr = f.resolution
            if abs(fr.x - res.x) <= 1e-9 * res.x, abs(fr.y - res.y) <= 1e-9 * res.y {
                return (GeoGrid(crs: crs, transform: f.transform, width: f.width, height: f.height), raw)
            }
        }
        if let o = origin {
            b.minX = o.x + ((b.minX - o.x) / res.x + 1e-6).rounded(.down) * res.x
            b.maxY = o.y - ((o.y - b.maxY) / res.y + 1e-6).rounded(.down) * res.y
        }
        let w = max(1, Int(((b.maxX - b.minX) / res.x - 1e-6).rounded(.up)))
        let h = max(1, Int(((b.maxY - b.minY) / res.y - 1e-6).rounded(.up)))
        return (GeoGrid(crs: crs, transform: GeoTransform(originX: b.minX, originY: b.maxY, resX: res.x, resY: res.y),
                        width: w, height: h), raw)
    }

    /// True when the file's pixels are the lattice's pixels (same size, origin offset by whole pixels).
    static func onLattice(_ f: FileInfo, _ g: GeoGrid) -> Bool {
        let a = f.transform.coefficients, b = g.transform.coefficients
        for i in [1, 2, 4, 5] where abs(a[i] - b[i]) > 1e-9 * max(abs(b[1]), abs(b[5])) { return false }
        let px = (a[0] - b[0]) / b[1], py = (a[3] - b[3]) / b[5]
        return abs(px - px.rounded()) < 1e-6 && abs(py - py.rounded()) < 1e-6
    }

    public func aligned(to target: GridTarget) throws -> any GeoDataset {
        try RasterDataset(infos: infos, names: config.names, separate: config.separate, bands: bandNames,
                          allBands: config.allBands, isImage: isImage, crs: target.crs,
                          resolution: Resolution(x: target.resolution.x, y: target.resolution.y),
                          origin: target.origin, nodata: config.nodata, dtype: dtype, resampling: resampling,
                          merge: merge, warpErrorThreshold: warpErrorThreshold, sourceCRS: sourceCRS)
    }

    // MARK: reading

    public func layout(for bounds: BoundingBox) throws -> SampleLayout {
        let (w, h) = pixelSize(of: bounds)
        return SampleLayout(imageChannels: isImage ? bandNames.count : nil, imageDType: dtype,
                            maskChannels: isImage ? nil : (bandNames.count == 1 ? 0 : bandNames.count),
                            maskDType: dtype, height: h, width: w)
    }

    public func read(bounds q: BoundingBox, into buffers: SampleBuffers) throws {
        guard let dst = isImage ? buffers.image : buffers.mask else {
            throw DataError("RasterDataset.read: no \(isImage ? "image" : "mask") buffer given")
        }
        let hits = index.query(q)
        guard !hits.isEmpty else {
            throw DataError("no data in \(q) (\(crs)); the dataset covers \(bounds)")
        }
        let cache = ReaderCache.current
        let fill = nodata ?? 0
        if hits.count == 1 {
            let written = try readScene(scenes[hits[0]], q, into: dst, cache: cache)
            if written != PixelWindow(width: dst.width, height: dst.height) { dst.fill(fill, outside: written) }
            return
        }
        // Mosaic: the first scene straight into the destination, later ones through a scratch buffer.
        dst.fill(fill)
        let plane = dst.width * dst.height
        try cache.withScratch(plane * (dst.bandCount * dst.dtype.byteSize + 1)) { scratch in
            let covered = scratch.bindMemory(to: UInt8.self, capacity: plane)
            covered.update(repeating: 0, count: plane)
            let tmp = ChipBuffer(pointer: scratch + plane, dtype: dst.dtype, bandCount: dst.bandCount,
                                 height: dst.height, width: dst.width)
            for (k, s) in hits.enumerated() {
                if k == 0 {
                    if let w = try readScene(scenes[s], q, into: dst, cache: cache) { Self.mark(covered, w, dst.width) }
                    continue
                }
                tmp.fill(fill)
                guard let w = try readScene(scenes[s], q, into: tmp, cache: cache) else { continue }
                Self.composite(tmp, into: dst, covered: covered, rect: w, nodata: merge == .firstValid ? nodata : nil)
                Self.mark(covered, w, dst.width)
            }
        }
    }

    /// Reads one scene's bands for query `q`; returns the destination rectangle written (nil: nothing).
    func readScene(_ s: Scene, _ q: BoundingBox, into dst: ChipBuffer, cache: ReaderCache) throws -> PixelWindow? {
        var written: PixelWindow?
        for run in s.runs {
            let f = infos[run.file]
            let reader: WindowReader
            let t: GeoTransform
            if run.direct {
                reader = try cache.reader(run.readerKey) { try WindowReader(path: f.path) }
                t = f.transform
            } else {
                reader = try cache.reader(run.readerKey) {
                    try WindowReader(warping: f.path, onto: s.grid, bands: run.bands, resampling: resampling, sourceCRS: sourceCRS,
                                     nodata: fileNodata, workingType: dtype.isFloatingPoint ? dtype : nil,
                                     errorThreshold: warpErrorThreshold)
                }
                t = s.grid.transform
            }
            let r = t.resolution
            let window = (x: (q.minX - t.originX) / r.x, y: (t.originY - q.maxY) / r.y,
                          width: q.width / r.x, height: q.height / r.y)
            let w = try reader.read(bands: run.bands, window: window, into: dst.bands(run.planes), resampling: resampling)
            if s.runs.count > 1, let w, w != PixelWindow(width: dst.width, height: dst.height) {
                dst.bands(run.planes).fill(nodata ?? 0, outside: w)  // bands of different extents: pad each
            }
            if let w { written = written.map { Self.hull($0, w) } ?? w }
        }
        return written
    }

    static func hull(_ a: PixelWindow, _ b: PixelWindow) -> PixelWindow {
        let x0 = min(a.x, b.x), y0 = min(a.y, b.y)
        return PixelWindow(x: x0, y: y0, width: max(a.maxX, b.maxX) - x0, height: max(a.maxY, b.maxY) - y0)
    }

    static func mark(_ covered: UnsafeMutablePointer<UInt8>, _ w: PixelWindow, _ width: Int) {
        for y in w.y..<w.maxY { (covered + y * width + w.x).update(repeating: 1, count: w.width) }
    }

    /// Copies pixels of `src` inside `rect` into `dst` where `dst` has no data yet: not covered by an earlier
    /// scene, or (when `nodata` is given, `.firstValid`) holding the nodata value.
    static func composite(_ src: ChipBuffer, into dst: ChipBuffer, covered: UnsafeMutablePointer<UInt8>,
                          rect: PixelWindow, nodata: Double?) {
        func run<T: Equatable>(_: T.Type, _ nd: T?) {
            let plane = dst.width * dst.height
            let s = src.pointer.bindMemory(to: T.self, capacity: plane * dst.bandCount)
            let d = dst.pointer.bindMemory(to: T.self, capacity: plane * dst.bandCount)
            for b in 0..<dst.bandCount {
                for y in rect.y..<rect.maxY {
                    for x in rect.x..<rect.maxX {
                        let p = y * dst.width + x, i = b * plane + p
                        if covered[p] == 0 {
                            d[i] = s[i]
                        } else if let nd, d[i] == nd || d[i] != d[i] {  // (x != x: NaN)
                            d[i] = s[i]
                        }
                    }
                }
            }
        }
        let i = nodata.map(clampedInt64)
        switch dst.dtype {
        case .float32: run(Float.self, nodata.map { Float($0) })
        case .float64: run(Double.self, nodata)
        case .int64: run(Int64.self, i)
        case .int32: run(Int32.self, i.map { Int32(clamping: $0) })
        case .int16: run(Int16.self, i.map { Int16(clamping: $0) })
        default: run(UInt8.self, i.map { UInt8(clamping: $0) })
        }
    }

    /// Number of scenes (index entries).
    public var count: Int { scenes.count }
    /// The name of index entry `i` (a file path, or a scene key with `{band}` in place of the band).
    public func entryName(_ i: Int) -> String { scenes[i].name }
}

extension DType {
    var isSupportedChipType: Bool { [.float32, .float64, .int64, .int32, .int16, .uint8].contains(self) }
}
