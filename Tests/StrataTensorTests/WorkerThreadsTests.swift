import Foundation
import Testing
@testable import StrataTensor

/// `Runtime.setThreadsOfCurrentThread`: a thread's own intra-op count (what the loader's workers set to 1) takes
/// effect on that thread, survives libtorch's lazy per-thread initialisation, can be set again, and a parallel op
/// on it still computes the same result.
@Suite struct WorkerThreadsTests {
    @Test func setsTheCallingThreadsCountOnly() throws {
        final class Box: @unchecked Sendable { var counts: [Int] = []; var sums: [Double] = [] }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            box.counts.append(Runtime.setThreadsOfCurrentThread(1))
            box.sums.append((try? Tensor.arange(0, 1_000_000, step: 1).to(.float64).sum().item()) ?? -1)
            box.counts.append(Runtime.setThreadsOfCurrentThread(2))
            box.counts.append(Runtime.threads)
            done.signal()
        }
        t.start()
        done.wait()
        #expect(box.counts == [1, 2, 2], "\(box.counts)")
        #expect(box.sums == [999_999.0 * 1_000_000 / 2])
    }
}
