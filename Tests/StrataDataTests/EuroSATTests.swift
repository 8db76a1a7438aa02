import Foundation
import Testing
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport

@Suite(.enabled(if: SharedData.shouldRun)) struct EuroSATTests {
    var root: String { get throws { try SharedData.path("eurosat-ms/eurosat") } }

    /// labels.csv: path → class index, as published with the tiles.
    func publishedLabels() throws -> [String: Int] {
        let text = try String(contentsOfFile: try SharedData.path("eurosat-ms/labels.csv"), encoding: .utf8)
        var out: [String: Int] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            out[(String(f[0]) as NSString).lastPathComponent] = Int(f[1])!
        }
        return out
    }

    @Test func readsTheThirteenBandTreeWithLabelsAndGeoreferencing() throws {
        let ds = try EuroSAT(root: try root)
        #expect(ds.count == 200)
        #expect(ds.variant == .multispectral)
        #expect(ds.classNames.count == 10)
        #expect(ds.bandNames == EuroSAT.allBandNames)
        #expect(try ds.classCounts() == Array(repeating: 20, count: 10))
        // Every label agrees with the published labels.csv.
        let published = try publishedLabels()
        for i in 0..<ds.count {
            #expect(try ds.label(at: i) == .single(published[(ds.files[i] as NSString).lastPathComponent]!))
        }
        let s = try ds.sample(at: 0)
        #expect(s.id.hasSuffix("AnnualCrop/AnnualCrop_1.tif"))
        #expect(s.image.shape == [13, 64, 64])
        #expect(s.image.dtype == .float32)
        #expect(s.crs?.epsg.map { (32601...32660).contains($0) } == true)
        // gdalinfo: origin (624602.234844329184853, 4877286.033637000247836), pixel 10.00570688714736 × 9.994088099999352
        let b = try #require(s.bounds)
        #expect(abs(b.minX - 624602.234844329184853) < 1e-6 && abs(b.maxY - 4877286.033637000247836) < 1e-6)
        #expect(abs(b.width - 64 * 10.00570688714736) < 1e-6 && abs(b.height - 64 * 9.994088099999352) < 1e-6)
        // The CRS is resolved on first use and equals the file's.
        #expect(s.crs == (try Raster(path: s.id)).crs)
        #expect(s.grid?.width == 64)
        // Pixels equal GDAL's own gdal_translate of the file (UInt16 digital numbers).
        let raw = try gdalPixels(s.id, UInt16.self)
        #expect(try s.image.floats() == raw.map(Float.init))
    }

    @Test func selectsBandsByName() throws {
        let all = try EuroSAT(root: try root)
        let rgb = try EuroSAT(root: try root, bands: ["B04", "b03", "B02", "B8A"])
        #expect(rgb.bandNames == ["B04", "B03", "B02", "B8A"])
        #expect(rgb.bandIndices == [4, 3, 2, 13])
        let a = try all.sample(at: 57).image, b = try rgb.sample(at: 57).image
        #expect(try b.floats() == (try a.indexSelect(dim: 0, index: Tensor([3, 2, 1, 12])).floats()))
        #expect {
            try EuroSAT(root: try root, bands: ["B04", "B13"])
        } throws: { e in
            let s = "\(e)"
            return (e as? DatasetError)?.kind == .invalidArgument && s.contains("B13") && s.contains("B8A")
        }
    }

    @Test func seededStratifiedSplitWhenNoSplitFiles() throws {
        let f = try SplitFractions(train: 0.75, val: 0.25, test: 0)
        let train = try EuroSAT(root: try root, split: .train, fractions: f, seed: 5)
        let val = try EuroSAT(root: try root, split: .val, fractions: f, seed: 5)
        let test = try EuroSAT(root: try root, split: .test, fractions: f, seed: 5)
        #expect(train.count == 150 && val.count == 50 && test.count == 0)
        #expect(try train.classCounts() == Array(repeating: 15, count: 10))
        #expect(try val.classCounts() == Array(repeating: 5, count: 10))
        #expect(Set(train.files).isDisjoint(with: val.files))
        #expect(train.splitSource.contains("stratified"))
        #expect(try EuroSAT(root: try root, split: .val, fractions: f, seed: 5).files == val.files)
        #expect(try EuroSAT(root: try root, split: .val, fractions: f, seed: 6).files != val.files)
    }

    @Test func officialNestedLayoutAndSplitFiles() throws {
        let tmp = try SharedData.tempDir("strata-eurosat")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try symlink(try root, at: tmp.appendingPathComponent("ds/images/remote_sensing/otherDatasets/sentinel_2/tif"))
        // Split files as TorchGeo's (file names, here with the RGB release's .jpg extension): every 4th tile to val.
        let all = try EuroSAT(root: tmp.path)
        #expect(all.count == 200)
        #expect(all.imageFolder.hasSuffix("sentinel_2/tif"))
        var train = "", val = ""
        for (i, f) in all.files.enumerated() {
            let name = ((f as NSString).lastPathComponent as NSString).deletingPathExtension + ".jpg\n"
            if i % 4 == 3 { val += name } else { train += name }
        }
        try train.write(to: tmp.appendingPathComponent("eurosat-train.txt"), atomically: true, encoding: .utf8)
        try val.write(to: tmp.appendingPathComponent("eurosat-val.txt"), atomically: true, encoding: .utf8)
        let t = try EuroSAT(root: tmp.path, split: .train)
        let v = try EuroSAT(root: tmp.path, split: .val)
        #expect(t.count == 150 && v.count == 50)
        #expect(v.files == all.files.enumerated().filter { $0.offset % 4 == 3 }.map(\.element))
        #expect(v.splitSource.contains("eurosat-val.txt"))
        // Split files present but not the one asked for: a clear error, not a silent fallback.
        #expect {
            try EuroSAT(root: tmp.path, split: .test)
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("eurosat-test.txt") }
    }

    @Test func rgbVariantFromPNGMatchesTheMultispectralTiles() throws {
        let rgbRoot = try SharedData.path("eurosat-ms/derived_rgb_png")
        let rgb = try EuroSAT(root: rgbRoot)
        let ms = try EuroSAT(root: try root, bands: ["B04", "B03", "B02"])
        #expect(rgb.variant == .rgb)
        #expect(rgb.count == 200 && rgb.bandNames == ["red", "green", "blue"])
        // The PNGs were made as floor(min(255, DN × 255 / 2750)) of B04, B03, B02: chip i of both is the same tile.
        for i in [0, 61, 199] {
            let a = try rgb.sample(at: i), b = try ms.sample(at: i)
            #expect(a.image.shape == [3, 64, 64])
            #expect(a.crs == nil && a.bounds == nil)
            #expect(a.label == b.label)
            let expected = try b.image.floats().map { Float(min(255, ($0 * 255 / 2750).rounded(.down))) }
            #expect(try a.image.floats() == expected)
        }
    }

    @Test func rgbVariantReadsJPEGThroughGDAL() throws {
        let tmp = try SharedData.tempDir("strata-eurosat-jpg")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let png = try SharedData.path("eurosat-ms/derived_rgb_png/River/River_3.png")
        let jpg = tmp.appendingPathComponent("2750/River/River_3.jpg")
        try FileManager.default.createDirectory(at: jpg.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(try runTool(["gdal_translate", "-q", "-of", "JPEG", "-co", "QUALITY=95", png, jpg.path]).status == 0)
        let ds = try EuroSAT(root: tmp.path)
        #expect(ds.variant == .rgb && ds.count == 1 && ds.imageFolder.hasSuffix("2750"))
        let s = try ds.sample(at: 0)
        #expect(s.label == .single(EuroSAT.classNames.firstIndex(of: "River")!))
        let a = try s.image.floats(), b = try EuroSAT(root: try SharedData.path("eurosat-ms/derived_rgb_png")).sample(at: 8 * 20 + 2).image.floats()
        #expect(a.count == b.count)
        let meanError = zip(a, b).map { abs($0 - $1) }.reduce(0, +) / Float(a.count)
        #expect(meanError < 3)   // lossy JPEG of the same image
    }

    @Test func errorsNameTheProblemAndTheFix() throws {
        #expect {
            try EuroSAT(root: "/nonexistent/eurosat")
        } throws: { e in
            let s = "\(e)"
            return (e as? DatasetError)?.kind == .notFound && s.contains("/nonexistent/eurosat") && s.contains("zenodo.org")
        }
        let tmp = try SharedData.tempDir("strata-eurosat-bad")
        defer { try? FileManager.default.removeItem(at: tmp) }
        #expect {
            try EuroSAT(root: tmp.path)
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("<Class>_<n>.tif") }
        // A truncated tile: the read names the file and carries GDAL's message.
        let good = try SharedData.path("eurosat-ms/eurosat/Forest/Forest_1.tif")
        let bad = tmp.appendingPathComponent("Forest/Forest_1.tif")
        try FileManager.default.createDirectory(at: bad.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(try Data(contentsOf: URL(fileURLWithPath: good)).prefix(3000)).write(to: bad)
        let ds = try EuroSAT(root: tmp.path)
        #expect {
            try ds.sample(at: 0)
        } throws: { e in (e as? DatasetError)?.kind == .badFile && "\(e)".contains(bad.path) }
        #expect(throws: DatasetError.self) { try ds.sample(at: 1) }
    }

    @Test func loaderBatchesAreIdenticalAcrossWorkerCountsAndCarryCRS() throws {
        let ds = try EuroSAT(root: try root, split: .train, fractions: try SplitFractions(train: 0.75, val: 0.25, test: 0))
        func epoch(_ workers: Int) throws -> [(ids: [String], image: [Float], label: [Int])] {
            var out: [(ids: [String], image: [Float], label: [Int])] = []
            try DataLoader(ds, batchSize: 32, shuffle: true, dropLast: true, workers: workers, seed: 11).forEachBatch(epoch: 2) { (b: ChipBatch) throws in
                #expect(b.image.shape == [32, 13, 64, 64])
                #expect(b.label.shape == [32] && b.label.dtype == .int64)
                #expect(b.crs.allSatisfy { $0 != nil } && b.bounds.allSatisfy { $0 != nil })
                out.append((b.ids, try b.image.floats(), try b.label.ints()))
            }
            return out
        }
        let a = try epoch(0), b = try epoch(4)
        // With an augmentation pipeline run in the workers: still identical across worker counts.
        let pipeline = Compose([try Normalize(mean: Array(repeating: 1000, count: 13), std: Array(repeating: 500, count: 13)),
                                try RandomHorizontalFlip(p: 0.5), try RandomVerticalFlip(p: 0.5), RandomRot90()])
        func augmented(_ workers: Int) throws -> [[Float]] {
            var out: [[Float]] = []
            let run: ChipBatchTransform = { b, seed in
                var rng = TransformRNG(seed: seed)
                let t = try pipeline.apply(try TransformBatch(image: b.image, mask: b.mask, bandNames: b.bandNames), rng: &rng)
                var out = b
                out.image = t.image
                return out
            }
            try DataLoader(ds, batchSize: 16, shuffle: true, workers: workers, seed: 3, batchTransform: run).forEachBatch(epoch: 1) { (b: ChipBatch) throws in
                #expect(b.bandNames == EuroSAT.allBandNames)
                out.append(try b.image.floats())
            }
            return out
        }
        let plain = try DataLoader(ds, batchSize: 16, shuffle: true, workers: 0, seed: 3).epoch(1)
        let first = try #require(try plain.next())
        let aug0 = try augmented(0)
        #expect(try augmented(3) == aug0)
        // The pipeline ran: normalised values, and some chips flipped or rotated relative to the plain read.
        let normalised = try first.image.floats().map { ($0 - 1000) / 500 }
        #expect(aug0[0] != normalised)
        #expect(Set(aug0[0].map { ($0 * 1000).rounded() }) == Set(normalised.map { ($0 * 1000).rounded() }))
        #expect(a.count == 4)
        #expect(a.map(\.ids) == b.map(\.ids))
        #expect(a.map(\.label) == b.map(\.label))
        #expect(a.map(\.image) == b.map(\.image))
    }
}
