import CGDAL
import Foundation
import StrataTensor

/// How `Raster.read(onto:)` runs GDAL's warper when it has to resample.
public enum WarpMode: Hashable, Sendable {
    /// Warp exactly the requested grid, every call (the result equals `gdalwarp` onto that grid).
    case perRequest
    /// Warp through one warped VRT per target lattice (CRS, pixel size, origin modulo a pixel) covering the whole
    /// raster, reading chips as windows of it. GDAL's block cache then serves overlapping chips without warping
    /// them again — faster when many chips come from one file on one lattice. Pixels can differ from `perRequest`
    /// by the approximate transformer's error (`errorThreshold`); with `errorThreshold: 0` both are exact.
    case sharedLattice
}

/// A warped VRT of a raster on some lattice (owned by the raster).
struct WarpedView {
    let handle: GDALDatasetH
    let transform: GeoTransform
    let width: Int, height: Int
}

extension Raster {
    /// Reads bands resampled onto any target grid (CRS + geotransform + size): this is how datasets of different
    /// CRSs and resolutions align on the fly. The result is a [C, grid.height, grid.width] tensor.
    ///
    /// When the grid shares the raster's CRS and pixel lattice this is a plain windowed read (no resampling).
    /// Otherwise GDAL's warper (the engine behind `gdalwarp`) writes straight into the tensor's memory, with
    /// gdalwarp's defaults: source nodata honoured and carried to the output, areas without data set to the fill,
    /// an approximate transformer with `errorThreshold` pixels of error (0 = exact).
    ///
    /// - Parameters:
    ///   - grid: the target lattice.
    ///   - bands: 1-based band numbers (nil = all).
    ///   - resampling: the kernel (`.nearest` or `.mode` for class labels).
    ///   - type: `.native`, `.float32` (scale/offset applied after resampling) or a given dtype.
    ///   - fill: the value of pixels with no data; default each band's nodata (scaled for `.float32`) or 0.
    ///   - sourceCRS: the raster's CRS when the file has none (required then).
    ///   - errorThreshold: the approximation error allowed, in pixels (gdalwarp's `-et`, default 0.125).
    ///   - warp: `.perRequest` (default) or `.sharedLattice` (see `WarpMode`).
    public func read(onto grid: GeoGrid, bands: [Int]? = nil, resampling: Resampling = .nearest,
                     as type: PixelType = .native, fill: Double? = nil, sourceCRS: CRS? = nil,
                     errorThreshold: Double = 0.125, warp mode: WarpMode = .perRequest) throws -> Tensor {
        guard let srcCRS = sourceCRS ?? crs else {
            throw GeoError("raster has no CRS, so it cannot be placed on a target grid", path: path,
                           hint: "pass sourceCRS: or open it with Raster(path:crs:)")
        }
        guard grid.width > 0, grid.height > 0 else {
            throw GeoError("target grid is empty (\(grid.width)×\(grid.height))", path: path, hint: "pass a grid with a positive size")
        }
        let list = try resolveBands(bands)
        guard geoTransform != nil else {
            throw GeoError("raster has no geotransform, so it cannot be placed on a target grid", path: path,
                           hint: "georeference it (e.g. gdal_translate -a_ullr … -a_srs …) first")
        }
        // Fast path: same CRS and lattice → windowed RasterIO.
        if let window = try self.grid(assuming: srcCRS).window(of: grid) {
            return try read(window: window, bands: list, as: type, fill: fill)
        }
        if mode == .sharedLattice, grid.transform.isNorthUp,
           let view = try warpedView(lattice: grid, srcCRS: srcCRS, sourceCRS: sourceCRS, resampling: resampling,
                                     type: type, fill: fill, errorThreshold: errorThreshold) {
            let p = view.transform.pixel(x: grid.transform.originX, y: grid.transform.originY)
            let window = PixelWindow(x: Int(p.px.rounded()), y: Int(p.py.rounded()), width: grid.width, height: grid.height)
            let (dtype, gtype) = try outputType(type, bands: list)
            return try readWindow(from: view.handle, width: view.width, height: view.height, window: window, bands: list,
                                  type: type, dtype: dtype, gtype: gtype, fill: fill)
        }
        return try warp(onto: grid, bands: list, resampling: resampling, as: type, fill: fill,
                        sourceCRS: sourceCRS, errorThreshold: errorThreshold)
    }

    /// The cached warped VRT of the whole raster on `lattice`'s pixel lattice (nil when the raster's footprint
    /// cannot be expressed in the target CRS, in which case the caller warps per request).
    private func warpedView(lattice: GeoGrid, srcCRS: CRS, sourceCRS: CRS?, resampling: Resampling, type: PixelType,
                            fill: Double?, errorThreshold: Double) throws -> WarpedView? {
        let all = Array(1...bandCount)
        let (_, gtype) = try outputType(type, bands: all)
        let res = lattice.resolution
        let ox = lattice.transform.originX, oy = lattice.transform.originY
        // Origin modulo one pixel identifies the lattice (rounded to 1e-6 pixel).
        let phaseX = ((ox / res.x).truncatingRemainder(dividingBy: 1) * 1e6).rounded()
        let phaseY = ((oy / res.y).truncatingRemainder(dividingBy: 1) * 1e6).rounded()
        let key = [lattice.crs.wkt, "\(res.x)", "\(res.y)", "\(phaseX)", "\(phaseY)", resampling.rawValue, "\(gtype.rawValue)",
                   "\(fill.map { "\($0)" } ?? "-")", "\(errorThreshold)", sourceCRS?.wkt ?? ""].joined(separator: "\u{0}")
        if let v = warpedViews[key] { return v }

        // The raster's footprint in the target CRS, snapped outwards onto the lattice.
        guard let fp = footprint(in: lattice.crs, srcCRS: srcCRS) else { return nil }
        let x0 = ox + ((fp.minX - ox) / res.x).rounded(.down) * res.x
        let y1 = oy - ((oy - fp.maxY) / res.y).rounded(.down) * res.y
        let w = Int(((fp.maxX - x0) / res.x).rounded(.up)), h = Int(((y1 - fp.minY) / res.y).rounded(.up))
        guard w > 0, h > 0, w < Int(Int32.max), h < Int(Int32.max) else { return nil }
        let gt = GeoTransform(originX: x0, originY: y1, resX: res.x, resY: res.y)

        let infos = self.bands
        let wo = try warpOptions(bands: all, resampling: resampling, workingType: gtype, type: type, fill: fill,
                                 scale: kernelScale(resolution: res, crs: lattice.crs, srcCRS: srcCRS))
        defer { GDALDestroyWarpOptions(wo) }
        var tOpts = ["DST_SRS=\(lattice.crs.wkt)"]
        if let sourceCRS { tOpts.append("SRC_SRS=\(sourceCRS.wkt)") }
        let gen = try GDAL.withOptions(tOpts) { o in
            try GDAL.call("cannot build a transformation from the raster to \(lattice.crs)", path: path,
                          hint: "check that both CRSs are valid and that the grid overlaps the raster's area of use") {
                GDALCreateGenImgProjTransformer2(handle, nil, o)
            }
        }
        var coefficients = gt.coefficients
        GDALSetGenImgProjTransformerDstGeoTransform(gen, &coefficients)
        if errorThreshold > 0, let approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, gen, errorThreshold) {
            GDALApproxTransformerOwnsSubtransformer(approx, 1)
            wo.pointee.pfnTransformer = GDALApproxTransform
            wo.pointee.pTransformerArg = approx
        } else {
            wo.pointee.pfnTransformer = GDALGenImgProjTransform
            wo.pointee.pTransformerArg = gen
        }
        // The VRT owns the transformer from here on (it destroys it when closed).
        guard let vrt = GDALCreateWarpedVRT(handle, Int32(w), Int32(h), &coefficients, wo) else {
            GDALDestroyTransformer(wo.pointee.pTransformerArg)
            throw GeoError("cannot create a warped view on \(lattice.crs)", path: path, gdal: String(cString: CPLGetLastErrorMsg()))
        }
        GDALSetProjection(vrt, lattice.crs.wkt)
        if warpedViews.count >= 4 { warpedViews.values.forEach { GDALClose($0.handle) }; warpedViews = [:] }
        let view = WarpedView(handle: vrt, transform: gt, width: w, height: h)
        warpedViews[key] = view
        return view
    }

    /// Warp options for `bands` of this raster (shared by both warp modes, built by `WarpOptions` like the training
    /// reader's): each band's own nodata marks missing source pixels; the output fill is `fill` or that nodata.
    func warpOptions(bands list: [Int], resampling: Resampling, workingType: GDALDataType?, type: PixelType,
                     fill: Double?, scale: (x: Double, y: Double)?) throws -> UnsafeMutablePointer<GDALWarpOptions> {
        let infos = list.map { self.bands[$0 - 1] }
        return try WarpOptions.create(source: handle, resampling: resampling, workingType: workingType, bands: list,
                                      sourceNodata: infos.map(\.nodata),
                                      destinationNodata: rawFill(infos, type: type, fill: fill), scale: scale)
    }

    /// The raster's bounds in `target` (densified), cached per target CRS; nil when they cannot be transformed.
    func footprint(in target: CRS, srcCRS: CRS) -> BoundingBox? {
        let key = "\(target.wkt)\u{0}\(srcCRS.wkt)"
        if let fp = footprints[key] { return fp }
        let fp = srcCRS == target ? bounds : try? srcCRS.transform(bounds, to: target)
        if let fp { footprints[key] = fp }
        return fp
    }

    /// The resampling kernel's scale (target pixels per source pixel along x and y) for a target resolution:
    /// GDAL's suggested output resolution for the whole raster in `target` (what gdalwarp picks without `-tr`)
    /// over the target's. GDAL would otherwise estimate it per processing chunk, so a pixel's value would depend on
    /// where chip boundaries fall; a constant scale makes every chip, whatever its extent or warp mode, agree
    /// (pass the same `-wo XSCALE= -wo YSCALE=` to gdalwarp to reproduce it).
    func kernelScale(resolution res: (x: Double, y: Double), crs target: CRS, srcCRS: CRS) -> (x: Double, y: Double)? {
        guard let native = suggestedResolution(in: target, srcCRS: srcCRS) else { return nil }
        return (native.x / res.x, native.y / res.y)
    }

    /// GDAL's suggested pixel size for this raster reprojected to `target` (cached per CRS pair; computed by
    /// `WarpOptions.suggestedResolution`, as `WindowReader.suggestedResolution` does).
    public func suggestedResolution(in target: CRS, srcCRS: CRS) -> (x: Double, y: Double)? {
        let key = "\(target.wkt)\u{0}\(srcCRS.wkt)"
        if let r = suggestedResolutions[key] { return r }
        let found = WarpOptions.suggestedResolution(handle, sourceWKT: srcCRS.wkt, target: target).resolution
        if let found { suggestedResolutions[key] = found }
        return found
    }

    /// Output nodata in raw (unscaled) units per band: the explicit fill, else the source nodata.
    func rawFill(_ infos: [BandInfo], type: PixelType, fill: Double?) -> [Double?] {
        infos.map { info in
            if let fill {
                return type == .float32 && (info.scale != 1 || info.offset != 0) ? (fill - info.offset) / info.scale : fill
            }
            return info.nodata
        }
    }

    private func warp(onto grid: GeoGrid, bands list: [Int], resampling: Resampling, as type: PixelType, fill: Double?,
                      sourceCRS: CRS?, errorThreshold: Double) throws -> Tensor {
        let (dtype, gtype) = try outputType(type, bands: list)
        let (tensor, base) = try TensorMemory.allocate([list.count, grid.height, grid.width], dtype)
        let infos = list.map { self.bands[$0 - 1] }
        let rawFill = rawFill(infos, type: type, fill: fill)
        let dst = try MemDataset(base: base, width: grid.width, height: grid.height, bands: list.count, type: gtype,
                                 grid: grid, nodata: rawFill)

        let wo = try warpOptions(bands: list, resampling: resampling, workingType: nil, type: type, fill: fill,
                                 scale: kernelScale(resolution: grid.resolution, crs: grid.crs, srcCRS: sourceCRS ?? crs!))
        defer { GDALDestroyWarpOptions(wo) }
        wo.pointee.hDstDS = dst.handle

        // The source → target transformer is cached per target CRS; only its target geotransform changes per call.
        let key = grid.crs.wkt + "\u{0}" + (sourceCRS?.wkt ?? "")
        let gen: UnsafeMutableRawPointer
        if let cached = transformers[key] {
            gen = cached
        } else {
            var tOpts = ["DST_SRS=\(grid.crs.wkt)"]
            if let sourceCRS { tOpts.append("SRC_SRS=\(sourceCRS.wkt)") }
            gen = try GDAL.withOptions(tOpts) { o in
                try GDAL.call("cannot build a transformation from the raster to \(grid.crs)", path: path,
                              hint: "check that both CRSs are valid and that the grid overlaps the raster's area of use") {
                    GDALCreateGenImgProjTransformer2(handle, nil, o)
                }
            }
            if transformers.count >= 8 { transformers.values.forEach { GDALDestroyGenImgProjTransformer($0) }; transformers = [:] }
            transformers[key] = gen
        }
        var gt = grid.transform.coefficients
        GDALSetGenImgProjTransformerDstGeoTransform(gen, &gt)
        var approx: UnsafeMutableRawPointer? = nil
        if errorThreshold > 0 {
            guard let a = GDALCreateApproxTransformer(GDALGenImgProjTransform, gen, errorThreshold) else {
                throw GeoError("cannot build an approximate transformer", path: path)
            }
            approx = a
            wo.pointee.pfnTransformer = GDALApproxTransform
            wo.pointee.pTransformerArg = a
        } else {
            wo.pointee.pfnTransformer = GDALGenImgProjTransform
            wo.pointee.pTransformerArg = gen
        }
        defer { if let approx { GDALDestroyApproxTransformer(approx) } }

        let op = try GDAL.call("cannot set up the warp onto \(grid)", path: path, hint: "check the grid and the bands") {
            GDALCreateWarpOperation(wo)
        }
        defer { GDALDestroyWarpOperation(op) }
        try GDAL.check("cannot warp onto \(grid)", path: path,
                       hint: "the file may be truncated or corrupt, or the grid lies outside the CRS's area of use") {
            GDALChunkAndWarpImage(op, 0, 0, Int32(grid.width), Int32(grid.height))
        }
        withExtendedLifetime(dst) {}

        if type == .float32 {
            let plane = grid.width * grid.height
            for (c, info) in infos.enumerated() where info.scale != 1 || info.offset != 0 {
                TensorMemory.scale(base + c * plane * 4, rowLength: grid.width, rect: grid.fullWindow,
                                   scale: info.scale, offset: info.offset)  // raw fill maps onto `fill`
            }
        }
        return tensor
    }
}
