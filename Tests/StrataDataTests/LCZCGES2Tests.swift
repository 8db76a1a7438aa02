import Foundation
import Testing
@testable import StrataData
import StrataTensor
import StrataTestSupport

/// LCZC-GES2 on a small copy of the layout written by NumPy and pickle (scripts/fixtures/lczc_ges2.py): values are
/// recomputed here from the script's formulas.
@Suite struct LCZCGES2Tests {
    let root = SharedData.fixtures("StrataDataTests").appendingPathComponent("lczc-ges2").path
    static func label(_ i: Int) -> Int { (5 * i) % 17 }  // file label 1 + (5i) % 17, 0-based here

    @Test func splitsLabelsChipsAndGraphs() throws {
        // Sample 4 is in the train list but has no files: an error naming it, unless skipped.
        do {
            _ = try LCZCGES2(root: root, split: .train)
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.message.contains("sample 4") && e.message.contains("skip_missing"))
        }
        let train = try LCZCGES2(root: root, split: .train, skipMissing: true)
        #expect(train.sampleNumbers == [0, 1, 2, 3, 5] && train.skipped == [4])
        #expect(try train.labels() == [0, 1, 2, 3, 5].map { .single(Self.label($0)) })
        let val = try LCZCGES2(root: root, split: .val), test = try LCZCGES2(root: root, split: .test)
        #expect(val.sampleNumbers == [6, 7] && test.sampleNumbers == [8, 9])
        #expect(try LCZCGES2(root: root, split: .all, skipMissing: true).count == 9)

        let s = try val.sample(at: 1)  // sample 7
        #expect(s.image.shape == [10, 32, 32] && s.image.dtype == .float32 && s.label == .single(Self.label(7)))
        let px = try s.image.doubles()
        for (c, h, w) in [(0, 0, 0), (9, 31, 31), (3, 5, 17)] {
            let want = 7 + Double(h) / 32 + Double(w) / 1024 + Double(c) / 10
            #expect(abs(px[c * 1024 + h * 32 + w] - want) < 1e-5)
        }
        let g = try #require(s.graph)
        // 2 + 7 % 4 = 5 nodes, centres (k % 3, 0): nodes 0–3 and 1–4 coincide, so they have no edge.
        #expect(g.nodeCount == 5 && g.label == Self.label(7))
        let x = try g.x.doubles()
        #expect(abs(x[2 * 5 + 3] - (0.7 + 2 + 0.6)) < 1e-6)
        let a = try g.adjacency.doubles()
        let centres = (0..<5).map { $0 % 3 }
        let degree = centres.map { c in centres.filter { $0 != c }.count }
        for i in 0..<5 { for j in 0..<5 {
            let want = centres[i] == centres[j] ? 0 : 1 / (Double(degree[i] * degree[j])).squareRoot()
            #expect(abs(a[i * 5 + j] - want) < 1e-6, "Â[\(i), \(j)]")
        } }
        // Band selection picks channels.
        let two = try LCZCGES2(root: root, split: .test, bands: ["B8A", "B02"])
        let t = try two.sample(at: 0).image.doubles()
        #expect(two.bandNames == ["B8A", "B02"] && abs(t[0] - (8 + 0.7)) < 1e-5 && abs(t[1024] - 8) < 1e-5)
    }

    @Test func batchesCarryTheGraphs() throws {
        var options = DatasetOptions(split: .train)
        options.skipMissing = true
        let ds = try Datasets.open("lczc-ges2", root: root, options: options)
        let loader = try DataLoader(ds, batchSize: 3, workers: 0)
        var seen: [[Int]] = []
        try loader.forEachBatch(epoch: 0) { b in
            let g = try #require(b.graph)
            #expect(g.graphCount == b.count && b.image.shape == [b.count, 10, 32, 32])
            seen.append(g.nodeCounts)
        }
        #expect(seen == [[2, 3, 4], [5, 3]])  // samples 0, 1, 2 | 3, 5: n = 2 + i % 4
        #expect(Datasets.detect(root).map(\.name) == ["lczc-ges2"])
    }

    @Test func badLayoutsAreNamed() throws {
        do {
            _ = try LCZCGES2(root: root + "/sen2_img_patches")
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.message.contains("gg_nodes_refine") && e.message.contains("DF4LCZ"))
        }
        do {
            _ = try LCZCGES2(root: root, partition: "nope.npz")
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.message.contains("data.partition"))
        }
    }
}
