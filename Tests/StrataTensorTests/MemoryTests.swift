import Foundation
import Testing
@testable import StrataTensor

/// Resident memory stays flat over 2,000 training steps (forward, backward, clipping, SGD, scheduler, zeroGrad)
/// of a small CNN: RSS at the end is at most 5 % above RSS at step 200. Runs in its own process
/// (`strata-bench memory`) so that other tests running in parallel do not move this process's RSS.
@Suite struct MemoryTests {
    @Test func rssFlatOverTwoThousandTrainingSteps() throws {
        let r = try StrataBench.run(["memory", "--steps", "2000", "--warmup-step", "200"])
        let warm = try #require(r["rss-kib-warm"].flatMap(Double.init))
        let end = try #require(r["rss-kib-end"].flatMap(Double.init))
        #expect(warm > 10_000, "implausible RSS \(warm) KiB")
        let growth = (end - warm) / warm * 100
        #expect(growth <= 5, "RSS grew \(growth) % from step 200 (\(warm) KiB) to step 2000 (\(end) KiB)")
        // the reading is live: a written 64 MiB tensor raises it by about 64 MiB
        let withBig = try #require(r["rss-kib-after-64mib"].flatMap(Double.init))
        #expect(withBig - end > 60_000, "RSS reading did not see a 64 MiB allocation (\(end) → \(withBig) KiB)")
    }
}
