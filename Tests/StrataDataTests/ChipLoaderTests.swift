import Foundation
import Testing
import StrataData
import StrataTensor

@Suite struct ChipLoaderTests {
    /// Everything observable about an epoch: chip ids per batch, images and labels.
    func fingerprint(_ loader: DataLoader, epoch: Int) throws -> (ids: [[String]], images: [[Float]], labels: [[Float]]) {
        var ids: [[String]] = [], images: [[Float]] = [], labels: [[Float]] = []
        try loader.forEachBatch(epoch: epoch) { b in
            ids.append(b.ids)
            images.append(try b.image.floats())
            labels.append(try b.label.floats())
        }
        return (ids, images, labels)
    }

    @Test func orderIsFixedBySeedAndEpochWhateverTheWorkerCount() throws {
        let ds = CountingChips(count: 37)
        let reference = try fingerprint(try DataLoader(ds, batchSize: 5, shuffle: true, workers: 0, seed: 7), epoch: 3)
        for workers in [1, 3, 8] {
            let l = try DataLoader(ds, batchSize: 5, shuffle: true, workers: workers, prefetch: 2, seed: 7)
            let f = try fingerprint(l, epoch: 3)
            #expect(f.ids == reference.ids, "workers \(workers)")
            #expect(f.images == reference.images, "workers \(workers)")
            #expect(f.labels == reference.labels, "workers \(workers)")
        }
        // The order is what batchIndices promises, a permutation of every chip, and it changes with epoch and seed.
        let l = try DataLoader(ds, batchSize: 5, shuffle: true, workers: 2, seed: 7)
        #expect(reference.ids == l.batchIndices(epoch: 3).map { $0.map { "chip\($0)" } })
        #expect(Set(reference.ids.flatMap { $0 }).count == 37)
        #expect(l.order(epoch: 3) != l.order(epoch: 4))
        #expect(l.order(epoch: 3) != (try DataLoader(ds, batchSize: 5, shuffle: true, seed: 8)).order(epoch: 3))
        #expect(l.order(epoch: 3) == (try DataLoader(ds, batchSize: 5, shuffle: true, workers: 5, seed: 7)).order(epoch: 3))
        // Without shuffle: index order.
        #expect(try DataLoader(ds, batchSize: 5).order(epoch: 9) == Array(0..<37))
    }

    @Test func collatesImagesLabelsAndGeoreferencing() throws {
        let ds = CountingChips(count: 10, classes: 4, channels: 3, size: 4)
        let stream = try DataLoader(ds, batchSize: 4, workers: 2).epoch(0)
        let b = try #require(try stream.next())
        #expect(b.image.shape == [4, 3, 4, 4])
        #expect(b.image.dtype == .float32)
        #expect(b.label.shape == [4])
        #expect(b.label.dtype == .int64)
        #expect(try b.label.ints() == [0, 1, 2, 3])
        let img = try b.image.floats()
        #expect(img[0] == 0 && img[16] == 0.01 && img[48] == 1)   // chip 0 channel 0, chip 0 channel 1, chip 1
        #expect(b.indices == [0, 1, 2, 3])
        #expect(b.crs.allSatisfy { $0?.epsg == 32632 })
        #expect(b.bounds[2]?.minX == 2)
        let g = try #require(b.grid(2))
        #expect(g.width == 4 && g.resolution.x == 10)
        #expect(b.bandNames == ["b0", "b1", "b2"])

        let ml = CountingChips(count: 6, classes: 5, task: .multilabel)
        let mb = try #require(try DataLoader(ml, batchSize: 6, workers: 0).epoch(0).next())
        #expect(mb.label.shape == [6, 5])
        #expect(mb.label.dtype == .float32)
        #expect(Array(try mb.label.floats().prefix(10)) == [1, 0, 1, 0, 0, 0, 1, 0, 1, 0])
    }

    @Test func dropLastAndCounts() throws {
        let ds = CountingChips(count: 10)
        let keep = try DataLoader(ds, batchSize: 4, workers: 2)
        #expect(keep.batchCount == 3 && keep.sampleCount == 10)
        #expect(try fingerprint(keep, epoch: 0).ids.map(\.count) == [4, 4, 2])
        let drop = try DataLoader(ds, batchSize: 4, shuffle: true, dropLast: true, workers: 2)
        #expect(drop.batchCount == 2 && drop.sampleCount == 8)
        #expect(try fingerprint(drop, epoch: 1).ids.map(\.count) == [4, 4])
        #expect(try DataLoader(ds, batchSize: 32, dropLast: true).batchCount == 0)
        #expect(try fingerprint(try DataLoader(ds, batchSize: 32, dropLast: true, workers: 2), epoch: 0).ids.isEmpty)
    }

    @Test func transformsAreSeededPerSampleAndPerBatch() throws {
        let ds = CountingChips(count: 20)
        // Adds a value drawn from the per-sample seed; the batch transform adds one drawn from the batch seed.
        let noise: ChipTransform = { s, seed in
            var g = ChipRandom.Generator(seed: seed)
            var out = s
            out.image = try s.image + Double(g.below(1000))
            return out
        }
        let shift: ChipBatchTransform = { b, seed in
            var g = ChipRandom.Generator(seed: seed)
            var out = b
            out.image = try b.image + Double(g.below(1000) * 1000)
            return out
        }
        func run(_ workers: Int, epoch: Int) throws -> [[Float]] {
            try fingerprint(try DataLoader(ds, batchSize: 3, shuffle: true, workers: workers, seed: 1, transform: noise,
                                           batchTransform: shift), epoch: epoch).images
        }
        let a = try run(0, epoch: 0)
        #expect(try run(4, epoch: 0) == a)
        #expect(try run(2, epoch: 1) != a)
        // The per-sample draw depends on (seed, epoch, index) only, so it is recomputable outside the loader.
        let loader = try DataLoader(ds, batchSize: 3, shuffle: true, workers: 0, seed: 1, transform: noise, batchTransform: shift)
        let first = loader.batchIndices(epoch: 0)[0][0]
        var gs = ChipRandom.Generator(seed: ChipRandom.sampleSeed(seed: 1, epoch: 0, index: first))
        var gb = ChipRandom.Generator(seed: ChipRandom.batchSeed(seed: 1, epoch: 0, batch: 0))
        #expect(a[0][0] == Float(first) + Float(gs.below(1000)) + Float(gb.below(1000) * 1000))
    }

    @Test func prefetchIsBounded() throws {
        let ds = CountingChips(count: 200)
        let loader = try DataLoader(ds, batchSize: 4, workers: 3, prefetch: 1)
        let stream = loader.epoch(0)
        _ = try stream.next()
        usleep(300_000)
        // 1 batch taken + at most workers × prefetch = 3 batches claimed ahead.
        #expect(ds.reads <= 4 * 4)
        #expect(stream.readyOrInFlight <= 3)
        stream.cancel()
        #expect(try stream.next() == nil)
    }

    @Test func readErrorSurfacesAtItsBatch() throws {
        let ds = CountingChips(count: 12, failAt: 9)
        let stream = try DataLoader(ds, batchSize: 4, workers: 3).epoch(0)
        #expect(try stream.next()?.indices == [0, 1, 2, 3])
        #expect(try stream.next()?.indices == [4, 5, 6, 7])
        #expect {
            try stream.next()
        } throws: { e in
            (e as? DatasetError)?.kind == .badFile && "\(e)".contains("chip9")
        }
    }

    @Test func mismatchedChipsAndBadOptionsAreClearErrors() throws {
        let ds = CountingChips(count: 6, oddShapeAt: 4)
        let stream = try DataLoader(ds, batchSize: 3, workers: 1).epoch(0)
        _ = try stream.next()
        #expect {
            try stream.next()
        } throws: { e in
            let s = "\(e)"
            return (e as? DatasetError)?.kind == .inconsistent && s.contains("chip4") && s.contains("[2, 5, 5]") && s.contains("chip3")
        }
        #expect(throws: DatasetError.self) { try DataLoader(ds, batchSize: 0) }
        #expect(throws: DatasetError.self) { try DataLoader(ds, batchSize: 2, workers: -1) }
        #expect(throws: DatasetError.self) { try DataLoader(ds, batchSize: 2, prefetch: 0) }
        #expect(throws: DatasetError.self) { try ds.subset([0, 6]) }
    }

    @Test func stratifiedSplitKeepsProportionsAndIsSeeded() throws {
        let strata = (0..<100).map { $0 % 4 }   // 25 per class
        let f = try SplitFractions(train: 0.6, val: 0.2, test: 0.2)
        let a = StratifiedSplit.assign(strata: strata, fractions: f, seed: 3)
        for k in 0..<4 {
            let mine = zip(strata, a).filter { $0.0 == k }.map(\.1)
            #expect(mine.filter { $0 == .train }.count == 15)
            #expect(mine.filter { $0 == .val }.count == 5)
            #expect(mine.filter { $0 == .test }.count == 5)
        }
        #expect(StratifiedSplit.assign(strata: strata, fractions: f, seed: 3) == a)
        #expect(StratifiedSplit.assign(strata: strata, fractions: f, seed: 4) != a)
        // Counts by largest remainder: 7 at 0.5/0.25/0.25 → 3.5/1.75/1.75 → 3/2/2; 6 → 3/1.5/1.5 → 3/2/1 (a tie
        // goes to val before test).
        let quarter = try SplitFractions(train: 0.5, val: 0.25, test: 0.25)
        func counts(_ n: Int) -> [Int] {
            let a = StratifiedSplit.assign(strata: Array(repeating: 0, count: n), fractions: quarter, seed: 0)
            return [DatasetSplit.train, .val, .test].map { s in a.filter { $0 == s }.count }
        }
        #expect(counts(7) == [3, 2, 2])
        #expect(counts(6) == [3, 2, 1])
        // Multi-label chips are stratified by their rarest class.
        let labels: [ChipLabel] = [.multiple([0, 1]), .multiple([0]), .multiple([0, 2]), .multiple([])]
        #expect(StratifiedSplit.strata(of: labels) == [1, 0, 2, -1])
        #expect(throws: DatasetError.self) { try SplitFractions(train: 0.5, val: 0.2, test: 0.2) }
        #expect(throws: DatasetError.self) { try SplitFractions(train: 1.2, val: -0.2, test: 0) }
    }
}
