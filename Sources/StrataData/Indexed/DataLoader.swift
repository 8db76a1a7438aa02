import Foundation
import StrataTensor

/// A per-sample transform run in the loader's worker threads. `seed` is `ChipRandom.sampleSeed(seed:epoch:index:)`:
/// it depends on the loader seed, the epoch and the chip's dataset index only, so augmentations are reproducible
/// whatever the number of workers (seed a generator from it, e.g. `TransformRNG(seed: seed)`).
public typealias ChipTransform = @Sendable (_ sample: ChipSample, _ seed: UInt64) throws -> ChipSample

/// A per-batch transform run in the worker threads after collation. `seed` is
/// `ChipRandom.batchSeed(seed:epoch:batch:)`.
public typealias ChipBatchTransform = @Sendable (_ batch: ChipBatch, _ seed: UInt64) throws -> ChipBatch

/// Batches of a `ChipDataset`, read ahead by worker threads.
///
/// - Each worker reads and collates whole batches (each chip's files opened by the worker that reads it; no lock on
///   the read path), then runs the optional per-sample and per-batch transforms (intra-op threads: see
///   `workerThreads`).
/// - At most `workers × prefetch` batches are being read or waiting (a bounded prefetch queue).
/// - The order is fixed by `seed` and the epoch: with `shuffle`, epoch `e` is a permutation drawn from
///   `(seed, e)`; batches come out in that order with the same chips and the same augmentations for any number of
///   workers. `workers: 0` reads on the calling thread.
/// - Every batch carries its chips' indices, ids, CRS and bounds.
///
/// ```swift
/// let train = try EuroSAT(root: "data/eurosat", split: .train)
/// let loader = try DataLoader(train, batchSize: 32, shuffle: true, dropLast: true, workers: 4, seed: 42)
/// for epoch in 0..<10 {
///     try loader.forEachBatch(epoch: epoch) { batch in /* batch.image [32, 13, 64, 64], batch.label [32] */ }
/// }
/// ```
public final class DataLoader: Sendable {
    public let dataset: any ChipDataset
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let workers: Int
    /// Batches each worker may read ahead.
    public let prefetch: Int
    public let seed: UInt64
    public let transform: ChipTransform?
    public let batchTransform: ChipBatchTransform?
    /// This process's share of each epoch in a data-parallel run (`.whole` otherwise).
    public let shard: DataShard

    /// - Parameters:
    ///   - batchSize: chips per batch (> 0).
    ///   - shuffle: draw a new order every epoch from `(seed, epoch)`; otherwise index order.
    ///   - dropLast: drop a last batch smaller than `batchSize`.
    ///   - workers: reader threads (0 = read on the calling thread).
    ///   - prefetch: batches each worker may have ready ahead of the consumer (≥ 1).
    ///   - transform: per-sample transform (see `ChipTransform`).
    ///   - batchTransform: per-batch transform after collation (see `ChipBatchTransform`).
    ///   - shard: which part of each epoch's order this process reads (see `DataShard`).
    public init(_ dataset: any ChipDataset, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false,
                workers: Int = 2, prefetch: Int = 2, seed: UInt64 = 0, transform: ChipTransform? = nil,
                batchTransform: ChipBatchTransform? = nil, shard: DataShard = .whole) throws {
        guard batchSize > 0 else { throw DatasetError(.invalidArgument, "DataLoader: batchSize must be positive, got \(batchSize)") }
        guard workers >= 0 else { throw DatasetError(.invalidArgument, "DataLoader: workers must be ≥ 0, got \(workers)") }
        guard prefetch >= 1 else { throw DatasetError(.invalidArgument, "DataLoader: prefetch must be ≥ 1, got \(prefetch)") }
        self.dataset = dataset; self.batchSize = batchSize; self.shuffle = shuffle; self.dropLast = dropLast
        self.workers = workers; self.prefetch = prefetch; self.seed = seed
        self.transform = transform; self.batchTransform = batchTransform; self.shard = shard
    }

    /// Batches per epoch.
    public var batchCount: Int {
        let n = shard.size(of: dataset.count)
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    /// Chips per epoch (after dropping a last partial batch).
    public var sampleCount: Int {
        let n = shard.size(of: dataset.count)
        return dropLast ? (n / batchSize) * batchSize : n
    }

    /// The dataset indices of `epoch` in the order they are served.
    public func order(epoch: Int) -> [Int] {
        var idx = Array(0..<dataset.count)
        if shuffle {
            var g = ChipRandom.Generator(seed: ChipRandom.mix([seed, 0x5348_5546, UInt64(bitPattern: Int64(epoch))]))
            g.shuffle(&idx)
        }
        return shard.take(idx)
    }

    /// The dataset indices of each batch of `epoch`, in order (what `epoch(_:)` will read).
    public func batchIndices(epoch: Int) -> [[Int]] {
        let idx = order(epoch: epoch)
        var out: [[Int]] = []
        out.reserveCapacity(batchCount)
        var i = 0
        while i < idx.count {
            let end = min(i + batchSize, idx.count)
            if end - i == batchSize || !dropLast { out.append(Array(idx[i..<end])) }
            i = end
        }
        return out
    }

    /// Starts reading `epoch` (workers begin at once); take batches with `next()`.
    public func epoch(_ epoch: Int) -> ChipBatchStream {
        let plan = batchIndices(epoch: epoch)
        let dataset = self.dataset, seed = self.seed, transform = self.transform, batchTransform = self.batchTransform
        let job: @Sendable (Int) throws -> ChipBatch = { b in
            try Self.readBatch(dataset, plan[b], batch: b, epoch: epoch, seed: seed, transform: transform,
                               batchTransform: batchTransform)
        }
        var start: (@Sendable () -> Void)? = nil
        if let n = Self.workerThreads { start = { _ = Runtime.setThreadsOfCurrentThread(n) } }
        return ChipBatchStream(OrderedPrefetcher(count: plan.count, workers: workers, capacity: workers * prefetch,
                                                 workerStart: start, produce: job))
    }

    /// Calls `body` with each batch of `epoch` in order; stops the workers when `body` throws.
    public func forEachBatch(epoch: Int, _ body: (ChipBatch) throws -> Void) throws {
        let stream = self.epoch(epoch)
        defer { stream.cancel() }
        while let b = try stream.next() { try body(b) }
    }

    /// `STRATA_LOADER_THREADS=n` (n ≥ 1): each worker thread runs its tensor ops on `n` intra-op threads
    /// (`Runtime.setThreadsOfCurrentThread`; PyTorch's DataLoader workers use 1). Unset: libtorch's default, the
    /// process-wide count, so each worker may start an OpenMP team of its own beside the compute's. Opt-in because
    /// on the loaded 2-core machine 1 made `bench/change` epochs slower (likely cause, unverified: libgomp spins
    /// rather than sleeps when it manages no more threads than cores); see BENCHMARKS.md.
    static let workerThreads: Int? = ProcessInfo.processInfo.environment["STRATA_LOADER_THREADS"]
        .flatMap(Int.init).flatMap { $0 >= 1 ? $0 : nil }

    /// Reads, transforms and collates one batch on the calling thread.
    static func readBatch(_ dataset: any ChipDataset, _ indices: [Int], batch: Int, epoch: Int, seed: UInt64,
                          transform: ChipTransform?, batchTransform: ChipBatchTransform?) throws -> ChipBatch {
        let cpu0 = LoaderProfile.enabled ? LoaderProfile.threadCPUSeconds() : 0
        defer {
            if LoaderProfile.enabled { LoaderProfile.add(batchCPUSeconds: LoaderProfile.threadCPUSeconds() - cpu0) }
        }
        var samples: [ChipSample] = []
        samples.reserveCapacity(indices.count)
        for i in indices {
            var s = try dataset.sample(at: i)
            if let transform { s = try transform(s, ChipRandom.sampleSeed(seed: seed, epoch: epoch, index: i)) }
            samples.append(s)
        }
        var b = try ChipBatch.collate(samples, index: batch, task: dataset.task, classCount: dataset.classNames.count)
        if let batchTransform { b = try batchTransform(b, ChipRandom.batchSeed(seed: seed, epoch: epoch, batch: batch)) }
        return b
    }
}

/// One epoch of batches, read ahead by the loader's workers. `next()` returns them in order and rethrows a read
/// error at the batch where it happened. Dropping the stream (or `cancel()`) stops the workers.
public final class ChipBatchStream: @unchecked Sendable {
    private let core: OrderedPrefetcher<ChipBatch>

    init(_ core: OrderedPrefetcher<ChipBatch>) { self.core = core }

    /// Number of batches in the epoch.
    public var count: Int { core.count }

    /// The next batch; nil at the end of the epoch.
    public func next() throws -> ChipBatch? { try core.next() }

    /// Batches read ahead and not yet taken (bounded by workers × prefetch).
    public var readyOrInFlight: Int { core.inFlight }

    /// Stops the workers; batches not yet taken are dropped.
    public func cancel() { core.cancel() }
}
