import CGDAL
import Foundation
import StrataTensor

extension Raster {
    /// Reads a pixel window of some bands into a [C, H, W] tensor.
    ///
    /// - Parameters:
    ///   - window: pixels to read; parts outside the raster are filled (boundless read).
    ///   - bands: 1-based band numbers like GDAL's (nil = all bands, in order).
    ///   - type: `.native`, `.float32` (scale/offset applied) or a given dtype.
    ///   - fill: the value for pixels outside the raster; by default each band's nodata value (after scale/offset
    ///     for `.float32`), or 0 for bands without one.
    ///   - outputSize: read the window resampled to this (width, height) (GDAL picks overviews when shrinking);
    ///     nil = the window's own size.
    ///   - resampling: the kernel used when `outputSize` differs from the window's size.
    /// - Returns: a contiguous CPU tensor; GDAL writes straight into its storage.
    public func read(window: PixelWindow, bands: [Int]? = nil, as type: PixelType = .native, fill: Double? = nil,
                     outputSize: (width: Int, height: Int)? = nil, resampling: Resampling = .nearest) throws -> Tensor {
        let list = try resolveBands(bands)
        let (dtype, gtype) = try outputType(type, bands: list)
        return try readWindow(from: handle, width: width, height: height, window: window, bands: list, type: type,
                              dtype: dtype, gtype: gtype, fill: fill, outputSize: outputSize, resampling: resampling)
    }

    /// The boundless windowed read behind `read(window:)`, from this raster or a dataset derived from it with the
    /// same bands (a warped VRT).
    func readWindow(from ds: GDALDatasetH, width dsWidth: Int, height dsHeight: Int, window: PixelWindow, bands list: [Int],
                    type: PixelType, dtype: DType, gtype: GDALDataType, fill: Double?,
                    outputSize: (width: Int, height: Int)? = nil, resampling: Resampling = .nearest) throws -> Tensor {
        guard !window.isEmpty else {
            throw GeoError("empty window \(window)", path: path, hint: "pass a window with positive width and height")
        }
        let outW = outputSize?.width ?? window.width, outH = outputSize?.height ?? window.height
        guard outW > 0, outH > 0 else { throw GeoError("invalid output size \(outW)×\(outH)", path: path, hint: "pass a positive size") }
        guard resampling.rasterIO != nil || outputSize == nil else {
            throw GeoError("resampling \(resampling) is not available for window reads", path: path,
                           hint: "use nearest, bilinear, cubic, cubicSpline, lanczos, average, mode or rms, or read(onto:) for warper kernels")
        }
        let (tensor, base) = try TensorMemory.allocate([list.count, outH, outW], dtype)
        let elem = dtype.byteSize
        let plane = outW * outH
        let infos = list.map { self.bands[$0 - 1] }
        let scaled = type == .float32 && infos.contains { $0.scale != 1 || $0.offset != 0 }

        // The part of the window inside the dataset and where it lands in the output (scaled when resampling).
        let inner = window.intersection(PixelWindow(width: dsWidth, height: dsHeight))
        var dest: PixelWindow? = nil
        if let inner {
            let sx = Double(outW) / Double(window.width), sy = Double(outH) / Double(window.height)
            let x0 = Int((Double(inner.x - window.x) * sx).rounded()), y0 = Int((Double(inner.y - window.y) * sy).rounded())
            let x1 = Int((Double(inner.maxX - window.x) * sx).rounded()), y1 = Int((Double(inner.maxY - window.y) * sy).rounded())
            if x1 > x0 && y1 > y0 { dest = PixelWindow(x: x0, y: y0, width: x1 - x0, height: y1 - y0) }
        }
        if dest != PixelWindow(width: outW, height: outH) {
            for (c, info) in infos.enumerated() {
                TensorMemory.fill(base + c * plane * elem, count: plane, dtype: dtype,
                                  value: fill ?? fillValue(info, type))
            }
        }
        if let inner, let dest {
            var bandMap = list.map(Int32.init)
            var extra = GDALRasterIOExtraArg()
            extra.nVersion = 1
            extra.eResampleAlg = resampling.rasterIO ?? GRIORA_NearestNeighbour
            let ptr = base + (dest.y * outW + dest.x) * elem
            try GDAL.check("cannot read \(window) of bands \(list)", path: path,
                           hint: "the file may be truncated or corrupt; re-create or re-download it") {
                GDALDatasetRasterIOEx(ds, GF_Read, Int32(inner.x), Int32(inner.y), Int32(inner.width), Int32(inner.height),
                                      ptr, Int32(dest.width), Int32(dest.height), gtype, Int32(list.count), &bandMap,
                                      GSpacing(elem), GSpacing(outW * elem), GSpacing(plane * elem), &extra)
            }
            if scaled {
                for (c, info) in infos.enumerated() where info.scale != 1 || info.offset != 0 {
                    TensorMemory.scale(base + c * plane * elem, rowLength: outW, rect: dest, scale: info.scale, offset: info.offset)
                }
            }
        }
        return tensor
    }

    /// The default fill of a band: its nodata value (scaled for `.float32`), else 0.
    func fillValue(_ info: BandInfo, _ type: PixelType) -> Double {
        guard let nd = info.nodata else { return 0 }
        return type == .float32 ? nd * info.scale + info.offset : nd
    }

    /// The pixel window of a world box (in the raster's CRS) at native resolution, with edges rounded to the
    /// nearest pixel boundary. Only for north-up rasters; use `read(onto:)` for rotated ones.
    public func window(for bbox: BoundingBox) throws -> PixelWindow {
        let gt = transformOrIdentity
        guard gt.coefficients[2] == 0 && gt.coefficients[4] == 0 else {
            throw GeoError("raster is rotated; a world window is not a pixel rectangle", path: path,
                           hint: "use read(onto:) with a north-up grid")
        }
        let a = gt.pixel(x: bbox.minX, y: bbox.maxY), b = gt.pixel(x: bbox.maxX, y: bbox.minY)
        let x0 = Int(Swift.min(a.px, b.px).rounded()), y0 = Int(Swift.min(a.py, b.py).rounded())
        let x1 = Int(Swift.max(a.px, b.px).rounded()), y1 = Int(Swift.max(a.py, b.py).rounded())
        guard x1 > x0 && y1 > y0 else {
            throw GeoError("bounds \(bbox) are smaller than one pixel of this raster", path: path,
                           hint: "pass bounds at least one pixel (\(gt.resolution.x) × \(gt.resolution.y) CRS units) wide")
        }
        return PixelWindow(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Reads a world box (in the raster's CRS) at native resolution; see `window(for:)` and `read(window:)`.
    public func read(bounds bbox: BoundingBox, bands: [Int]? = nil, as type: PixelType = .native,
                     fill: Double? = nil) throws -> Tensor {
        try read(window: window(for: bbox), bands: bands, as: type, fill: fill)
    }

    /// Reads GDAL's validity mask of a window: a bool tensor [C, H, W], true where the pixel holds data (not
    /// nodata, not outside the raster, not masked by an alpha band or a mask file).
    public func readMask(window: PixelWindow, bands: [Int]? = nil) throws -> Tensor {
        let list = try resolveBands(bands)
        guard !window.isEmpty else { throw GeoError("empty window \(window)", path: path, hint: "pass a window with positive width and height") }
        let (tensor, base) = try TensorMemory.allocate([list.count, window.height, window.width], .uint8)
        let plane = window.count
        guard let inner = window.intersection(PixelWindow(width: width, height: height)) else {
            TensorMemory.fill(base, count: plane * list.count, dtype: .uint8, value: 0)
            return try tensor.to(.bool)
        }
        if inner != window { TensorMemory.fill(base, count: plane * list.count, dtype: .uint8, value: 0) }
        for (c, b) in list.enumerated() {
            guard let mask = GDALGetMaskBand(band(b)) else { continue }
            let ptr = base + c * plane + (inner.y - window.y) * window.width + (inner.x - window.x)
            try GDAL.check("cannot read the mask of band \(b) in \(window)", path: path,
                           hint: "the file may be truncated or corrupt; re-create or re-download it") {
                GDALRasterIOEx(mask, GF_Read, Int32(inner.x), Int32(inner.y), Int32(inner.width), Int32(inner.height),
                               ptr, Int32(inner.width), Int32(inner.height), GDT_Byte, 1, GSpacing(window.width), nil)
            }
        }
        return try tensor.to(.bool)
    }
}
