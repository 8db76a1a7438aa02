import CGDAL
import Foundation

/// The one place GDAL warp options are set up, for training reads (`WindowReader.init(warping:)`) and prediction
/// reads (`Raster.read(onto:)`) alike, so both see the same pixels: band lists, per-band source and destination
/// nodata, INIT_DEST, the fixed kernel scale, and GDAL's suggested output resolution.
enum WarpOptions {
    /// New warp options for `source` (destroy with `GDALDestroyWarpOptions`): the resampling kernel, the working
    /// type (nil: GDAL's choice from the bands), and the bands, nodata and kernel scale as `setBands` sets them.
    static func create(source: GDALDatasetH, resampling: Resampling, workingType: GDALDataType?, bands list: [Int],
                       sourceNodata: [Double?], destinationNodata: [Double?],
                       scale: (x: Double, y: Double)?) throws -> UnsafeMutablePointer<GDALWarpOptions> {
        guard let wo = GDALCreateWarpOptions() else { throw GeoError("cannot allocate warp options") }
        wo.pointee.hSrcDS = source
        wo.pointee.eResampleAlg = resampling.warp
        if let workingType { wo.pointee.eWorkingDataType = workingType }
        setBands(wo, bands: list, sourceNodata: sourceNodata, destinationNodata: destinationNodata, scale: scale)
        return wo
    }

    /// Sets the source/destination band lists (source bands `list`, destination bands 1…n), each band's source
    /// nodata and destination fill, and the kernel scale on `wo`.
    ///
    /// - `sourceNodata`: per band (in `list` order) the value marking missing source pixels; a band without one
    ///   gets a value no pixel can hold (so none of its pixels is missing) when another band has one.
    /// - `destinationNodata`: per band the value of output pixels without data; when any band has one, INIT_DEST is
    ///   NO_DATA (bands without one start at 0), else INIT_DEST is 0.
    /// - `scale`: the resampling kernel's scale (gdalwarp's `-wo XSCALE= -wo YSCALE=`), fixed for the whole raster
    ///   so a pixel's value never depends on the chip it is read in.
    static func setBands(_ wo: UnsafeMutablePointer<GDALWarpOptions>, bands list: [Int], sourceNodata: [Double?],
                         destinationNodata: [Double?], scale: (x: Double, y: Double)?) {
        precondition(sourceNodata.count == list.count && destinationNodata.count == list.count)
        if let scale {
            wo.pointee.papszWarpOptions = CSLSetNameValue(wo.pointee.papszWarpOptions, "XSCALE", "\(scale.x)")
            wo.pointee.papszWarpOptions = CSLSetNameValue(wo.pointee.papszWarpOptions, "YSCALE", "\(scale.y)")
        }
        wo.pointee.nBandCount = Int32(list.count)
        let srcBands = CPLMalloc(MemoryLayout<Int32>.size * list.count)!.assumingMemoryBound(to: Int32.self)
        let dstBands = CPLMalloc(MemoryLayout<Int32>.size * list.count)!.assumingMemoryBound(to: Int32.self)
        for (i, b) in list.enumerated() { srcBands[i] = Int32(b); dstBands[i] = Int32(i + 1) }
        wo.pointee.panSrcBands = srcBands
        wo.pointee.panDstBands = dstBands
        if sourceNodata.contains(where: { $0 != nil }) {
            let src = CPLMalloc(MemoryLayout<Double>.size * list.count)!.assumingMemoryBound(to: Double.self)
            for (i, v) in sourceNodata.enumerated() { src[i] = v ?? -1.0e300 }
            wo.pointee.padfSrcNoDataReal = src
        }
        if destinationNodata.contains(where: { $0 != nil }) {
            let d = CPLMalloc(MemoryLayout<Double>.size * list.count)!.assumingMemoryBound(to: Double.self)
            for (i, v) in destinationNodata.enumerated() { d[i] = v ?? 0 }
            wo.pointee.padfDstNoDataReal = d
            wo.pointee.papszWarpOptions = CSLSetNameValue(wo.pointee.papszWarpOptions, "INIT_DEST", "NO_DATA")
        } else {
            wo.pointee.papszWarpOptions = CSLSetNameValue(wo.pointee.papszWarpOptions, "INIT_DEST", "0")
        }
    }

    /// GDAL's suggested pixel size (what gdalwarp picks without `-tr`) for the dataset reprojected from
    /// `sourceWKT` to `target`, in the target's units; nil with GDAL's message when it cannot be computed.
    static func suggestedResolution(_ handle: GDALDatasetH, sourceWKT: String, target: CRS)
        -> (resolution: (x: Double, y: Double)?, message: String?)
    {
        let opts = ["SRC_SRS=\(sourceWKT)", "DST_SRS=\(target.wkt)"]
        let (found, log) = GDAL.capturing { () -> (x: Double, y: Double)? in
            GDAL.withOptions(opts) { o -> (x: Double, y: Double)? in
                guard let t = GDALCreateGenImgProjTransformer2(handle, nil, o) else { return nil }
                defer { GDALDestroyGenImgProjTransformer(t) }
                var gt = [Double](repeating: 0, count: 6)
                var w: Int32 = 0, h: Int32 = 0
                guard GDALSuggestedWarpOutput(handle, GDALGenImgProjTransform, t, &gt, &w, &h) == CE_None,
                      gt[1] != 0, gt[5] != 0 else { return nil }
                return (abs(gt[1]), abs(gt[5]))
            }
        }
        return (found, log.failureText)
    }
}
