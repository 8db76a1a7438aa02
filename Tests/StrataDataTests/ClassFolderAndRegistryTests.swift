import Foundation
import Testing
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport

@Suite(.enabled(if: SharedData.shouldRun)) struct ClassFolderAndRegistryTests {
    /// A user's folder of classes made from real EuroSAT tiles (GeoTIFF) and their PNG renderings.
    func makeTree(_ tmp: URL) throws {
        for (cls, src) in [("forest", "Forest"), ("water", "SeaLake"), ("crops", "AnnualCrop")] {
            for n in 1...4 {
                try symlink(try SharedData.path("eurosat-ms/eurosat/\(src)/\(src)_\(n).tif"),
                            at: tmp.appendingPathComponent("tif/\(cls)/\(src.lowercased())-\(n).TIF"))
                try symlink(try SharedData.path("eurosat-ms/derived_rgb_png/\(src)/\(src)_\(n).png"),
                            at: tmp.appendingPathComponent("png/\(cls)/\(src.lowercased())-\(n).png"))
            }
        }
        try "notes".write(to: tmp.appendingPathComponent("tif/forest/readme.txt"), atomically: true, encoding: .utf8)
    }

    @Test func genericFolderOfClasses() throws {
        let tmp = try SharedData.tempDir("strata-folder")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try makeTree(tmp)
        let tif = try ClassFolderDataset(root: tmp.appendingPathComponent("tif").path)
        #expect(tif.classNames == ["crops", "forest", "water"])
        #expect(tif.count == 12)
        #expect(tif.bandNames == (1...13).map { "band\($0)" })
        let s = try tif.sample(at: 4)
        #expect(s.label == .single(1) && s.id.hasSuffix("forest/forest-1.TIF"))
        #expect(s.image.shape == [13, 64, 64] && s.crs != nil)
        let sel = try ClassFolderDataset(root: tmp.appendingPathComponent("tif").path, bands: ["band4", "band3"])
        #expect(try sel.sample(at: 4).image.floats() == (try s.image.indexSelect(dim: 0, index: Tensor([3, 2])).floats()))

        let png = try ClassFolderDataset(root: tmp.appendingPathComponent("png").path)
        #expect(png.bandNames == ["red", "green", "blue"])
        #expect(try png.sample(at: 0).crs == nil)

        // Split files with <class>/<file> entries; the rest falls to a stratified split.
        let root = tmp.appendingPathComponent("tif")
        try "forest/forest-2.tif\ncrops/annualcrop-1\n".write(to: root.appendingPathComponent("val.txt"), atomically: true, encoding: .utf8)
        #expect {
            try ClassFolderDataset(root: root.path, split: .train)
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("train.txt") }
        try "forest/forest-1\n".write(to: root.appendingPathComponent("train.txt"), atomically: true, encoding: .utf8)
        try "sealake-1.TIF\n".write(to: root.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
        let val = try ClassFolderDataset(root: root.path, split: .val)
        #expect(val.files.map { ($0 as NSString).lastPathComponent } == ["forest-2.TIF", "annualcrop-1.TIF"])
        #expect(val.classIndices == [1, 0])
        #expect(try ClassFolderDataset(root: root.path, split: .test).count == 1)
        let strat = try ClassFolderDataset(root: tmp.appendingPathComponent("png").path, split: .train,
                                           fractions: try SplitFractions(train: 0.5, val: 0.5, test: 0))
        #expect(try strat.classCounts() == [2, 2, 2])
    }

    @Test func scaleAndOffsetAreApplied() throws {
        let tmp = try SharedData.tempDir("strata-folder-scaled")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let src = try SharedData.path("eurosat-ms/eurosat/Pasture/Pasture_2.tif")
        for cls in ["a", "b"] {
            try FileManager.default.createDirectory(at: tmp.appendingPathComponent(cls), withIntermediateDirectories: true)
            #expect(try runTool(["gdal_translate", "-q", "-b", "2", "-b", "8", "-a_scale", "0.0001", "-a_offset", "-0.1", src,
                                 tmp.appendingPathComponent("\(cls)/x.tif").path]).status == 0)
        }
        let raw = try gdalPixels(src, UInt16.self)
        let b2 = Array(raw[(1 * 4096)..<(2 * 4096)])
        let scaled = try ClassFolderDataset(root: tmp.path).sample(at: 0).image.floats()
        #expect(zip(scaled.prefix(4096), b2).allSatisfy { abs($0 - (Float($1) * 0.0001 - 0.1)) < 1e-6 })
        let native = try ClassFolderDataset(root: tmp.path, pixelType: .native).sample(at: 0).image
        #expect(native.dtype == .int32)
        #expect(Array(try native.floats().prefix(4096)) == b2.map(Float.init))
    }

    @Test func genericFolderErrors() throws {
        #expect {
            try ClassFolderDataset(root: "/nonexistent/chips")
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("<root>/<class>/") }
        let tmp = try SharedData.tempDir("strata-folder-bad")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try makeTree(tmp)
        // A chip with fewer bands than the first one read: the read names the file.
        let odd = tmp.appendingPathComponent("tif/water/zz-odd.tif")
        #expect(try runTool(["gdal_translate", "-q", "-b", "1", "-b", "2", try SharedData.path("eurosat-ms/eurosat/River/River_1.tif"), odd.path]).status == 0)
        let ds = try ClassFolderDataset(root: tmp.appendingPathComponent("tif").path)
        let i = ds.files.firstIndex(of: odd.path)!
        #expect {
            try ds.sample(at: i)
        } throws: { e in (e as? DatasetError)?.kind == .badFile && "\(e)".contains("zz-odd.tif") }
        #expect {
            try ClassFolderDataset(root: tmp.appendingPathComponent("tif").path, bands: ["red"])
        } throws: { e in (e as? DatasetError)?.kind == .invalidArgument && "\(e)".contains("band13") }
    }

    @Test func registryFindsTheDatasetsOnDisk() throws {
        let shared = SharedData.root.path
        let fixtures = SharedData.fixtures("StrataDataTests").path
        let found = Datasets.find(under: [shared, fixtures, "/nonexistent"])
        func paths(_ name: String) -> [String] { found.filter { $0.name == name }.map { ($0.path as NSString).standardizingPath } }
        #expect(paths("eurosat") == [try SharedData.path("eurosat-ms/eurosat")].map { ($0 as NSString).standardizingPath })
        #expect(paths("eurosat-rgb") == [try SharedData.path("eurosat-ms/derived_rgb_png")].map { ($0 as NSString).standardizingPath })
        #expect(paths("bigearthnet") == [try SharedData.path("bigearthnet/BigEarthNet-S2-Example")].map { ($0 as NSString).standardizingPath })
        #expect(paths("so2sat") == ["\(fixtures)/so2sat"].map { ($0 as NSString).standardizingPath })
        #expect(found.first { $0.name == "eurosat" }?.detail.contains("200 chips in 10 of 10 classes") == true)
        #expect(found.first { $0.name == "so2sat" }?.detail.contains("training.h5 (34 chips)") == true)

        #expect(Set(Datasets.known.map(\.name)) == ["eurosat", "eurosat-rgb", "so2sat", "bigearthnet", "lczc-ges2", "folder"])
        #expect(Datasets.known.allSatisfy { !$0.layout.isEmpty && !$0.download.isEmpty })
        let ds = try Datasets.open("EuroSAT", root: try SharedData.path("eurosat-ms/eurosat"),
                                   options: DatasetOptions(split: .val, bands: ["B08", "B04"],
                                                           fractions: try SplitFractions(train: 0.75, val: 0.25, test: 0)))
        #expect(ds.count == 50 && ds.bandNames == ["B08", "B04"])
        let ben = try Datasets.open("bigearthnet", root: try SharedData.path("bigearthnet/BigEarthNet-S2-Example"),
                                    options: DatasetOptions(classes: 43))
        #expect(ben.classNames.count == 43 && ben.task == .multilabel)
        #expect {
            try Datasets.open("imagenet", root: "/tmp")
        } throws: { e in (e as? DatasetError)?.kind == .invalidArgument && "\(e)".contains("so2sat") }
        #expect(throws: DatasetError.self) { try Datasets.open("so2sat", root: fixtures + "/so2sat", options: DatasetOptions(version: "4")) }
    }
}
