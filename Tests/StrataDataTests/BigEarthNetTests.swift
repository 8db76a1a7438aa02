import Foundation
import Testing
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport

@Suite(.enabled(if: SharedData.shouldRun)) struct BigEarthNetTests {
    var root: String { get throws { try SharedData.path("bigearthnet/BigEarthNet-S2-Example") } }
    let first = "S2A_MSIL2A_20170613T101031_87_48"

    @Test func readsPatchesOntoTheTenMetreGridWithMultiLabels() throws {
        let ds = try BigEarthNet(root: try root)
        #expect(ds.count == 6)
        #expect(ds.patches[0] == first)
        #expect(ds.bandNames == BigEarthNet.allBandNames)
        #expect(ds.classNames.count == 19 && ds.task == .multilabel)
        // "Non-irrigated arable land" (43: 11 → 19: 2) and "Land principally occupied by agriculture, with
        // significant areas of natural vegetation" (43: 20 → 19: 6).
        #expect(try ds.label(at: 0) == .multiple([2, 6]))
        #expect(try BigEarthNet(root: try root, classes: .classes43).label(at: 0) == .multiple([11, 20]))
        // "Coniferous forest", "Mixed forest", "Transitional woodland/shrub", "Peatbogs", "Water bodies".
        let i = ds.patches.firstIndex(of: "S2B_MSIL2A_20170924T93020_69_24")!
        #expect(try ds.label(at: i) == .multiple([9, 10, 13, 15, 17]))
        #expect(try BigEarthNet(root: try root, classes: .classes43).label(at: i) == .multiple([23, 24, 28, 34, 39]))

        let s = try ds.sample(at: 0)
        #expect(s.image.shape == [12, 120, 120] && s.image.dtype == .float32)
        #expect(s.crs?.epsg == 32633)
        #expect(s.bounds == BoundingBox(minX: 404400, minY: 5341200, maxX: 405600, maxY: 5342400))
        #expect(s.grid?.resolution.x == 10)
    }

    /// 20 m and 60 m bands come out as GDAL computes a bilinear RasterIO to 120 × 120 into Int32 — what rasterio's
    /// `read(out_shape=(120, 120), out_dtype='int32', resampling=bilinear)` does in TorchGeo — checked against
    /// gdal_translate -outsize 120 120 -r bilinear -ot Int32 of the same file; 10 m bands are the file's pixels.
    @Test func resamplingMatchesGDALsBilinearAndNearest() throws {
        let ds = try BigEarthNet(root: try root)
        let s = try ds.sample(at: 0).image
        for (c, band) in ds.bandNames.enumerated() {
            let path = ds.bandPath(patch: first, band: band)
            let oracle = try gdalPixels(path, Int32.self, extra: ["-outsize", "120", "120", "-r", "bilinear", "-ot", "Int32"])
            #expect(try s.select(dim: 0, index: c).floats() == oracle.map(Float.init), "band \(band)")
        }
        let b02 = try gdalPixels(ds.bandPath(patch: first, band: "B02"), UInt16.self)
        #expect(try s.select(dim: 0, index: 1).floats() == b02.map(Float.init))

        // Nearest: each 60 m pixel of B01 becomes a 6 × 6 block.
        let near = try BigEarthNet(root: try root, bands: ["B01", "B05"], resampling: .nearest)
        #expect(near.bandNames == ["B01", "B05"])
        let img = try near.sample(at: 0).image.floats()
        let b01 = try gdalPixels(ds.bandPath(patch: first, band: "B01"), UInt16.self)   // 20 × 20
        let b05 = try gdalPixels(ds.bandPath(patch: first, band: "B05"), UInt16.self)   // 60 × 60
        for y in stride(from: 0, to: 120, by: 7) {
            for x in stride(from: 0, to: 120, by: 5) {
                #expect(img[y * 120 + x] == Float(b01[(y / 6) * 20 + x / 6]))
                #expect(img[14400 + y * 120 + x] == Float(b05[(y / 2) * 60 + x / 2]))
            }
        }
    }

    @Test func splitFilesAndStratifiedSplit() throws {
        let tmp = try SharedData.tempDir("strata-ben")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let all = try BigEarthNet(root: try root)
        // Official CSV format (S2 name, S1 name); one listed patch is absent from this copy.
        let lines = all.patches.prefix(4).map { "\($0),S1_unused" } + ["S2A_MSIL2A_20990101T000000_1_1,S1_x"]
        try lines.joined(separator: "\n").write(to: tmp.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try all.patches[4].write(to: tmp.appendingPathComponent("val.csv"), atomically: true, encoding: .utf8)
        try all.patches[5].write(to: tmp.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        let train = try BigEarthNet(root: try root, split: .train, splitDirectory: tmp.path)
        #expect(train.patches == Array(all.patches.prefix(4)))
        #expect(train.missingFromSplit == 1)
        #expect(try BigEarthNet(root: try root, split: .test, splitDirectory: tmp.path).patches == [all.patches[5]])

        let f = try SplitFractions(train: 0.5, val: 0.5, test: 0)
        let a = try BigEarthNet(root: try root, split: .train, fractions: f, seed: 1)
        let b = try BigEarthNet(root: try root, split: .val, fractions: f, seed: 1)
        #expect(Set(a.patches).union(b.patches) == Set(all.patches))
        #expect(Set(a.patches).isDisjoint(with: b.patches))
        #expect(a.splitSource.contains("stratified"))
        #expect(try a.labels() == a.patches.map { p in try all.label(at: all.patches.firstIndex(of: p)!) })
    }

    @Test func loaderCollatesMultiHotLabelsAndGeoreferencing() throws {
        let ds = try BigEarthNet(root: try root, bands: ["B04", "B03", "B02"])
        let stream = try DataLoader(ds, batchSize: 4, workers: 2).epoch(0)
        let b = try #require(try stream.next())
        #expect(b.image.shape == [4, 3, 120, 120])
        #expect(b.label.shape == [4, 19] && b.label.dtype == .float32)
        #expect(Array(try b.label.floats().prefix(19)) == (0..<19).map { [2, 6].contains($0) ? 1 : 0 })
        #expect(b.crs.map { $0?.epsg } == [32633, 32629, 32629, 32629])
        #expect(b.grid(0)?.bounds.minX == 404400)
    }

    @Test func errors() throws {
        #expect {
            try BigEarthNet(root: "/nonexistent/ben")
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("zenodo.org/records/12687186") }
        // Sentinel-1 patch folders have label files but no Sentinel-2 bands: not BigEarthNet-S2.
        #expect(throws: DatasetError.self) { try BigEarthNet(root: try SharedData.path("bigearthnet/BigEarthNet-S1-Example")) }
        #expect {
            try BigEarthNet(root: try root, bands: ["B10"])
        } throws: { e in (e as? DatasetError)?.kind == .invalidArgument && "\(e)".contains("B8A") }

        // A patch with an unknown label and one with a missing band.
        let tmp = try SharedData.tempDir("strata-ben-bad")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let src = try root + "/" + first
        let dst = tmp.appendingPathComponent(first)
        try FileManager.default.createDirectory(at: dst, withIntermediateDirectories: true)
        for band in BigEarthNet.allBandNames where band != "B09" {
            try symlink("\(src)/\(first)_\(band).tif", at: dst.appendingPathComponent("\(first)_\(band).tif"))
        }
        try #"{"labels": ["Pastures"]}"#.write(to: dst.appendingPathComponent("\(first)_labels_metadata.json"), atomically: true, encoding: .utf8)
        let ds = try BigEarthNet(root: tmp.path)
        #expect(try ds.label(at: 0) == .multiple([4]))
        #expect {
            try ds.sample(at: 0)
        } throws: { e in (e as? DatasetError)?.kind == .badFile && "\(e)".contains("B09") && "\(e)".contains(first) }
        try #"{"labels": ["Lunar regolith"]}"#.write(to: dst.appendingPathComponent("\(first)_labels_metadata.json"), atomically: true, encoding: .utf8)
        #expect {
            try BigEarthNet(root: tmp.path).label(at: 0)
        } throws: { e in (e as? DatasetError)?.kind == .badFile && "\(e)".contains("Lunar regolith") }
    }
}
