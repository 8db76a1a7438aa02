import CGDAL
import Foundation

/// A VRT mosaic of rasters that share a CRS, built with GDAL's `GDALBuildVRT` (the C API behind `gdalbuildvrt`).
///
/// The VRT covers the union of the sources' extents at the finest source resolution (`-resolution highest`), each
/// band's nodata taken from the sources (so one map's nodata border does not hide its neighbour's pixels where they
/// overlap), and the first source's colour table. Sources in the same folder as the VRT are referenced by relative
/// path, so the folder can be moved or copied as a whole.
public enum VRTMosaic {
    /// Writes the mosaic of `sources` to `path`: under a hidden temporary name in the same folder, renamed when
    /// complete (an interrupted build leaves nothing at `path`). Throws when a source cannot be opened, when the
    /// sources are in different CRSs (GDAL would silently leave those out), or when GDAL fails.
    public static func build(sources: [String], to path: String) throws {
        GDAL.initialize()
        guard !sources.isEmpty else {
            throw GeoError("cannot build a VRT mosaic of no rasters", path: path, hint: "pass at least one source")
        }
        var first: (String, CRS)? = nil
        for s in sources {
            let crs = try Raster(path: s).grid.crs
            if let f = first, !(f.1 == crs) {
                throw GeoError("the rasters of a VRT mosaic must share one CRS: \(f.0) is in \(f.1.name), \(s) in \(crs.name)",
                               path: path, hint: "reproject them onto one CRS first (strata predict --grid CRS:resolution)")
            }
            if first == nil { first = (s, crs) }
        }
        PendingFile.removeStale(for: path)
        let pending = PendingFile(temporary: PendingFile.temporaryPath(for: path, suffix: ".vrt"), target: path)
        do {
            try GDAL.withOptions(["-resolution", "highest"]) { argv in
                guard let options = GDALBuildVRTOptionsNew(argv, nil) else {
                    throw GeoError("GDALBuildVRT rejected its options", path: path)
                }
                defer { GDALBuildVRTOptionsFree(options) }
                try GDAL.withOptions(sources) { names in
                    var usageError: Int32 = 0
                    let ds: GDALDatasetH = try GDAL.call("cannot build the VRT mosaic", path: path,
                                                         hint: "check that every source is a readable raster") {
                        GDALBuildVRT(pending.temporary, Int32(sources.count), nil,
                                     names.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<CChar>?.self) },
                                     options, &usageError)
                    }
                    // Closing the dataset writes the VRT file.
                    try GDAL.check("cannot write the VRT mosaic", path: path) { GDALClose(ds); return CE_None }
                }
            }
            try pending.commit()
        } catch {
            pending.discard()
            throw error
        }
    }
}
