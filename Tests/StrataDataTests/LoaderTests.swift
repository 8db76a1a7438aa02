import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

/// An in-memory dataset whose pixels encode their position, so any mix-up of chips, batches or order shows.
final class PositionDataset: GeoDataset, @unchecked Sendable {
    let crs: CRS
    let resolution: (x: Double, y: Double) = (1, 1)
    let index = SpatialIndex([BoundingBox(minX: 0, minY: 0, maxX: 1000, maxY: 600)])
    let bandNames = ["x", "y"]
    let failAt: Double?
    let delay: TimeInterval
    let lock = NSLock()
    var reads = 0

    init(failAt: Double? = nil, delay: TimeInterval = 0) throws {
        crs = try CRS(epsg: 32618); self.failAt = failAt; self.delay = delay
    }

    func layout(for b: BoundingBox) throws -> SampleLayout {
        let (w, h) = pixelSize(of: b)
        return SampleLayout(imageChannels: 2, maskChannels: 0, height: h, width: w)
    }

    func read(bounds b: BoundingBox, into buffers: SampleBuffers) throws {
        lock.lock(); reads += 1; lock.unlock()
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        if let failAt, b.minX == failAt { throw DataError("synthetic failure at x = \(failAt)") }
        let img = buffers.image!, mask = buffers.mask!
        let p = img.pointer.bindMemory(to: Float.self, capacity: 2 * img.height * img.width)
        let m = mask.pointer.bindMemory(to: Int64.self, capacity: img.height * img.width)
        for y in 0..<img.height {
            for x in 0..<img.width {
                p[y * img.width + x] = Float(b.minX) + Float(x)
                p[img.height * img.width + y * img.width + x] = Float(b.maxY) - Float(y)
                m[y * img.width + x] = Int64(b.minX) * 1000 + Int64(b.maxY)
            }
        }
    }

    func aligned(to target: GridTarget) throws -> any GeoDataset { self }
}

@Suite struct LoaderTests {
    /// (bounds, image, mask) of every batch of an epoch.
    static func collect(_ loader: GeoDataLoader, epoch: Int = 0) throws -> [([BoundingBox], [Float], [Int64])] {
        var out: [([BoundingBox], [Float], [Int64])] = []
        let stream = loader.epoch(epoch)
        while let b = try stream.next() {
            #expect(b.index == out.count)
            out.append((b.bounds, try b.image!.floats(), try b.mask!.toArray(Int64.self)))
        }
        return out
    }

    @Test func sameBatchesWhateverTheWorkerCount() throws {
        let ds = try PositionDataset()
        let sampler = try RandomGeoSampler(ds, size: 8, length: 103, seed: 5)
        var reference: [([BoundingBox], [Float], [Int64])]? = nil
        for workers in [0, 1, 2, 3] {
            let loader = try GeoDataLoader(dataset: ds, sampler: sampler, batchSize: 10, workers: workers, prefetch: 2,
                                           shuffle: true, seed: 9)
            let got = try Self.collect(loader)
            #expect(got.count == 11 && got.last!.0.count == 3)
            if let reference {
                #expect(got.map(\.0) == reference.map(\.0), "\(workers) workers: same chips in the same order")
                #expect(got.map(\.1) == reference.map(\.1) && got.map(\.2) == reference.map(\.2))
            } else {
                reference = got
            }
        }
        // Each chip's pixels are that chip's: the content encodes the bounds.
        for (bounds, image, mask) in reference! {
            for (k, b) in bounds.enumerated() {
                #expect(image[k * 128] == Float(b.minX) && image[k * 128 + 64] == Float(b.maxY))
                #expect(mask[k * 64 + 9] == Int64(b.minX) * 1000 + Int64(b.maxY))
            }
        }
        // Shuffling is a permutation of the sampler's chips, fixed by seed and epoch.
        let all = reference!.flatMap(\.0)
        #expect(Set(all) == Set(sampler.chips(epoch: 0)) && all != sampler.chips(epoch: 0))
        let again = try GeoDataLoader(dataset: ds, sampler: sampler, batchSize: 10, workers: 2, shuffle: true, seed: 9)
        #expect(again.batchBounds(epoch: 0).flatMap { $0 } == all)
        #expect(again.batchBounds(epoch: 1).flatMap { $0 } != all)
        // Drop-last.
        let dl = try GeoDataLoader(dataset: ds, sampler: sampler, batchSize: 10, workers: 2, dropLast: true)
        #expect(try Self.collect(dl).map(\.0.count) == Array(repeating: 10, count: 10))
    }

    @Test func batchesCarryCRSAndBounds() throws {
        let ds = try PositionDataset()
        let loader = try GeoDataLoader(dataset: ds, sampler: try GridGeoSampler(ds, size: 100), batchSize: 4)
        let stream = loader.epoch()
        let b = try #require(try stream.next())
        #expect(b.crs == ds.crs && b.bandNames == ["x", "y"] && b.count == 4)
        #expect(b.image!.shape == [4, 2, 100, 100] && b.mask!.shape == [4, 100, 100])
        let g = b.grid(1)
        #expect(g.width == 100 && g.bounds == BoundingBox(minX: 100, minY: 500, maxX: 200, maxY: 600))
        #expect(g.crs.epsg == 32618)
    }

    @Test func readErrorsSurfaceAtTheirBatch() throws {
        let ds = try PositionDataset(failAt: 300)
        let loader = try GeoDataLoader(dataset: ds, sampler: try GridGeoSampler(ds, size: 100), batchSize: 2, workers: 2)
        let stream = loader.epoch()
        #expect(try stream.next()?.index == 0)  // x = 0, 100
        var message = ""
        do { _ = try stream.next() } catch { message = "\(error)" }  // x = 200, 300
        #expect(message.contains("synthetic failure at x = 300"))
        #expect(try stream.next()?.index == 2)  // later batches still come
    }

    @Test func prefetchIsBounded() throws {
        let ds = try PositionDataset(delay: 0.002)
        let loader = try GeoDataLoader(dataset: ds, sampler: try GridGeoSampler(ds, size: 20), batchSize: 5, workers: 2, prefetch: 2)
        let stream = loader.epoch()
        Thread.sleep(forTimeInterval: 0.5)
        // 2 workers × 2 batches in flight or waiting, 5 chips each.
        ds.lock.lock(); let early = ds.reads; ds.lock.unlock()
        #expect(early <= 20 && early >= 5)
        _ = try stream.next()
        stream.cancel()
        ds.lock.lock(); let late = ds.reads; ds.lock.unlock()
        #expect(late <= 25)
    }

    @Test func batchMemoryIsRecycled() throws {
        let pool = BatchMemoryPool()
        var (t, p) = try pool.tensor(shape: [4, 3, 8, 8], dtype: .float32)
        #expect(t.shape == [4, 3, 8, 8] && t.dataPointer == p)
        let first = p
        (t, p) = try pool.tensor(shape: [4, 3, 8, 8], dtype: .float32)  // the first tensor is released here
        _ = t
        let (_, third) = try pool.tensor(shape: [4, 3, 8, 8], dtype: .float32)
        #expect(third == first, "a dropped batch's memory is reused")
    }

    @Test func badLoaderOptions() throws {
        let ds = try PositionDataset()
        let s = try GridGeoSampler(ds, size: 10)
        #expect(throws: DataError.self) { try GeoDataLoader(dataset: ds, sampler: s, batchSize: 0) }
        #expect(throws: DataError.self) { try GeoDataLoader(dataset: ds, sampler: s, batchSize: 2, workers: -1) }
        #expect(throws: DataError.self) { try GeoDataLoader(dataset: ds, sampler: s, batchSize: 2, prefetch: 0) }
        // Chips of different sizes cannot share a batch.
        struct Mixed: GeoSampler {
            func chips(epoch: Int) -> [BoundingBox] {
                [BoundingBox(minX: 0, minY: 0, maxX: 10, maxY: 10), BoundingBox(minX: 0, minY: 0, maxX: 20, maxY: 20)]
            }
        }
        let stream = try GeoDataLoader(dataset: ds, sampler: Mixed(), batchSize: 2, workers: 1).epoch()
        #expect(throws: DataError.self) { try stream.next() }
    }
}
