import Foundation
import Testing
import StrataData
import StrataTensor
import StrataTestSupport

/// So2Sat on small synthetic files in the real layout (scripts/fixtures/so2sat.py): no real So2Sat .h5 is available.
@Suite struct So2SatTests {
    let root = SharedData.fixtures("StrataDataTests").appendingPathComponent("so2sat").path

    /// The fixture's formula: sen1 channel c → offset c, sen2 channel c → offset 10 + c.
    func expected(row: Int, offsets: [Int]) -> [Float] {
        offsets.flatMap { o in (0..<32).flatMap { y in (0..<32).map { x in Float(row * 100000 + o * 1000 + y * 32 + x) } } }
    }

    @Test func readsRowsChannelsFirstWithLabels() throws {
        let train = try So2Sat(root: root, split: .train)
        #expect(train.count == 34)
        #expect(train.bandNames == So2Sat.sen2BandNames)
        #expect(train.classNames.count == 17)
        #expect(train.splitSource.contains("training.h5"))
        #expect(try train.classCounts() == Array(repeating: 2, count: 17))
        let s = try train.sample(at: 20)
        #expect(s.image.shape == [10, 32, 32])
        #expect(s.image.dtype == .float32)
        #expect(s.label == .single(20 % 17))
        #expect(s.id.hasSuffix("training.h5#20"))
        #expect(try s.image.floats() == expected(row: 20, offsets: Array(10..<20)))
        #expect(s.crs == nil)

        let val = try So2Sat(root: root, split: .val), test = try So2Sat(root: root, split: .test)
        #expect(val.count == 17 && test.count == 17)
        #expect(try test.label(at: 3) == .single(13))
        #expect(try test.sample(at: 3).image.floats() == expected(row: 3, offsets: Array(10..<20)))
    }

    @Test func selectsAndInterleavesSentinel1And2BandsByName() throws {
        let ds = try So2Sat(root: root, split: .val, bands: ["B04", "VV_real", "B02", "VH_lee"])
        #expect(ds.bandNames == ["B04", "VV_real", "B02", "VH_lee"])
        // B04 = sen2 channel 2, VV_real = sen1 channel 2, B02 = sen2 channel 0, VH_lee = sen1 channel 4.
        #expect(try ds.sample(at: 5).image.floats() == expected(row: 5, offsets: [12, 2, 10, 4]))
        let s1 = try So2Sat(root: root, split: .val, bands: So2Sat.sen1BandNames)
        #expect(try s1.sample(at: 1).image.floats() == expected(row: 1, offsets: Array(0..<8)))
        #expect {
            try So2Sat(root: root, bands: ["B01"])
        } throws: { e in (e as? DatasetError)?.kind == .invalidArgument && "\(e)".contains("B8A") }
    }

    @Test func version3LayoutSplitsValidationFromTraining() throws {
        let tmp = try SharedData.tempDir("strata-so2sat")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try symlink("\(root)/training.h5", at: tmp.appendingPathComponent("culture_10/training.h5"))
        try symlink("\(root)/testing.h5", at: tmp.appendingPathComponent("culture_10/testing.h5"))
        let train = try So2Sat(root: tmp.path, split: .train, version: .v3Culture10, valFraction: 0.5, seed: 2)
        let val = try So2Sat(root: tmp.path, split: .val, version: .v3Culture10, valFraction: 0.5, seed: 2)
        let test = try So2Sat(root: tmp.path, split: .test, version: .v3Culture10)
        #expect(train.count == 17 && val.count == 17 && test.count == 17)
        #expect(Set(train.rows).isDisjoint(with: val.rows))
        #expect(try val.classCounts() == Array(repeating: 1, count: 17))
        // Samples come from the rows chosen.
        #expect(try val.sample(at: 4).image.floats() == expected(row: val.rows[4], offsets: Array(10..<20)))
        #expect {
            try So2Sat(root: tmp.path, split: .train, version: .v3Random)
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("mediatum") }
    }

    @Test func singleFileGetsASeededStratifiedSplit() throws {
        let f = try SplitFractions(train: 0.5, val: 0.5, test: 0)
        let a = try So2Sat(root: "\(root)/training.h5", split: .train, fractions: f, seed: 9)
        let b = try So2Sat(root: "\(root)/training.h5", split: .val, fractions: f, seed: 9)
        #expect(a.count == 17 && b.count == 17)
        #expect(Set(a.rows).union(b.rows) == Set(0..<34))
        #expect(try a.classCounts() == Array(repeating: 1, count: 17))
        #expect(a.rows == (try So2Sat(root: "\(root)/training.h5", split: .train, fractions: f, seed: 9)).rows)
    }

    @Test func missingAndMalformedFilesAreClearErrors() throws {
        #expect {
            try So2Sat(root: "/nonexistent/so2sat")
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("mediatum.ub.tum.de/1483140") }
        let tmp = try SharedData.tempDir("strata-so2sat-missing")
        defer { try? FileManager.default.removeItem(at: tmp) }
        #expect {
            try So2Sat(root: tmp.path, split: .val)
        } throws: { e in (e as? DatasetError)?.kind == .notFound && "\(e)".contains("validation.h5") }
        #expect {
            try So2Sat(root: "\(root)/bad_layout.h5")
        } throws: { e in (e as? DatasetError)?.kind == .badFile && "\(e)".contains("[2, 32, 32, 10]") }
        let notH5 = tmp.appendingPathComponent("training.h5")
        try Data("not hdf5".utf8).write(to: notH5)
        #expect {
            try So2Sat(root: tmp.path)
        } throws: { e in (e as? DatasetError)?.kind == .badFile && "\(e)".contains("not an HDF5 file") }
    }

    @Test func loaderBatchesSo2Sat() throws {
        let ds = try So2Sat(root: root, split: .train)
        let batches = try DataLoader(ds, batchSize: 8, shuffle: true, workers: 3, seed: 1)
        var seen: [Int] = []
        try batches.forEachBatch(epoch: 0) { (b: ChipBatch) throws in
            #expect(b.image.shape[1...] == [10, 32, 32])
            #expect(try b.label.ints() == b.indices.map { $0 % 17 })
            seen += b.indices
        }
        #expect(seen.sorted() == Array(0..<34))
    }
}
