import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataGeo

/// Class names written by `RasterWriter` live in the GeoTIFF's own band metadata (`CLASS_<i>`) as well as in the
/// .aux.xml sidecar; gdalinfo on a copy of the .tif alone is the oracle.
@Suite struct ClassMetadataTests {
    @Test func itemsRoundTripWithGapsAndForeignItems() {
        let names = ["water", "", "urban = grey", "forest"]
        let items = ClassMetadata.items(names)
        #expect(items.map(\.key) == ["CLASS_0", "CLASS_2", "CLASS_3"])
        let raw = items.map { "\($0.key)=\($0.value)" } + ["AREA_OR_POINT=Area", "CLASS_X=junk", "CLASS_-1=neg"]
        #expect(ClassMetadata.names(fromItems: raw.reversed()) == names)
        #expect(ClassMetadata.names(fromItems: ["STATISTICS_MEAN=3"]).isEmpty)
    }

    @Test(arguments: [WriteOptions.Format.cog, .geoTIFF])
    func writtenClassNamesSurviveACopyOfTheTifAlone(_ format: WriteOptions.Format) throws {
        let dir = try SharedData.tempDir("class-metadata")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grid = try GeoGrid(crs: try CRS(epsg: 4326), bounds: BoundingBox(minX: 2, minY: 48, maxX: 2.2, maxY: 48.1),
                               width: 20, height: 10)
        let pixels = try Tensor((0..<200).map { UInt8($0 % 3) }, shape: [1, 10, 20])
        let path = dir.appendingPathComponent("classes.tif").path
        try RasterWriter.write(pixels, to: path, grid: grid, options: WriteOptions(
            format: format, nodata: 255, colorTable: [RGBA(10, 20, 30), RGBA(40, 50, 60), RGBA(70, 80, 90)],
            bandDescriptions: ["class"], categoryNames: ["a", "b", "c"], overviews: .none))
        #expect(FileManager.default.fileExists(atPath: path + ".aux.xml"), "the sidecar stays")
        let copy = dir.appendingPathComponent("alone.tif").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let text = try Subprocess.gdal("gdalinfo", ["-json", copy])
        let info = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let band = try #require((info["bands"] as? [[String: Any]])?.first)
        let metadata = (band["metadata"] as? [String: [String: String]])?[""]
        #expect(metadata == ["CLASS_0": "a", "CLASS_1": "b", "CLASS_2": "c"])
        let entries = try #require((band["colorTable"] as? [String: Any])?["entries"] as? [[Int]])
        #expect(Array(entries.prefix(3)) == [[10, 20, 30, 255], [40, 50, 60, 255], [70, 80, 90, 255]])
        #expect(band["description"] as? String == "class")
        #expect(try Raster(path: copy).bands[0].categoryNames == ["a", "b", "c"])
    }
}
