import Foundation
import StrataGeo
import StrataTensor

/// Batches from any `GeoDataset` + sampler, read ahead by worker threads.
///
/// - Each worker thread reads whole batches through its own GDAL handles (opened once per file per thread, no
///   lock on the read path), straight into the batch tensor's memory: one allocation per batch, none per chip,
///   and batch memory is recycled once the consumer drops a batch.
/// - At most `prefetch × workers` batches are in flight or waiting (bounded memory).
/// - Order is fixed by the sampler, the seed and the epoch: batches arrive in the same order with the same chips
///   whatever the number of workers. `workers: 0` reads on the calling thread.
/// - Every batch carries its chips' CRS and bounds.
public final class GeoDataLoader: @unchecked Sendable {
    public let dataset: any GeoDataset
    public let workers: Int
    public let prefetch: Int
    public let shuffle: Bool
    public let seed: UInt64
    let plan: @Sendable (Int) -> [[BoundingBox]]
    let pool: BatchMemoryPool

    /// Batches of `batchSize` consecutive chips of `sampler` (shuffled per epoch when `shuffle`; a last partial
    /// batch dropped when `dropLast`).
    public init(dataset: any GeoDataset, sampler: any GeoSampler, batchSize: Int, workers: Int = 2, prefetch: Int = 2,
                shuffle: Bool = false, dropLast: Bool = false, seed: UInt64 = 0, shard: DataShard = .whole) throws {
        guard batchSize > 0 else { throw DataError("batchSize must be positive, got \(batchSize)") }
        try Self.validate(workers: workers, prefetch: prefetch)
        self.dataset = dataset; self.workers = workers; self.prefetch = prefetch; self.shuffle = shuffle; self.seed = seed
        pool = BatchMemoryPool(maxKept: max(1, workers * prefetch) + 2)
        plan = { epoch in
            var chips = sampler.chips(epoch: epoch)
            if shuffle {
                var g = SeededGenerator(seed: seed ^ 0x5348_5546_464C_4521, epoch: epoch)
                g.shuffle(&chips)
            }
            chips = shard.take(chips)
            var out: [[BoundingBox]] = []
            var i = 0
            while i < chips.count {
                let end = min(i + batchSize, chips.count)
                if end - i == batchSize || !dropLast { out.append(Array(chips[i..<end])) }
                i = end
            }
            return out
        }
    }

    /// Batches as a batch sampler makes them (their order shuffled per epoch when `shuffle`).
    public init(dataset: any GeoDataset, batchSampler: any GeoBatchSampler, workers: Int = 2, prefetch: Int = 2,
                shuffle: Bool = false, seed: UInt64 = 0) throws {
        try Self.validate(workers: workers, prefetch: prefetch)
        self.dataset = dataset; self.workers = workers; self.prefetch = prefetch; self.shuffle = shuffle; self.seed = seed
        pool = BatchMemoryPool(maxKept: max(1, workers * prefetch) + 2)
        plan = { epoch in
            var b = batchSampler.batches(epoch: epoch).filter { !$0.isEmpty }
            if shuffle {
                var g = SeededGenerator(seed: seed ^ 0x5348_5546_464C_4521, epoch: epoch)
                g.shuffle(&b)
            }
            return b
        }
    }

    static func validate(workers: Int, prefetch: Int) throws {
        guard workers >= 0 else { throw DataError("workers must be ≥ 0, got \(workers)") }
        guard prefetch >= 1 else { throw DataError("prefetch must be ≥ 1, got \(prefetch)") }
    }

    /// The chips of each batch of `epoch`, in order (what `epoch(_:)` will read).
    public func batchBounds(epoch: Int = 0) -> [[BoundingBox]] { plan(epoch) }

    /// Starts reading `epoch`; iterate the stream with `next()`.
    public func epoch(_ epoch: Int = 0) -> GeoBatchStream {
        GeoBatchStream(dataset: dataset, batches: plan(epoch), workers: workers, prefetch: prefetch, pool: pool)
    }

    /// Reads one batch of chips on the calling thread.
    static func readBatch(_ ds: any GeoDataset, _ chips: [BoundingBox], index: Int, pool: BatchMemoryPool) throws -> GeoBatch {
        let layout = try ds.layout(for: chips[0])
        for c in chips.dropFirst() {
            let l = try ds.layout(for: c)
            guard l == layout else {
                throw DataError("chips of batch \(index) have different shapes (\(layout.height)×\(layout.width) and \(l.height)×\(l.width)); sample chips of one size in pixels")
            }
        }
        let n = chips.count
        func alloc(_ shape: [Int]?, _ dtype: DType) throws -> (Tensor, UnsafeMutableRawPointer, Int)? {
            guard let shape else { return nil }
            let per = shape.reduce(1, *) * dtype.byteSize
            let (t, p) = try pool.tensor(shape: [n] + shape, dtype: dtype)
            return (t, p, per)
        }
        let image = try alloc(layout.imageShape, layout.imageDType)
        let mask = try alloc(layout.maskShape, layout.maskDType)
        let ic = layout.imageChannels ?? 0, mc = Alignment.planes(layout.maskChannels)
        var dates: [[TimeSpan?]] = [], omitted: [Int] = []
        let buffers = chips.indices.map { k in
            SampleBuffers(
                image: image.map { ChipBuffer(pointer: $0.1 + k * $0.2, dtype: layout.imageDType, bandCount: ic,
                                              height: layout.height, width: layout.width) },
                mask: mask.map { ChipBuffer(pointer: $0.1 + k * $0.2, dtype: layout.maskDType, bandCount: mc,
                                            height: layout.height, width: layout.width) })
        }
        if let series = ds as? SeriesDataset {
            // The whole batch at once: reads grouped by file (see `RasterDataset.readSeriesBatch`).
            for (d, o) in try series.readDatedBatch(bounds: chips, into: buffers) {
                dates.append(d)
                omitted.append(o)
            }
        } else {
            for (c, b) in zip(chips, buffers) { try ds.read(bounds: c, into: b) }
        }
        var info: SeriesBatchInfo?
        if let series = ds as? SeriesDataset {
            info = SeriesBatchInfo(dates: dates, dateMask: try Tensor(dates.flatMap { $0.map { $0 != nil } },
                                                                      shape: [n, series.maxDates]),
                                   omittedDates: omitted, bandsPerDate: series.bandsPerDate)
        }
        return GeoBatch(index: index, image: image?.0, mask: mask?.0, crs: ds.crs, bounds: chips,
                        bandNames: ds.bandNames, series: info)
    }
}

/// One epoch of batches, read ahead by the loader's workers (an `OrderedPrefetcher` of batch reads). `next()`
/// returns them in order and rethrows a read error at the batch where it happened. Dropping the stream stops the
/// workers.
public final class GeoBatchStream: @unchecked Sendable {
    /// Number of batches in the epoch.
    public let count: Int
    private let prefetcher: OrderedPrefetcher<GeoBatch>

    init(dataset: any GeoDataset, batches: [[BoundingBox]], workers: Int, prefetch: Int, pool: BatchMemoryPool) {
        count = batches.count
        prefetcher = OrderedPrefetcher(count: batches.count, workers: workers, capacity: workers * prefetch) { b in
            try GeoDataLoader.readBatch(dataset, batches[b], index: b, pool: pool)
        }
    }

    /// The next batch, nil at the end of the epoch.
    public func next() throws -> GeoBatch? { try prefetcher.next() }

    /// Stops the workers (batches already read are dropped) and waits for them to exit.
    public func cancel() { prefetcher.cancel() }
}

/// Recycles batch memory: a batch tensor borrows a buffer that returns here when libtorch frees the tensor's
/// storage, so steady-state loading allocates (and page-faults) nothing.
final class BatchMemoryPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var kept = 0
    /// Most free buffers kept for reuse (the loader's batches in flight plus slack); more are freed.
    let maxKept: Int

    init(maxKept: Int = 8) { self.maxKept = maxKept }

    final class Lease {
        let pointer: UnsafeMutableRawPointer
        let bytes: Int
        weak var pool: BatchMemoryPool?
        init(pointer: UnsafeMutableRawPointer, bytes: Int, pool: BatchMemoryPool) {
            self.pointer = pointer; self.bytes = bytes; self.pool = pool
        }
        deinit {
            if let pool { pool.giveBack(pointer, bytes) } else { pointer.deallocate() }
        }
    }

    func tensor(shape: [Int], dtype: DType) throws -> (Tensor, UnsafeMutableRawPointer) {
        let bytes = max(64, shape.reduce(1, *) * dtype.byteSize)
        lock.lock()
        let p = free[bytes]?.popLast()
        if p != nil { kept -= 1 }
        lock.unlock()
        let pointer = p ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let lease = Lease(pointer: pointer, bytes: bytes, pool: self)
        return (try Tensor.borrowing(bytes: pointer, shape: shape, dtype: dtype, owner: lease), pointer)
    }

    func giveBack(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        lock.lock()
        if kept < maxKept {
            free[bytes, default: []].append(p)
            kept += 1
            lock.unlock()
        } else {
            lock.unlock()
            p.deallocate()
        }
    }

    deinit { for (_, ps) in free { for p in ps { p.deallocate() } } }
}
