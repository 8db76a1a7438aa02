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
    private var claimed = 0

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

    /// Hands out work items 0, 1, 2, … below `count` to competing workers.
    func claim(below count: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard error == nil, claimed < count else { return nil }
        claimed += 1
        return claimed - 1
    }
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
