import Foundation
import Testing
import StrataTensor
import StrataTestSupport
import StrataGeo
@testable import StrataData

/// OSCD Paris cut into 2-date series chips labelled unchanged / changed, against an independent reading: the
/// derived 13-band stacks of both dates and the `cm` label file (1 = no change, 2 = change) read through GDAL, the
/// fraction of change pixels of each chip counted here in plain Swift.
@Suite struct ChangedChipSeriesTests {
    @Test(.enabled(if: SharedData.shouldRun)) func parisChipsMatchTheStacksAndTheChangeMap() throws {
        let oscd = try OSCD(root: SharedData.path("oscd"), cities: ["paris"])
        let s = 64, threshold = 0.02
        let ds = try ChangedChipSeries(oscd, chipSize: s, changedFraction: threshold)
        // Paris is 390 × 408: 6 × 6 whole chips of 64 (the remainders of 6 and 24 px are not used).
        #expect(ds.count == 36 && ds.task == .classification && ds.classNames == ["unchanged", "changed"])
        #expect(ds.bandNames.count == 26 && ds.bandNames[0] == "B01@1" && ds.bandNames[13] == "B01@2")

        let cm = try OSCDTests.readAll(SharedData.path("oscd/train_labels/paris/cm/paris-cm.tif"))
            .to(.int64).toArray(Int64.self)
        let width = 390
        let t1 = try OSCDTests.derived("paris_t1"), t2 = try OSCDTests.derived("paris_t2")
        var changed = 0
        for i in 0..<ds.count {
            let c = ds.chips[i]
            var n = 0, k = 0
            for y in c.y..<(c.y + s) { for x in c.x..<(c.x + s) { n += 1; if cm[y * width + x] == 2 { k += 1 } } }
            let expected = Double(k) / Double(n) > threshold
            #expect(c.changed == expected && abs(c.fraction - Double(k) / Double(n)) < 1e-12, "chip \(ds.id(at: i))")
            #expect(try ds.label(at: i) == .single(expected ? 1 : 0))
            if expected { changed += 1 }
            let sample = try ds.sample(at: i)
            #expect(sample.image.shape == [26, s, s])
            func crop(_ t: Tensor) throws -> Tensor {
                try t.narrow(dim: 1, start: c.y, length: s).narrow(dim: 2, start: c.x, length: s)
            }
            #expect(try sample.image.equal(Tensor.cat([crop(t1), crop(t2)], dim: 0)), "pixels of \(ds.id(at: i))")
        }
        // Both classes occur (the set is a real two-class problem at this threshold).
        #expect(changed > 0 && changed < ds.count, "\(changed) of \(ds.count) chips changed")
        // The last chip's georeference: its window of the city's grid.
        let last = try #require(try ds.sample(at: ds.count - 1).georeference)
        let city = try #require(try oscd.sample(at: 0).georeference)
        let px = city.bounds.width / 390
        #expect(abs(last.bounds.minX - (city.bounds.minX + 320 * px)) < px * 1e-6)
        #expect(abs(last.bounds.width - 64 * px) < px * 1e-6)
        #expect(throws: DatasetError.self) { try ChangedChipSeries(oscd, chipSize: 64, changedFraction: 1) }
    }
}
