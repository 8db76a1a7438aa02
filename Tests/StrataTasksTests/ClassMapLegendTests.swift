import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// The class map's legend (class names and colour table) is inside the GeoTIFF: a copy of the .tif alone, opened by
/// GDAL's own gdalinfo (the oracle, without any sidecar), still has both; the .aux.xml sidecar keeps the category
/// names for QGIS's attribute table.
@Suite struct ClassMapLegendTests {
    @Test func aCopyOfTheTifAloneKeepsClassNamesAndColours() throws {
        let dir = try SharedData.tempDir("class-map-legend")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bounds = BoundingBox(minX: 600_000, minY: 4_000_000, maxX: 600_400, maxY: 4_000_300)
        let grid = try GeoGrid(crs: try CRS(epsg: 32631), bounds: bounds, width: 40, height: 30)
        // Names with characters that metadata and XML must carry (comma, '=', '&', non-ASCII).
        let names = ["water", "forest", "built-up, dense", "crops=wheat & maize", "prairie humide"]
        let colors = [RGBA(0, 0, 255), RGBA(0, 128, 0), RGBA(200, 0, 0), RGBA(240, 220, 0), RGBA(120, 200, 160)]
        let map = dir.appendingPathComponent("map.tif").path
        let files = try ClassMapFiles(grid: grid, classNames: names, colors: colors, nodata: 255,
                                      outputs: PredictionOutputs(map: map))
        let classes: [UInt8] = (0..<(40 * 30)).map { (i: Int) -> UInt8 in i % 7 == 6 ? 255 : UInt8(i % 5) }
        try classes.withUnsafeBufferPointer { p in
            try files.write(window: PixelWindow(width: 40, height: 30), classes: p.baseAddress!, probabilities: nil)
        }
        _ = try files.finish(model: "test", kind: "segmentation", inputs: [], settings: [:], seconds: 1,
                             megapixels: 0.0012)
        try files.commit()

        let sidecar = try String(contentsOfFile: map + ".aux.xml", encoding: .utf8)
        #expect(sidecar.contains("<Category>water</Category>"), "the sidecar keeps category names for QGIS: \(sidecar)")

        let alone = dir.appendingPathComponent("copied")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        let copy = alone.appendingPathComponent("map.tif").path
        try FileManager.default.copyItem(atPath: map, toPath: copy)
        let text = try Subprocess.gdal("gdalinfo", ["-json", copy], pam: true)
        #expect(!FileManager.default.fileExists(atPath: copy + ".aux.xml"), "no sidecar beside the copy")
        let info = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let band = try #require((info["bands"] as? [[String: Any]])?.first)
        #expect(band["categories"] == nil, "category names only come from a sidecar; the copy has none")
        let metadata = (band["metadata"] as? [String: [String: String]])?[""] ?? [:]
        for (i, name) in names.enumerated() {
            #expect(metadata["CLASS_\(i)"] == name, "CLASS_\(i) in \(metadata)")
        }
        let entries = try #require((band["colorTable"] as? [String: Any])?["entries"] as? [[Int]])
        #expect(entries.count == 256)
        for (i, c) in colors.enumerated() {
            #expect(entries[i] == [Int(c.r), Int(c.g), Int(c.b), 255], "colour \(i): \(entries[i])")
        }
        #expect(entries[255] == [0, 0, 0, 0], "nodata is transparent")
        #expect(band["colorInterpretation"] as? String == "Palette")

        // Strata's reader finds the names in the file too (no sidecar to read them from).
        let raster = try Raster(path: copy)
        #expect(raster.bands[0].categoryNames == names)
        #expect(raster.bands[0].colorTable?.prefix(5).map { [$0.r, $0.g, $0.b] } == colors.map { [$0.r, $0.g, $0.b] })
    }
}
