import Foundation
import Testing
import StrataTensor
@testable import StrataData

/// `ChangePairChips` with and without its cache: the cached stacked chip is what an uncached read gives (values,
/// padding, mask), repeats of a pair reuse the cached tensors instead of stacking the whole pair again, the cached
/// pair's dates are views of the stacked chip (held once), and pair-consistent crops through the `DataLoader` are
/// identical either way.
@Suite struct ChangePairChipsTests {
    /// Two pairs of odd sizes (so padding to 8 applies), counting their reads.
    final class Pairs: ChangeChipDataset, @unchecked Sendable {
        var reads = 0
        var count: Int { 2 }
        var bandNames: [String] { ["b1", "b2", "b3"] }
        func id(at index: Int) -> String { "pair\(index)" }
        func sample(at index: Int) throws -> ChangeSample {
            reads += 1
            let h = 13 + index, w = 11
            let a = try Tensor.arange(0, Double(3 * h * w), step: 1).reshape([3, h, w]).to(.float32) + Double(index)
            let change = try a.select(dim: 0, index: 0).remainder(5).eq(0).to(.int64)
            return ChangeSample(imageA: a, imageB: try a * 2 + 7, change: change, bandNames: bandNames, index: index,
                                id: id(at: index))
        }
    }

    static func same(_ x: Tensor, _ y: Tensor) throws -> Bool {
        guard x.shape == y.shape, x.dtype == y.dtype else { return false }
        return try (x.to(.float64) - y.to(.float64)).abs().max().item() == 0
    }

    @Test func cachedChipsEqualUncachedOnesAndAreReused() throws {
        let base = Pairs()
        let plain = try ChangePairChips(Pairs(), repeats: 3, padTo: 8)
        let cached = try ChangePairChips(base, repeats: 3, padTo: 8, cache: true)
        for i in 0..<cached.count {
            let a = try plain.sample(at: i), b = try cached.sample(at: i)
            #expect(b.index == i && b.id == a.id && b.image.shape == [6, 16, 16])
            #expect(try Self.same(a.image, b.image))
            #expect(try Self.same(try #require(a.mask), try #require(b.mask)))
        }
        #expect(base.reads == 2, "each pair read once, got \(base.reads) reads")
        // Repeats of a pair hand out the cached tensors themselves (no new stacking of the whole pair).
        let first = try cached.sample(at: 0).image.dataPointer, third = try cached.sample(at: 2).image.dataPointer
        #expect(first == third)
        // The cached pair's dates are views into the stacked chip, with the values the dataset gave.
        let p = try cached.pair(at: 1), fresh = try Pairs().sample(at: 1)
        let stackedOne = try cached.sample(at: 1).image.dataPointer
        #expect(p.imageA.dataPointer == stackedOne)
        #expect(try Self.same(p.imageA, fresh.imageA))
        #expect(try Self.same(p.imageB, fresh.imageB))
        #expect(try Self.same(p.change, fresh.change))
    }

    @Test func loaderCropsAreTheSameWithTheCache() throws {
        let crop = try PairAugmentation(crop: 8).chipTransform(channelsPerDate: 3)
        func batches(_ cache: Bool) throws -> [ChipBatch] {
            let chips = try ChangePairChips(Pairs(), repeats: 4, cache: cache)
            let loader = try DataLoader(chips, batchSize: 4, shuffle: true, workers: 2, seed: 5, transform: crop)
            var out: [ChipBatch] = []
            for epoch in 1...2 { try loader.forEachBatch(epoch: epoch) { out.append($0) } }
            return out
        }
        let a = try batches(false), b = try batches(true)
        #expect(a.count == 4 && b.count == 4)
        for (x, y) in zip(a, b) {
            #expect(try Self.same(x.image, y.image))
            #expect(try Self.same(x.label, y.label))
        }
    }
}
