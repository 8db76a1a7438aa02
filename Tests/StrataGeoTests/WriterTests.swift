import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataGeo

@Suite struct WriterTests {
    static func gdalinfo(_ path: String) throws -> [String: Any] {
        let text = try Oracle.run("gdalinfo", ["-json", "-mdd", "IMAGE_STRUCTURE", path])
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    /// A class map written as COG: gdalinfo sees the COG layout, overviews, colour table, categories and CRS, and
    /// the pixels read back unchanged.
    @Test(.enabled(if: SharedData.shouldRun)) func cogClassMapVerifiedWithGdalinfo() throws {
        let src = try Raster(path: try RealData.rgb())
        let grid = try src.grid
        let red = try src.read(window: grid.fullWindow, bands: [1])
        let classes = try Op("aten::bucketize", "Tensor").tensor([.tensor(red), .tensor(try Tensor([1, 100, 200] as [Float]))],
                                                                 named: ["right": true]).to(.uint8)  // 0 nodata, 1–3 classes
        let dir = try SharedData.tempDir("geo-cog")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("classes.tif").path
        let colors = [RGBA(0, 0, 0, 0), RGBA(255, 0, 0), RGBA(0, 255, 0), RGBA(0, 0, 255)]
        try RasterWriter.write(classes, to: out, grid: grid, options: .init(
            format: .cog, compression: .deflate, blockSize: 256, nodata: 0, colorTable: colors,
            bandDescriptions: ["landcover"], categoryNames: ["none", "dark", "mid", "bright"], overviews: .auto))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["classes.tif", "classes.tif.aux.xml"], "only the result (and its category sidecar) remain")

        let info = try Self.gdalinfo(out)
        let md = (info["metadata"] as? [String: Any])?["IMAGE_STRUCTURE"] as? [String: String]
        #expect(md?["LAYOUT"] == "COG" && md?["COMPRESSION"] == "DEFLATE")
        #expect((info["stac"] as? [String: Any])?["proj:epsg"] as? Int == 32618)
        #expect(((info["coordinateSystem"] as? [String: Any])?["wkt"] as? String)?.contains("UTM zone 18N") == true)
        let band = (info["bands"] as! [[String: Any]])[0]
        #expect((band["overviews"] as? [Any])?.count == 2, "791×718 with 256 px tiles: 396 and 198 px overviews")
        #expect(band["block"] as? [Int] == [256, 256])
        #expect(band["noDataValue"] as? Double == 0)
        #expect(band["description"] as? String == "landcover")
        let ct = (band["colorTable"] as? [String: Any])?["entries"] as? [[Int]]
        #expect(ct?.prefix(4).map { $0 } == [[0, 0, 0, 0], [255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]])
        let text = try Oracle.run("gdalinfo", [out], pam: true)  // categories live in the .aux.xml sidecar
        #expect(text.contains("Categories:") && text.contains("bright"), "\(text)")

        let back = try Raster(path: out)
        #expect(try back.grid == grid)
        #expect(back.bands[0].categoryNames == ["none", "dark", "mid", "bright"])
        #expect(back.bands[0].colorTable?.prefix(4).map { $0 } == colors)
        #expect(back.bands[0].overviewCount == 2 && back.bands[0].nodata == 0)
        #expect(try back.read(window: grid.fullWindow).doubles() == classes.doubles())
    }

    /// Multi-band float GeoTIFF: LZW + floating-point predictor, 256-px tiles, 2 overview levels, descriptions.
    @Test(.enabled(if: SharedData.shouldRun)) func tiledGeoTIFFWithOverviewsRoundTrips() throws {
        let src = try Raster(path: try RealData.rgb())
        let sub = try src.grid.subgrid(PixelWindow(x: 100, y: 100, width: 300, height: 280))
        let t = try src.read(onto: sub, as: .float32)
        let scaled = try Op("aten::div", "Scalar").tensor([.tensor(t), 255.0])
        let dir = try SharedData.tempDir("geo-gtiff")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("rgb.tif").path
        for compression in [WriteOptions.Compression.lzw, .zstd] {
            try RasterWriter.write(scaled, to: out, grid: sub, options: .init(
                format: .geoTIFF, compression: compression, blockSize: 256, nodata: -1, bandDescriptions: ["red", "green", "blue"],
                overviews: .levels(2), overviewResampling: .average))
            let info = try Self.gdalinfo(out)
            let md = (info["metadata"] as? [String: Any])?["IMAGE_STRUCTURE"] as? [String: String]
            #expect(md?["COMPRESSION"] == compression.rawValue && md?["PREDICTOR"] == "3")
            let bands = info["bands"] as! [[String: Any]]
            #expect(bands.map { $0["description"] as? String } == ["red", "green", "blue"])
            #expect(bands.allSatisfy { ($0["overviews"] as? [Any])?.count == 2 && $0["block"] as? [Int] == [256, 256] && $0["type"] as? String == "Float32" })
            let back = try Raster(path: out)
            #expect(try back.grid == sub)
            #expect(try back.read(window: sub.fullWindow).doubles() == scaled.doubles())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["rgb.tif"])
    }

    /// A failing write leaves the previous file untouched and no temporary files behind; bad requests throw first.
    @Test(.enabled(if: SharedData.shouldRun)) func failedWritesLeaveNothingBehind() throws {
        let src = try Raster(path: try RealData.rgb())
        let grid = try src.grid.subgrid(PixelWindow(width: 64, height: 64))
        let t = try src.read(onto: grid)
        let dir = try SharedData.tempDir("geo-atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.tif").path
        try RasterWriter.write(t, to: out, grid: grid, options: .init(format: .geoTIFF, overviews: .none))
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        // GDAL refuses the floating-point predictor on bytes half-way through CreateCopy.
        #expect(throws: GeoError.self) {
            try RasterWriter.write(t, to: out, grid: grid, options: .init(format: .geoTIFF, creationOptions: ["PREDICTOR=3"]))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.tif"])
        // Fresh target: nothing appears.
        let fresh = dir.appendingPathComponent("fresh.tif").path
        #expect(throws: GeoError.self) {
            try RasterWriter.write(t, to: fresh, grid: grid, options: .init(format: .cog, creationOptions: ["PREDICTOR=3"]))
        }
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.tif"])
        // Validation errors.
        let wrong = try grid.resampled(to: 600)
        #expect(throws: GeoError.self) { try RasterWriter.write(t, to: fresh, grid: wrong) }
        #expect(throws: GeoError.self) { try RasterWriter.write(t, to: "/nonexistent-dir/a.tif", grid: grid) }
        #expect(throws: GeoError.self) { try RasterWriter.write(t, to: fresh, grid: grid, options: .init(colorTable: [RGBA(1, 2, 3)])) }
        #expect(throws: GeoError.self) { try RasterWriter.write(t, to: fresh, grid: grid, options: .init(bandDescriptions: ["a"])) }
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }
}
