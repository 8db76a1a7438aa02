import CGDAL
import Foundation
import StrataTensor

/// The hot path of chip sampling: one open GDAL dataset reading windows of bands straight into caller memory (a
/// tensor's storage) — with RasterIO (resampling by GDAL's RasterIO kernels when the window's size differs from
/// the destination's), or, for a reader built with `init(warping:…)`, with GDAL's warper writing exactly the
/// window's pixels reprojected onto a target lattice.
///
/// Not thread-safe — GDAL dataset handles must not be shared between threads. Loaders keep one reader per file per
/// thread (see `StrataData`'s handle cache) and reuse it for every chip, so opening a file, parsing its header and
/// building the reprojection's transformer and warp operation happen once per thread, not once per chip.
public final class WindowReader {
    /// The file this reader was opened on.
    public let path: String
    /// Pixel size of the dataset (for a warped reader: the lattice grid it was built on).
    public let width: Int, height: Int
    public let bandCount: Int
    /// GDAL's geotransform of the dataset (north-up for warped readers).
    public let transform: GeoTransform
    /// The dataset's CRS as WKT (empty when the file has none).
    public let crsWKT: String
    /// Per band (0-based): nodata value, GDAL data type name, description.
    public let nodata: [Double?]
    public let dataTypes: [String]
    public let descriptions: [String]
    /// True for a reader built by `init(warping:…)`.
    public let isWarped: Bool
    /// For warped readers: the warper's fixed resampling scale (destination pixels per source pixel, gdalwarp's
    /// `-wo XSCALE= -wo YSCALE=`), the same for every chunk so a pixel's value never depends on the chip it is in.
    public let resamplingScale: (x: Double, y: Double)
    let handle: GDALDatasetH
    // Warped readers: the warp operation and its transformers (the generic one's destination geotransform is
    // moved to each chip), the bands it warps, its working type, and a scratch buffer for type conversion.
    private let warp: GDALWarpOperationH?
    private let genTransformer: UnsafeMutableRawPointer?
    private let approxTransformer: UnsafeMutableRawPointer?
    private let warpBands: [Int]
    private let warpType: GDALDataType
    private var scratch: UnsafeMutableRawPointer?
    private var scratchBytes = 0

    /// Opens a raster read-only.
    public init(path: String) throws {
        GDAL.initialize()
        self.path = path
        handle = try GDAL.call("cannot open raster", path: path,
                               hint: "check that the file exists and is a raster format GDAL reads") {
            GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil)
        }
        isWarped = false
        resamplingScale = (1, 1)
        warp = nil; genTransformer = nil; approxTransformer = nil; warpBands = []; warpType = GDT_Unknown
        (width, height, bandCount, transform, crsWKT, nodata, dataTypes, descriptions) = Self.describe(handle)
        if bandCount == 0 {
            GDALClose(handle)
            throw GeoError("raster has no bands", path: path, hint: "pass a file with at least one raster band")
        }
    }

    /// Opens `path` for reading it reprojected onto the pixel lattice of `grid` (its CRS and geotransform; the
    /// size only bounds `width`/`height`). Each `read` warps exactly the requested window with GDAL's warper
    /// straight into the destination — no warped VRT blocks, so a chip costs the warp of its own pixels only. The
    /// transformer and warp operation are built once here and reused for every chip.
    /// - Parameters:
    ///   - bands: the 1-based bands the reader warps (default all); `read` must ask for exactly these.
    ///   - sourceCRS: overrides (or supplies) the file's CRS.
    ///   - nodata: the value marking missing source pixels and filling areas the source does not cover, for every
    ///     band (default: each band's own nodata; a band without one fills uncovered areas with 0).
    ///   - workingType: the warper's working type (default: the source's). Pass float32 when reading into float
    ///     memory so interpolated values are not rounded to the source's integer type.
    ///   - errorThreshold: the approximate transformer's error in pixels (gdalwarp's `-et`, default 0.125);
    ///     0 transforms every pixel exactly.
    public init(warping path: String, onto grid: GeoGrid, bands: [Int]? = nil, resampling: Resampling,
                sourceCRS: CRS? = nil, nodata: Double? = nil, workingType: DType? = nil,
                errorThreshold: Double = 0.125) throws {
        GDAL.initialize()
        self.path = path
        let src = try GDAL.call("cannot open raster", path: path,
                                hint: "check that the file exists and is a raster format GDAL reads") {
            GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil)
        }
        let info = Self.describe(src)
        let srcWKT = sourceCRS?.wkt ?? info.4
        guard !srcWKT.isEmpty else {
            GDALClose(src)
            throw GeoError("raster has no CRS, so it cannot be reprojected", path: path,
                           hint: "give the dataset a CRS for files without one")
        }
        let list = bands ?? Array(1...max(1, info.2))
        for b in list where b < 1 || b > info.2 {
            GDALClose(src)
            throw GeoError("band \(b) out of range", path: path, hint: "the raster has bands 1...\(info.2)")
        }
        // Each band's own nodata (or the caller's value for every band): missing source pixels and the fill.
        let perBand = list.map { nodata ?? info.5[$0 - 1] }
        let srcType = GDALGetRasterDataType(GDALGetRasterBand(src, Int32(list[0])))
        warpType = workingType.flatMap { GDALTypes.gdal($0) } ?? srcType
        // One resampling scale for the whole raster (GDAL otherwise derives it per processing chunk, so a pixel's
        // value would depend on the chip it falls in): the source pixel size in target units over the target's.
        let suggested = WarpOptions.suggestedResolution(src, sourceWKT: srcWKT, target: grid.crs).resolution
        resamplingScale = suggested.map { ($0.x / grid.resolution.x, $0.y / grid.resolution.y) } ?? (1, 1)
        let opts: UnsafeMutablePointer<GDALWarpOptions>
        do {
            opts = try WarpOptions.create(source: src, resampling: resampling, workingType: warpType, bands: list,
                                          sourceNodata: perBand, destinationNodata: perBand,
                                          scale: suggested == nil ? nil : resamplingScale)
        } catch {
            GDALClose(src)
            throw error
        }
        defer { GDALDestroyWarpOptions(opts) }
        opts.pointee.papszWarpOptions = CSLSetNameValue(opts.pointee.papszWarpOptions, "ERROR_OUT_IF_EMPTY_SOURCE_WINDOW",
                                                        "FALSE")
        var transformerOptions: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        transformerOptions = CSLSetNameValue(transformerOptions, "SRC_SRS", srcWKT)
        transformerOptions = CSLSetNameValue(transformerOptions, "DST_SRS", grid.crs.wkt)
        let (transformer, log) = GDAL.capturing { GDALCreateGenImgProjTransformer2(src, nil, transformerOptions) }
        CSLDestroy(transformerOptions)
        guard let transformer else {
            GDALClose(src)
            throw GeoError("cannot reproject raster to \(grid.crs)", path: path, gdal: log.failureText,
                           hint: "check both CRSs; the raster may lie outside the target CRS's area of use")
        }
        var gt = grid.transform.coefficients
        GDALSetGenImgProjTransformerDstGeoTransform(transformer, &gt)
        // gdalwarp's default: an approximate transformer (linear between exactly transformed points along each
        // row, refined until the error is below `errorThreshold` pixels); 0 transforms every pixel exactly.
        genTransformer = transformer
        if errorThreshold > 0, let approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, transformer, errorThreshold) {
            approxTransformer = approx
            opts.pointee.pfnTransformer = GDALApproxTransform
            opts.pointee.pTransformerArg = approx
        } else {
            approxTransformer = nil
            opts.pointee.pfnTransformer = GDALGenImgProjTransform
            opts.pointee.pTransformerArg = transformer
        }
        let op = GDAL.capturing { GDALCreateWarpOperation(opts) }
        guard let operation = op.0 else {
            if let a = approxTransformer { GDALDestroyApproxTransformer(a) }
            GDALDestroyGenImgProjTransformer(transformer)
            GDALClose(src)
            throw GeoError("cannot set up the warp onto \(grid.crs)", path: path, gdal: op.1.failureText)
        }
        warp = operation
        warpBands = list
        handle = src
        isWarped = true
        width = grid.width; height = grid.height; bandCount = info.2
        transform = grid.transform
        crsWKT = grid.crs.wkt
        self.nodata = perBand
        dataTypes = info.6; descriptions = info.7
    }

    deinit {
        if let warp { GDALDestroyWarpOperation(warp) }
        if let approxTransformer { GDALDestroyApproxTransformer(approxTransformer) }
        if let genTransformer { GDALDestroyGenImgProjTransformer(genTransformer) }
        scratch?.deallocate()
        GDALClose(handle)
    }

    /// Warps the window (fractional pixels of the lattice) onto `destination`'s grid: the destination geotransform
    /// is set to the window's, and GDAL warps exactly those pixels into the destination memory (through a scratch
    /// buffer of the working type when the destination's dtype differs).
    private func warpWindow(bands: [Int], window: (x: Double, y: Double, width: Double, height: Double),
                            into destination: ChipBuffer) throws -> PixelWindow {
        guard bands == warpBands, let warp, let genTransformer else {
            throw GeoError("this warped reader was built for bands \(warpBands), not \(bands)", path: path)
        }
        let W = destination.width, H = destination.height
        let o = transform.world(pixel: window.x, line: window.y)
        let r = transform.resolution
        var gt = [o.x, r.x * window.width / Double(W), 0, o.y, 0, -r.y * window.height / Double(H)]
        GDALSetGenImgProjTransformerDstGeoTransform(genTransformer, &gt)
        let elems = bands.count * W * H
        let direct = GDALTypes.gdal(destination.dtype) == warpType
        var target = destination.pointer
        if !direct {
            let bytes = elems * Int(GDALGetDataTypeSizeBytes(warpType))
            if bytes > scratchBytes {
                scratch?.deallocate()
                scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                scratchBytes = bytes
            }
            target = scratch!
        }
        // The warper leaves the buffer untouched when no source pixel reaches the window: start from each band's fill.
        let targetType = direct ? GDALTypes.gdal(destination.dtype)! : warpType
        let typeBytes = Int(GDALGetDataTypeSizeBytes(targetType))
        for b in 0..<bands.count {
            var fillValue = nodata[b] ?? 0
            GDALCopyWords64(&fillValue, GDT_Float64, 0, target + b * W * H * typeBytes, targetType, Int32(typeBytes),
                            GPtrDiff_t(W * H))
        }
        let err = GDAL.capturing {
            GDALWarpRegionToBuffer(warp, 0, 0, Int32(W), Int32(H), target, warpType, 0, 0, 0, 0)
        }
        if err.0.rawValue >= CE_Failure.rawValue || err.1.hasFailure {
            throw GeoError("cannot warp a \(W)×\(H) window", path: path, gdal: err.1.failureText,
                           hint: "the file may be truncated or corrupt, or the window lies outside the CRS's area of use")
        }
        if !direct {
            GDALCopyWords64(target, warpType, GDALGetDataTypeSizeBytes(warpType), destination.pointer,
                            GDALTypes.gdal(destination.dtype)!, Int32(destination.dtype.byteSize), GPtrDiff_t(elems))
        }
        return PixelWindow(width: W, height: H)
    }

    private static func describe(_ h: GDALDatasetH)
        -> (Int, Int, Int, GeoTransform, String, [Double?], [String], [String])
    {
        let w = Int(GDALGetRasterXSize(h)), ht = Int(GDALGetRasterYSize(h)), n = Int(GDALGetRasterCount(h))
        var gt = [Double](repeating: 0, count: 6)
        if GDALGetGeoTransform(h, &gt) != CE_None { gt = [0, 1, 0, 0, 0, 1] }
        let wkt = GDALGetProjectionRef(h).map { String(cString: $0) } ?? ""
        var nd: [Double?] = [], types: [String] = [], desc: [String] = []
        for b in 1...max(1, n) where n > 0 {
            let band = GDALGetRasterBand(h, Int32(b))
            var has: Int32 = 0
            let v = GDALGetRasterNoDataValue(band, &has)
            nd.append(has != 0 ? v : nil)
            types.append(String(cString: GDALGetDataTypeName(GDALGetRasterDataType(band))))
            desc.append(GDALGetDescription(band).map { String(cString: $0) } ?? "")
        }
        return (w, ht, n, GeoTransform(gt), wkt, nd, types, desc)
    }

    /// Reads a window of source pixels, given in (possibly fractional) pixel coordinates of this dataset, resampled
    /// to `destination.width × destination.height` and written into `destination` (band-sequential, rows
    /// contiguous). Parts of the window outside the dataset are left untouched, so the caller pre-fills them when
    /// the result reports partial coverage.
    ///
    /// - Returns: the destination pixel rectangle that was written (nil when the window misses the dataset).
    @discardableResult
    public func read(bands: [Int], window: (x: Double, y: Double, width: Double, height: Double),
                     into destination: ChipBuffer, resampling: Resampling) throws -> PixelWindow? {
        for b in bands where b < 1 || b > bandCount {
            throw GeoError("band \(b) out of range", path: path, hint: "the raster has bands 1...\(bandCount)")
        }
        if isWarped { return try warpWindow(bands: bands, window: window, into: destination) }
        let W = destination.width, H = destination.height
        let sx = window.width / Double(W), sy = window.height / Double(H)
        // Destination pixels whose centres fall inside the dataset.
        func span(_ a: Double, _ s: Double, _ n: Int, _ size: Int) -> (Int, Int) {
            let lo = Swift.max(0, Self.ceilSnap(-a / s - 0.5)), hi = Swift.min(n, Self.ceilSnap((Double(size) - a) / s - 0.5))
            return (lo, hi)
        }
        let (i0, i1) = span(window.x, sx, W, width), (j0, j1) = span(window.y, sy, H, height)
        guard i1 > i0, j1 > j0 else { return nil }
        // The source window of that part, kept inside the dataset.
        var fx = window.x + Double(i0) * sx, fy = window.y + Double(j0) * sy
        var fw = Double(i1 - i0) * sx, fh = Double(j1 - j0) * sy
        fx = Swift.max(0, fx); fy = Swift.max(0, fy)
        fw = Swift.min(fw, Double(width) - fx); fh = Swift.min(fh, Double(height) - fy)
        let ix = Self.snap(fx), iy = Self.snap(fy), iw = Self.snap(fw), ih = Self.snap(fh)
        let integral = ix.rounded() == ix && iy.rounded() == iy && iw.rounded() == iw && ih.rounded() == ih
        if resampling.rasterIO == nil, abs(sx - 1) > 1e-9 || abs(sy - 1) > 1e-9 {
            throw GeoError("resampling \(resampling) is not available for window reads", path: path,
                           hint: "use nearest, bilinear, cubic, cubicSpline, lanczos, average, mode or rms")
        }
        var extra = GDALRasterIOExtraArg()
        extra.nVersion = 1
        extra.eResampleAlg = resampling.rasterIO ?? GRIORA_NearestNeighbour
        let nx = Int(ix.rounded(.down)), ny = Int(iy.rounded(.down))
        let nw = Swift.max(1, Swift.min(width - nx, Int((iw + (integral ? 0 : 0.5)).rounded(.down))))
        let nh = Swift.max(1, Swift.min(height - ny, Int((ih + (integral ? 0 : 0.5)).rounded(.down))))
        if !integral {
            extra.bFloatingPointWindowValidity = 1
            extra.dfXOff = ix; extra.dfYOff = iy; extra.dfXSize = iw; extra.dfYSize = ih
        }
        let es = destination.dtype.byteSize
        let base = destination.pointer + (j0 * W + i0) * es
        var bandList = bands.map(Int32.init)
        let err = GDAL.capturing {
            GDALDatasetRasterIOEx(handle, GF_Read, Int32(nx), Int32(ny), Int32(nw), Int32(nh), base,
                                  Int32(i1 - i0), Int32(j1 - j0), GDALTypes.gdal(destination.dtype)!, Int32(bands.count),
                                  &bandList, Int64(es), Int64(W * es), Int64(W * H * es), &extra)
        }
        if err.0.rawValue >= CE_Failure.rawValue {
            throw GeoError("cannot read window (\(nx), \(ny), \(nw)×\(nh))", path: path, gdal: err.1.failureText,
                           hint: "the file may be truncated or corrupt")
        }
        return PixelWindow(x: i0, y: j0, width: i1 - i0, height: j1 - j0)
    }

    /// The resolution GDAL's warper suggests for this dataset reprojected into `target` (square pixels in
    /// `target`'s units: degrees for a geographic CRS, metres or feet for a projected one).
    public func suggestedResolution(in target: CRS, sourceCRS: CRS? = nil) throws -> (x: Double, y: Double) {
        let srcWKT = sourceCRS?.wkt ?? crsWKT
        guard !srcWKT.isEmpty else {
            throw GeoError("raster has no CRS, so it cannot be reprojected", path: path, hint: "give the dataset a CRS for files without one")
        }
        let (found, message) = WarpOptions.suggestedResolution(handle, sourceWKT: srcWKT, target: target)
        guard let found else {
            throw GeoError("cannot compute the raster's extent in \(target)", path: path, gdal: message,
                           hint: "the raster may lie outside the target CRS's area of use")
        }
        return found
    }

    /// Rounds values within 1e-6 of an integer to it (pixel arithmetic on aligned grids is exact up to float noise).
    @inline(__always) static func snap(_ v: Double) -> Double {
        let r = v.rounded()
        return abs(v - r) < 1e-6 ? r : v
    }
    @inline(__always) static func ceilSnap(_ v: Double) -> Int { Int(snap(v).rounded(.up)) }
}

/// Raw destination memory for `WindowReader.read`: `bandCount` planes of `height × width` elements of `dtype`,
/// band-sequential (the layout of a contiguous [C, H, W] tensor).
public struct ChipBuffer {
    public let pointer: UnsafeMutableRawPointer
    public let dtype: DType
    public let bandCount: Int, height: Int, width: Int

    public init(pointer: UnsafeMutableRawPointer, dtype: DType, bandCount: Int, height: Int, width: Int) {
        self.pointer = pointer; self.dtype = dtype; self.bandCount = bandCount; self.height = height; self.width = width
    }

    /// The buffer of one band (0-based).
    public func band(_ b: Int) -> ChipBuffer {
        ChipBuffer(pointer: pointer + b * height * width * dtype.byteSize, dtype: dtype, bandCount: 1,
                   height: height, width: width)
    }

    /// The buffer over a contiguous CPU tensor of shape [C, H, W] (or [H, W]).
    public init(tensor: Tensor) throws {
        let s = tensor.shape
        guard (s.count == 3 || s.count == 2), tensor.isContiguous(), let p = tensor.dataPointer else {
            throw GeoError("a chip buffer needs a contiguous CPU tensor of shape [C, H, W] or [H, W], got \(s)")
        }
        guard GDALTypes.gdal(tensor.dtype) != nil else {
            throw GeoError("cannot read rasters into a \(tensor.dtype) tensor", hint: "use uint8, int16, int32, int64, float32 or float64")
        }
        self.init(pointer: p, dtype: tensor.dtype, bandCount: s.count == 3 ? s[0] : 1, height: s[s.count - 2],
                  width: s[s.count - 1])
    }

    /// The buffer of bands `range` (0-based, contiguous planes).
    public func bands(_ range: Range<Int>) -> ChipBuffer {
        ChipBuffer(pointer: pointer + range.lowerBound * height * width * dtype.byteSize, dtype: dtype,
                   bandCount: range.count, height: height, width: width)
    }

    /// Sets every element outside `rect` (in every band) to `value`: the part a partial read did not cover.
    public func fill(_ value: Double, outside rect: PixelWindow?) {
        guard let r = rect?.intersection(PixelWindow(width: width, height: height)) else { fill(value); return }
        if r.x == 0 && r.y == 0 && r.width == width && r.height == height { return }
        let es = dtype.byteSize
        for b in 0..<bandCount {
            let plane = pointer + b * height * width * es
            for y in 0..<height {
                let row = ChipBuffer(pointer: plane + y * width * es, dtype: dtype, bandCount: 1, height: 1, width: width)
                if y < r.y || y >= r.maxY {
                    row.fill(value)
                } else {
                    if r.x > 0 { ChipBuffer(pointer: row.pointer, dtype: dtype, bandCount: 1, height: 1, width: r.x).fill(value) }
                    if r.maxX < width {
                        ChipBuffer(pointer: row.pointer + r.maxX * es, dtype: dtype, bandCount: 1, height: 1,
                                   width: width - r.maxX).fill(value)
                    }
                }
            }
        }
    }

    /// Sets every element of the bands in `bands` (0-based, default all) to `value`.
    public func fill(_ value: Double, bands: Range<Int>? = nil) {
        let r = bands ?? 0..<bandCount
        let n = r.count * height * width
        guard n > 0 else { return }
        let start = pointer + r.lowerBound * height * width * dtype.byteSize
        TensorMemory.fill(start, count: n, dtype: dtype, value: value)
    }
}


extension Resampling {
    /// True when RasterIO offers this kernel, so `WindowReader.read` can resample windows with it.
    public var isAvailableForWindowReads: Bool { rasterIO != nil }
}
