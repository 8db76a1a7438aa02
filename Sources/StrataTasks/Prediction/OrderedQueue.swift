import Foundation

/// A bounded hand-over between pipeline stages that delivers items in sequence order whatever order producers
/// finish in: `put(seq, item)` waits while `seq` is `capacity` or more ahead of the next item to be taken, and
/// `take()` waits for the next sequence number. `cancel()` wakes everyone; waits then return nil/false.
final class OrderedQueue<Item>: @unchecked Sendable {
    private let cond = NSCondition()
    private var slots: [Int: Item] = [:]
    private var next = 0
    private let capacity: Int
    private var cancelled = false

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Hands over item `seq`; false when the queue was cancelled.
    @discardableResult
    func put(_ seq: Int, _ item: Item) -> Bool {
        cond.lock(); defer { cond.unlock() }
        while !cancelled && seq >= next + capacity { cond.wait() }
        if cancelled { return false }
        slots[seq] = item
        cond.broadcast()
        return true
    }

    /// The next item in sequence; nil when cancelled.
    func take() -> Item? {
        cond.lock(); defer { cond.unlock() }
        while !cancelled && slots[next] == nil { cond.wait() }
        if cancelled { return nil }
        let item = slots.removeValue(forKey: next)
        next += 1
        cond.broadcast()
        return item
    }

    func cancel() {
        cond.lock()
        cancelled = true
        slots.removeAll()
        cond.broadcast()
        cond.unlock()
    }
}

/// The first error of a multi-threaded job and a cancellation flag every stage polls.
final class JobState: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    private var onFail: [() -> Void] = []

    /// Records the first failure and runs the cancellation hooks (once).
    func fail(_ e: Error) {
        lock.lock()
        let first = error == nil
        if first { error = e }
        let hooks = first ? onFail : []
        lock.unlock()
        for h in hooks { h() }
    }

    var failure: Error? { lock.lock(); defer { lock.unlock() }; return error }
    var isFailed: Bool { failure != nil }

    func onFailure(_ hook: @escaping () -> Void) { lock.lock(); onFail.append(hook); lock.unlock() }

}

/// Runs `body` on a new thread with a large stack; `join()` waits for it.
final class Worker: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let sem = done
        let t = Thread {
            body()
            sem.signal()
        }
        t.name = name
        t.stackSize = 8 << 20
        t.start()
    }
    func join() { done.wait() }
}

/// Hands chips to reader threads one at a time, in order, and gathers them into batches: a batch's memory (chips
/// `[count, C, h, w]` float32 and validity `[count, h, w]` uint8) is allocated when its first chip is claimed, and
/// the reader that finishes its last chip passes the batch on. Several readers thus share the reading of every
/// batch, the first one included (the model waits less at the start).
final class BatchAssembler: @unchecked Sendable {
    final class Batch: @unchecked Sendable {
        let seq: Int, first: Int, count: Int
        let x: Tensor, valid: Tensor
        let xp: UnsafeMutablePointer<Float>, vp: UnsafeMutablePointer<UInt8>
        fileprivate var remaining: Int

        init(seq: Int, first: Int, count: Int, shape: [Int]) throws {
            self.seq = seq; self.first = first; self.count = count; remaining = count
            x = try Tensor.empty([count] + shape)
            valid = try Tensor.empty([count, shape[1], shape[2]], .init(dtype: .uint8))
            guard let a = x.dataPointer, let b = valid.dataPointer else {
                throw PredictionError("cannot allocate a batch of \(count) chips of \(shape)")
            }
            xp = a.assumingMemoryBound(to: Float.self)
            vp = b.assumingMemoryBound(to: UInt8.self)
        }
    }

    private let lock = NSLock()
    private var next = 0
    private var open: [Int: Batch] = [:]
    let total: Int, batchSize: Int, shape: [Int]

    /// `shape`: one chip's `[C, h, w]`.
    init(total: Int, batchSize: Int, shape: [Int]) {
        self.total = total; self.batchSize = batchSize; self.shape = shape
    }

    /// The next chip: its batch and its index within the batch; nil when all are handed out or `stop()` says so.
    func claim(stop: () -> Bool) throws -> (batch: Batch, index: Int)? {
        lock.lock(); defer { lock.unlock() }
        guard next < total, !stop() else { return nil }
        let i = next
        next += 1
        let seq = i / batchSize
        if open[seq] == nil {
            open[seq] = try Batch(seq: seq, first: seq * batchSize, count: min(batchSize, total - seq * batchSize), shape: shape)
        }
        return (open[seq]!, i - seq * batchSize)
    }

    /// Marks one chip of `batch` read; true for the call that completes the batch.
    func finished(_ batch: Batch) -> Bool {
        lock.lock(); defer { lock.unlock() }
        batch.remaining -= 1
        if batch.remaining == 0 { open.removeValue(forKey: batch.seq); return true }
        return false
    }
}

import StrataTensor
