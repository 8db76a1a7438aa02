import Foundation

/// The threading core of the chip loader: `count` jobs produced by worker threads, handed out strictly in job order.
///
/// Workers claim the next unclaimed job; at most `capacity` jobs are claimed but not yet consumed (a bounded
/// prefetch queue: memory stays bounded however slow the consumer is). A job's error is rethrown by `next()` at
/// that job's position. `cancel()` (also run on deinit) stops the workers and waits for them to exit. With
/// `workers == 0` jobs run on the consumer's thread inside `next()`.
///
/// Job order, not thread scheduling, decides what `next()` returns, so results are identical for any number of
/// workers as long as each job is a pure function of its number.
final class OrderedPrefetcher<Element: Sendable>: @unchecked Sendable {
    let count: Int
    private let produce: @Sendable (Int) throws -> Element
    private let threaded: Bool
    private let state = State()
    private var inline = 0

    private final class State: @unchecked Sendable {
        let cond = NSCondition()
        var nextToClaim = 0
        var consumed = 0
        var ready: [Int: Result<Element, Error>] = [:]
        var cancelled = false
        var running = 0
    }

    /// `workerStart` runs first on each worker thread (e.g. its intra-op thread count).
    init(count: Int, workers: Int, capacity: Int, name: String = "strata-loader",
         workerStart: (@Sendable () -> Void)? = nil, produce: @escaping @Sendable (Int) throws -> Element) {
        self.count = count
        self.produce = produce
        threaded = workers > 0
        guard threaded, count > 0 else { return }
        let capacity = max(1, capacity)
        let n = min(workers, count)
        state.running = n
        for w in 0..<n {
            let t = Thread { [state, produce, count] in
                workerStart?()
                Self.work(state: state, produce: produce, count: count, capacity: capacity)
            }
            t.name = "\(name)-\(w)"
            t.stackSize = 4 << 20
            t.start()
        }
    }

    private static func work(state: State, produce: @Sendable (Int) throws -> Element, count: Int, capacity: Int) {
        let c = state.cond
        while true {
            c.lock()
            while !state.cancelled, state.nextToClaim < count, state.nextToClaim >= state.consumed + capacity { c.wait() }
            if state.cancelled || state.nextToClaim >= count {
                state.running -= 1
                c.broadcast()
                c.unlock()
                return
            }
            let job = state.nextToClaim
            state.nextToClaim += 1
            c.unlock()
            let r = Result { try produce(job) }
            c.lock()
            if !state.cancelled { state.ready[job] = r }
            c.broadcast()
            c.unlock()
        }
    }

    /// The next job's result in order; nil after the last one.
    func next() throws -> Element? {
        if !threaded {
            guard inline < count else { return nil }
            defer { inline += 1 }
            return try produce(inline)
        }
        let c = state.cond
        c.lock()
        defer { c.unlock() }
        guard state.consumed < count, !state.cancelled else { return nil }
        while state.ready[state.consumed] == nil { c.wait() }
        let r = state.ready.removeValue(forKey: state.consumed)!
        state.consumed += 1
        c.broadcast()
        return try r.get()
    }

    /// Jobs claimed by workers but not yet consumed (at most `capacity`).
    var inFlight: Int {
        let c = state.cond
        c.lock()
        defer { c.unlock() }
        return state.nextToClaim - state.consumed
    }

    /// Stops the workers (results not yet consumed are dropped) and waits for them to exit.
    func cancel() {
        guard threaded else { inline = count; return }
        let c = state.cond
        c.lock()
        state.cancelled = true
        state.ready.removeAll()
        c.broadcast()
        while state.running > 0 { c.wait() }
        c.unlock()
    }

    deinit { if threaded { cancel() } }
}
