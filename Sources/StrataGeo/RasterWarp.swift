import CGDAL
import Foundation
import StrataTensor

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
    public func read(onto grid: GeoGrid, bands: [Int]? = nil, resampling: Resampling = .nearest,
                     as type: PixelType = .native, fill: Double? = nil, sourceCRS: CRS? = nil,
                     errorThreshold: Double = 0.125) throws -> Tensor {
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
        return try warp(onto: grid, bands: list, resampling: resampling, as: type, fill: fill,
                        sourceCRS: sourceCRS, errorThreshold: errorThreshold)
    }

    private func warp(onto grid: GeoGrid, bands list: [Int], resampling: Resampling, as type: PixelType, fill: Double?,
                      sourceCRS: CRS?, errorThreshold: Double) throws -> Tensor {
        let (dtype, gtype) = try outputType(type, bands: list)
        let (tensor, base) = try TensorMemory.allocate([list.count, grid.height, grid.width], dtype)
        let infos = list.map { self.bands[$0 - 1] }
        let anyNodata = infos.contains { $0.nodata != nil }
        // Output nodata (raw units) per band: the explicit fill, else the source nodata.
        let rawFill: [Double?] = infos.map { info in
            if let fill {
                return type == .float32 && (info.scale != 1 || info.offset != 0) ? (fill - info.offset) / info.scale : fill
            }
            return info.nodata
        }
        let dst = try MemDataset(base: base, width: grid.width, height: grid.height, bands: list.count, type: gtype,
                                 grid: grid, nodata: rawFill)

        guard let wo = GDALCreateWarpOptions() else { throw GeoError("cannot allocate warp options") }
        defer { GDALDestroyWarpOptions(wo) }
        wo.pointee.hSrcDS = handle
        wo.pointee.hDstDS = dst.handle
        wo.pointee.eResampleAlg = resampling.warp
        wo.pointee.nBandCount = Int32(list.count)
        let srcBands = CPLMalloc(MemoryLayout<Int32>.size * list.count)!.assumingMemoryBound(to: Int32.self)
        let dstBands = CPLMalloc(MemoryLayout<Int32>.size * list.count)!.assumingMemoryBound(to: Int32.self)
        for (i, b) in list.enumerated() { srcBands[i] = Int32(b); dstBands[i] = Int32(i + 1) }
        wo.pointee.panSrcBands = srcBands
        wo.pointee.panDstBands = dstBands
        if anyNodata {
            let src = CPLMalloc(MemoryLayout<Double>.size * list.count)!.assumingMemoryBound(to: Double.self)
            // A band without nodata gets a value no pixel can hold, so nothing in it is treated as missing.
            for (i, info) in infos.enumerated() { src[i] = info.nodata ?? -1.0e300 }
            wo.pointee.padfSrcNoDataReal = src
        }
        if rawFill.contains(where: { $0 != nil }) {
            let d = CPLMalloc(MemoryLayout<Double>.size * list.count)!.assumingMemoryBound(to: Double.self)
            for (i, v) in rawFill.enumerated() { d[i] = v ?? 0 }
            wo.pointee.padfDstNoDataReal = d
            wo.pointee.papszWarpOptions = CSLSetNameValue(wo.pointee.papszWarpOptions, "INIT_DEST", "NO_DATA")
        } else {
            wo.pointee.papszWarpOptions = CSLSetNameValue(wo.pointee.papszWarpOptions, "INIT_DEST", "0")
        }

        var tOpts: [String] = []
        if let sourceCRS { tOpts.append("SRC_SRS=\(sourceCRS.wkt)") }
        let gen = try GDAL.withOptions(tOpts) { o in
            try GDAL.call("cannot build a transformation from the raster to \(grid.crs)", path: path,
                          hint: "check that both CRSs are valid and that the grid overlaps the raster's area of use") {
                GDALCreateGenImgProjTransformer2(handle, dst.handle, o)
            }
        }
        if errorThreshold > 0 {
            guard let approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, gen, errorThreshold) else {
                GDALDestroyGenImgProjTransformer(gen)
                throw GeoError("cannot build an approximate transformer", path: path)
            }
            GDALApproxTransformerOwnsSubtransformer(approx, 1)
            wo.pointee.pfnTransformer = GDALApproxTransform
            wo.pointee.pTransformerArg = approx
        } else {
            wo.pointee.pfnTransformer = GDALGenImgProjTransform
            wo.pointee.pTransformerArg = gen
        }
        defer {
            if errorThreshold > 0 { GDALDestroyApproxTransformer(wo.pointee.pTransformerArg) }
            else { GDALDestroyGenImgProjTransformer(wo.pointee.pTransformerArg) }
        }

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
                                   scale: info.scale, offset: info.offset, skip: fill != nil ? Float(rawFill[c]!) : nil)
            }
        }
        return tensor
    }
}
