import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataGeo

/// `strata info <file>` summaries carry what gdalinfo/ogrinfo report.
@Suite struct GeoInfoTests {
    @Test(.enabled(if: SharedData.shouldRun)) func rasterSummaryAgreesWithGdalinfo() throws {
        let path = try RealData.rgb()
        let s = try GeoInfo.summary(path: path)
        let info = try WriterTests.gdalinfo(path)
        let size = info["size"] as! [Int]
        #expect(s.contains("Driver:      \(info["driverShortName"] as! String)"))
        #expect(s.contains("Size:        \(size[0]) × \(size[1]) pixels, 3 bands"))
        #expect(s.contains("WGS 84 / UTM zone 18N (EPSG:32618), metre"))
        #expect(s.contains("Resolution:  300.038 × 300.042 metre"))
        let corners = info["cornerCoordinates"] as! [String: [Double]]
        #expect(s.contains("Bounds:      [\(Int(corners["lowerLeft"]![0])), \(Int(corners["lowerLeft"]![1])), \(Int(corners["upperRight"]![0])), \(Int(corners["upperRight"]![1]))]"))
        let bandLines = s.split(separator: "\n").filter { $0.hasPrefix("  ") }
        #expect(bandLines.count == 3 && bandLines.allSatisfy { $0.contains("Byte") && $0.contains("nodata 0") })
        #expect(bandLines[0].contains("red") && bandLines[2].contains("blue"))
    }

    @Test(.enabled(if: SharedData.shouldRun)) func summaryOfAWrittenCOGShowsItsStructure() throws {
        let r = try Raster(path: try RealData.rgb())
        let dir = try SharedData.tempDir("geo-info")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("c.tif").path
        let t = try r.read(window: PixelWindow(width: 791, height: 718), bands: [1])
        try RasterWriter.write(t, to: out, grid: try r.grid, options: .init(
            blockSize: 256, nodata: 0, colorTable: [RGBA(0, 0, 0), RGBA(9, 9, 9)], bandDescriptions: ["class"],
            categoryNames: ["background", "object"]))
        let s = try GeoInfo.summary(path: out)
        #expect(s.contains("blocks 256×256, compression DEFLATE, layout COG"))
        #expect(s.contains("\"class\"") && s.contains("overviews 2") && s.contains("colour table (256 entries)"), "GTiff pads Byte palettes to 256")
        #expect(s.contains("classes 0=background, 1=object"))
    }

    @Test(.enabled(if: SharedData.shouldRun)) func vectorSummaryAndErrors() throws {
        let s = try GeoInfo.summary(path: try RealData.box())
        #expect(s.contains("Driver:      ESRI Shapefile"))
        #expect(s.contains("Layer \"box\": Polygon, 1 feature"))
        #expect(s.contains("EPSG:32618") && s.contains("[175000, 2700000, 250000, 2750000]") && s.contains("id (Integer64)"))
        #expect(throws: GeoError.self) { try GeoInfo.summary(path: "/nonexistent.tif") }
        do {
            _ = try GeoInfo.summary(path: try SharedData.path("SOURCES.md"))
            Issue.record("expected an error")
        } catch let e as GeoError {
            #expect(e.description.contains("SOURCES.md") && e.description.contains("not recognized"))
        }
    }
}
