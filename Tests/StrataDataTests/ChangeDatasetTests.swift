import Foundation
import Testing
import StrataTensor
import StrataTestSupport
import StrataGeo
@testable import StrataData

/// LEVIR-CD and DSIFN-CD pairs read from the real samples, and TinyCD's preprocessing against the exact tensors
/// the original code fed its model (`reference-outputs/tinycd/inputs`).
@Suite struct ChangeDatasetTests {
    @Test(.enabled(if: SharedData.shouldRun)) func levirSamplesReadAsPairs() throws {
        let ds = try LEVIRCD(root: SharedData.path("levir-cd-samples"))
        #expect(ds.count == 11)
        #expect(ds.unlabelled == ["test_113_0256"])   // the side-by-side figure has no label: not a pair
        #expect((0..<ds.count).map { ds.id(at: $0) }.contains("test_2_0000_0000"))
        var changed = 0
        for i in 0..<ds.count {
            let s = try ds.sample(at: i)
            #expect(s.imageA.shape == [3, 256, 256] && s.imageB.shape == [3, 256, 256])
            #expect(s.change.shape == [256, 256] && s.change.dtype == .int64)
            #expect(try s.change.max().itemInt() <= 1)
            #expect(try s.imageA.max().item() <= 255 && s.imageA.min().item() >= 0)
            changed += try s.change.sum().itemInt()
            if s.id == "train_386_0512_0768" { #expect(try s.change.sum().itemInt() == 0) }
            #expect(s.georeference == nil)   // PNG chips carry no geotransform
        }
        // metrics.csv: 110,914 changed pixels over the 11 labels
        #expect(changed == 110_914)
        #expect(throws: DatasetError.self) { try ds.sample(at: 11) }
        // flat folders without split lists: only `all`
        #expect(throws: DatasetError.self) { try LEVIRCD(root: SharedData.path("levir-cd-samples"), split: .train) }
        #expect(throws: DatasetError.self) {
            try LEVIRCD(root: SharedData.path("levir-cd-samples"), split: .val, variant: .levirCDPlus)
        }
    }

    @Test(.enabled(if: SharedData.shouldRun)) func dsifnSamplesReadAsPairs() throws {
        let ds = try DSIFN(root: SharedData.path("dsifn-cd-samples"))
        #expect(ds.count == 10 && ds.unlabelled.isEmpty)
        var changed = 0
        for i in 0..<ds.count { changed += try ds.sample(at: i).change.sum().itemInt() }
        #expect(changed == 177_684)   // metrics.csv, dsifn rows
    }

    /// PNG → float/255 → ImageNet mean/std equals the original's input tensors bit for bit.
    @Test(.enabled(if: SharedData.shouldRun)) func preprocessingEqualsTheOriginalInputs() throws {
        let ds = try LEVIRCD(root: SharedData.path("levir-cd-samples"))
        for name in ["test_2_0000_0000", "test_77_0512_0256"] {
            let i = try #require((0..<ds.count).first { ds.id(at: $0) == name })
            let s = try ds.sample(at: i)
            for (image, date) in [(s.imageA, "A"), (s.imageB, "B")] {
                let ref = try NPY.read(SharedData.path("reference-outputs/tinycd/inputs/levir_\(name)_\(date).npy"))
                let ours = try ImageNetNormalization.apply(image)
                #expect(ours.dtype == .float32 && ours.shape == ref.shape)
                let diff = try (ours - ref).abs().max().item()
                #expect(diff == 0, "\(name) \(date): max |Δ| \(diff)")
            }
        }
    }

    /// Links real sample files into a layout under a temporary root.
    static func link(_ files: [(from: String, to: String)], in root: URL) throws {
        let fm = FileManager.default
        for (from, to) in files {
            let dst = root.appendingPathComponent(to)
            try fm.createDirectory(at: dst.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: dst.path, withDestinationPath: SharedData.path(from))
        }
    }

    @Test(.enabled(if: SharedData.shouldRun)) func officialAndFlatLayoutsResolveSplits() throws {
        let root = try SharedData.tempDir("levir-layout")
        defer { try? FileManager.default.removeItem(at: root) }
        let names = ["test_2_0000_0000", "test_7_0256_0512", "val_27_0000_0256"]
        let splits = ["train", "train", "test"]
        // the official LEVIR-CD+ layout: <root>/<split>/{A,B,label}
        var files: [(String, String)] = []
        for (n, s) in zip(names, splits) {
            for d in ["A", "B", "label"] { files.append(("levir-cd-samples/\(d)/\(n).png", "plus/\(s)/\(d)/\(n).png")) }
        }
        try Self.link(files, in: root)
        let plus = root.appendingPathComponent("plus").path
        #expect(try LEVIRCD(root: plus, split: .train, variant: .levirCDPlus).count == 2)
        #expect(try LEVIRCD(root: plus, split: .test, variant: .levirCDPlus).count == 1)
        #expect(try LEVIRCD(root: plus, split: .all, variant: .levirCDPlus).count == 3)
        #expect(throws: DatasetError.self) { try LEVIRCD(root: plus, split: .val, variant: .levirCD) }
        // the DSIFN release's names: <root>/<split>/{t1,t2,mask}
        files = []
        for d in [("A", "t1"), ("B", "t2"), ("label", "mask")] {
            files.append(("dsifn-cd-samples/\(d.0)/0_2.png", "dsifn/val/\(d.1)/0_2.png"))
        }
        try Self.link(files, in: root)
        let dsifn = try DSIFN(root: root.appendingPathComponent("dsifn").path, split: .val)
        #expect(dsifn.count == 1 && dsifn.id(at: 0) == "0_2")
        #expect(try dsifn.sample(at: 0).change.sum().itemInt() == 6091)
        // flat crops with a split list
        let flat = root.appendingPathComponent("flat")
        let flatFiles = ["A", "B", "label"].map {
            ("levir-cd-samples/\($0)/\(names[2]).png", "flat/\($0)/\(names[2]).png")
        }
        try Self.link(flatFiles, in: root)
        let list = flat.appendingPathComponent("list")
        try FileManager.default.createDirectory(at: list, withIntermediateDirectories: true)
        try "\(names[2]).png\n".write(to: list.appendingPathComponent("val.txt"), atomically: true, encoding: .utf8)
        let val = try LEVIRCD(root: flat.path, split: .val)
        #expect(val.count == 1 && val.id(at: 0) == names[2])
        #expect(throws: DatasetError.self) { try LEVIRCD(root: flat.path, split: .test) }   // no list/test.txt
    }

    /// GeoTIFF pairs keep the first date's bounds and CRS; a label holding values other than 0/255 is rejected.
    @Test func geoTIFFPairsAreGeoreferencedAndBadLabelsRejected() throws {
        let root = try SharedData.tempDir("change-geotiff")
        defer { try? FileManager.default.removeItem(at: root) }
        let grid = GeoGrid(crs: try CRS(epsg: 32631),
                           transform: GeoTransform(originX: 500_000, originY: 4_600_032, resX: 0.5, resY: 0.5),
                           width: 64, height: 64)
        func write(_ t: Tensor, _ path: String) throws {
            let url = root.appendingPathComponent(path)
            let dir = url.deletingLastPathComponent()
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try RasterWriter.write(t, to: url.path, grid: grid, options: .init(format: .geoTIFF))
        }
        try write(Tensor.randint(0, 256, [3, 64, 64]).to(.uint8), "A/p.tif")
        try write(Tensor.randint(0, 256, [3, 64, 64]).to(.uint8), "B/p.tif")
        let change = try Tensor.randint(0, 2, [1, 64, 64])
        try write((change * 255).to(.uint8), "label/p.tif")
        let ds = try LEVIRCD(root: root.path)
        let s = try ds.sample(at: 0)
        #expect(try s.change.equal(change.squeeze(dim: 0)))
        let geo = try #require(s.georeference)
        #expect(geo.bounds == BoundingBox(minX: 500_000, minY: 4_600_000, maxX: 500_032, maxY: 4_600_032))
        #expect(geo.crs?.epsg == 32631)
        try write(Tensor.full([1, 64, 64], 7, .init(dtype: .uint8)), "label/p.tif")
        do {
            _ = try ds.sample(at: 0)
            Issue.record("a label of 7s must be rejected")
        } catch let e as DatasetError {
            #expect(e.kind == .badFile && e.message.contains("0 (no change) and 255 (change)"))
        }
    }

    @Test func missingOrInconsistentFoldersAreNamed() throws {
        let root = try SharedData.tempDir("change-ds")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: DatasetError.self) { try LEVIRCD(root: root.path) }
        for sub in ["A", "B", "label"] {
            let dir = root.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        // a label without its images
        try Data([0]).write(to: root.appendingPathComponent("label/x.png"))
        do {
            _ = try LEVIRCD(root: root.path)
            Issue.record("expected an error for a label without images")
        } catch let e as DatasetError {
            #expect(e.kind == .inconsistent && e.message.contains("x"))
        }
    }

    @Test func imageNetNormalizationChecksItsInput() throws {
        #expect(throws: TorchError.self) { try ImageNetNormalization.apply(Tensor.zeros([4, 8, 8])) }
        let white = try ImageNetNormalization.apply(Tensor.full([1, 3, 1, 1], 255))
        #expect(abs(try white.floats()[0] - (1 - 0.485) / 0.229) < 1e-6)
    }
}
