import Foundation
import Testing
import StrataTensor
import StrataTestSupport
import StrataGeo
@testable import StrataData

/// WHU-CD in the crop layout the literature trains on (`A/`, `B/`, `label/` RGB / 0-255 PNGs with
/// `list/<split>.txt`), written by the test: GeoTIFFs from Strata, turned into PNGs by `gdal_translate`.
@Suite struct WHUCDTests {
    static func png(_ t: Tensor, _ path: String, in dir: URL) throws {
        let tif = dir.appendingPathComponent(UUID().uuidString + ".tif").path
        let grid = try GeoGrid(crs: CRS(epsg: 32759), bounds: BoundingBox(minX: 0, minY: 0, maxX: 16, maxY: 16),
                               width: 16, height: 16)
        try RasterWriter.write(t, to: tif, grid: grid, options: WriteOptions(format: .geoTIFF, compression: .none))
        let r = try runTool(["gdal_translate", "-q", "-of", "PNG", tif, path])
        #expect(r.status == 0, "\(r.output)")
    }

    @Test func readsTheCropLayout() throws {
        let root = try SharedData.tempDir("strata-whucd")
        for sub in ["A", "B", "label", "list"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for (i, name) in ["whu_0001", "whu_0002", "whu_0003"].enumerated() {
            let a = try (Tensor.arange(0, 768, step: 1).reshape([3, 16, 16]) + Double(i)).remainder(200).to(.uint8)
            try Self.png(a, root.appendingPathComponent("A/\(name).png").path, in: root)
            try Self.png(try (a.to(.int64) + 50).to(.uint8), root.appendingPathComponent("B/\(name).png").path, in: root)
            let label = try (Tensor.arange(0, 256, step: 1).reshape([1, 16, 16]).remainder(5).eq(Double(i))
                .to(.int64) * 255).to(.uint8)
            try Self.png(label, root.appendingPathComponent("label/\(name).png").path, in: root)
        }
        try "whu_0001.png\nwhu_0003.png\n".write(to: root.appendingPathComponent("list/train.txt"), atomically: true,
                                                 encoding: .utf8)
        try "whu_0002.png\n".write(to: root.appendingPathComponent("list/test.txt"), atomically: true, encoding: .utf8)
        let train = try WHUCD(root: root.path, split: .train)
        #expect(train.count == 2 && (0..<2).map(train.id) == ["whu_0001", "whu_0003"])
        let s = try train.sample(at: 1)
        #expect(s.imageA.shape == [3, 16, 16] && s.change.shape == [16, 16] && s.change.dtype == .int64)
        #expect(try (s.imageB - s.imageA).eq(50).all().item() != 0)
        let expected = try Tensor.arange(0, 256, step: 1).reshape([16, 16]).remainder(5).eq(2).to(.int64)
        #expect(try s.change.eq(expected).all().item() != 0)
        #expect(try WHUCD(root: root.path, split: .test).count == 1)
        #expect(throws: DatasetError.self) { try WHUCD(root: root.path, split: .val) }   // no list/val.txt
        #expect(try ChangeDatasets.open("whu-cd", root: root.path, split: .train).count == 2)
        #expect(throws: DatasetError.self) { try ChangeDatasets.open("whu-cd", root: root.path, split: .train, cities: ["x"]) }
    }
}
