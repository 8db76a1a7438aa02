import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

@Suite struct BadInputTests {
    static func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    @Test(.enabled(if: SharedData.shouldRun)) func filesThatCannotBeRead() throws {
        let c = try Crops("bad")
        defer { c.remove() }
        #expect(Self.message { try RasterDataset(paths: ["/nonexistent/dir"]) }.contains("path not found: /nonexistent/dir"))
        #expect(Self.message { try RasterDataset(paths: [c.dir.path], filenameGlob: "*.nothing") }.contains("no raster files found"))
        // Not a raster.
        let text = c.dir.appendingPathComponent("notes.tif").path
        try "not a raster".write(toFile: text, atomically: true, encoding: .utf8)
        let m1 = Self.message { try RasterDataset(paths: [text]) }
        #expect(m1.contains("cannot open raster") && m1.contains("notes.tif"))
        // Truncated GeoTIFF: the header opens, the pixels are gone.
        let full = try c.crop(try Real.rgb(), "full.tif", x: 0, y: 0, w: 400, h: 400, extra: ["-co", "TILED=YES"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let cut = c.dir.appendingPathComponent("cut.tif").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let m2 = Self.message {
            let ds = try RasterDataset(paths: [cut])
            return try GridGeoSampler(ds, size: 128).chips(epoch: 0).map { try ds.sample(bounds: $0) }
        }
        #expect(m2.contains("cut.tif") && (m2.contains("truncated") || m2.contains("cannot")), "\(m2)")
        // No CRS: a clear error, unless the CRS is given.
        let nocrs = c.dir.appendingPathComponent("nocrs.tif").path
        try Tool.run("gdal_translate", ["-q", "-a_ullr", "0", "100", "100", "0", try SharedData.path("levir-cd-samples/A/test_102_0512_0000.png"), nocrs])
        #expect(Self.message { try RasterDataset(paths: [nocrs]) }.contains("has no CRS"))
        let ok = try RasterDataset(paths: [nocrs], fileCRS: try CRS(epsg: 32618))
        #expect(ok.crs.epsg == 32618 && ok.bounds.maxX > 99)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func badOptions() throws {
        let dir = try SharedData.path("bigearthnet/BigEarthNet-S2-Example/S2A_MSIL2A_20170613T101031_87_48")
        let m = Self.message { try RasterDataset(paths: [dir], filenameRegex: Real.s2Regex, bands: ["B02", "B99"]) }
        #expect(m.contains("band \"B99\" not found") && m.contains("B8A"))
        #expect(Self.message { try RasterDataset(paths: [dir], filenameRegex: "(?<band>[") }.contains("not a valid regular expression"))
        #expect(Self.message {
            try RasterDataset(paths: [dir], filenameRegex: #"_(?<date>\d{8}T\d{5})"#, dateFormat: "yyyy-MM-dd")
        }.contains("dateFormat"))
        #expect(Self.message { try RasterDataset(paths: [dir], filenameRegex: Real.s2Regex, dtype: .bool) }.contains("dtype"))
    }

    /// TorchGeo #2190: reprojecting to EPSG:4326 must give a resolution in degrees, not keep metres; a resolution
    /// given in the wrong units is caught.
    @Test(.enabled(if: SharedData.shouldRun)) func resolutionUnitsFollowTheCRS() throws {
        let rgb = try Real.rgb()
        let native = try RasterDataset(paths: [rgb])
        #expect(native.resolution.x > 299 && native.resolution.x < 301)
        let geo = try RasterDataset(paths: [rgb], crs: .wgs84)
        #expect(geo.crs.isGeographic)
        #expect(geo.resolution.x > 0.002 && geo.resolution.x < 0.004, "≈ 300 m in degrees, got \(geo.resolution.x)")
        let s = try geo.sample(bounds: try GridGeoSampler(geo, size: 64).chips(epoch: 0)[4])
        #expect(s.image?.shape == [3, 64, 64])
        let m = Self.message { try RasterDataset(paths: [rgb], crs: .wgs84, resolution: 300) }
        #expect(m.contains("larger than the data's extent") && m.contains("degrees"))
    }
}
