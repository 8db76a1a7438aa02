import Foundation
import StrataGeo

/// Mutated GeoTIFF bytes → `strata info`'s summary (GeoInfo.summary: GDAL open, CRS, bounds, bands).
enum GeoTIFFHarness: Harness {
    static let name = "geotiff"
    static func run(_ data: Data) throws {
        _ = try GeoInfo.summary(path: scratchFile(data, ext: "tif"))
    }
}
