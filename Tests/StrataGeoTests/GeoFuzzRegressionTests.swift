import Foundation
import StrataTestSupport
import Testing
@testable import StrataGeo

/// Replays the GeoTIFFs that once hung or crashed the `geotiff` fuzz harness (Fuzz/regressions/geotiff/), as
/// `strata info` reads them (GeoInfo.summary).
@Suite struct GeoFuzzRegressionTests {
    /// A geotransform with coordinates near 1e300 in Web Mercator: GDAL 3.6's Web Mercator → WGS 84 shortcut
    /// looped for hours computing the lon/lat line. The summary now comes back at once, without that line.
    @Test func hugeWebMercatorCoordinatesDoNotHang() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for url in try FuzzRegressions.inputs("geotiff") {
            let path = try FuzzRegressions.write(try Data(contentsOf: url), ext: "tif", in: dir)
            let start = Date()
            let summary = try? GeoInfo.summary(path: path)
            #expect(Date().timeIntervalSince(start) < 10, "\(url.lastPathComponent) took too long")
            #expect(summary.map { !$0.contains("Lon/lat") } ?? true, "\(url.lastPathComponent): \(summary ?? "")")
        }
    }

    @Test func transformsRefuseAbsurdCoordinates() throws {
        let box = BoundingBox(minX: 0, minY: 0, maxX: 1e300, maxY: 10)
        let e = #expect(throws: GeoError.self) { try CRS.webMercator.transform(box, to: .wgs84) }
        #expect(e?.description.contains("beyond") == true, "\(e.map { "\($0)" } ?? "")")
        #expect(throws: GeoError.self) { try CRS.webMercator.transform(x: .infinity, y: 0, to: .wgs84) }
        // Ordinary coordinates still transform.
        let p = try CRS.webMercator.transform(x: 0, y: 0, to: .wgs84)
        #expect(abs(p.x) < 1e-9 && abs(p.y) < 1e-9)
    }
}
