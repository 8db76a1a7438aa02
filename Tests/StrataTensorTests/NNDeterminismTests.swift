import Foundation
import Testing
@testable import StrataTensor

/// Deterministic mode: `Runtime.configure(deterministic: true, seed:)` makes a seeded training run (random init,
/// random data, dropout, AdamW) bit-identical, within a process and across processes; another seed differs; a
/// checkpoint restores the generator so a resumed run draws the same dropout masks.
/// Runs in separate processes (`strata-bench determinism`) because the default generator is process-global and
/// other tests draw from it concurrently.
@Suite struct NNDeterminismTests {
    @Test func seededRunsAreIdentical() throws {
        let a = try StrataBench.run(["determinism", "--seed", "42"])
        let b = try StrataBench.run(["determinism", "--seed", "42"])
        let c = try StrataBench.run(["determinism", "--seed", "43"])
        #expect(a["deterministic"] == "true")
        #expect(a["repeat-identical"] == "true", "two runs in one process differ")
        #expect(a["checksum"] != nil && a["checksum"] == b["checksum"], "two processes with seed 42 differ")
        #expect(a["checksum"] != c["checksum"], "seed 43 gave the same weights as seed 42")
    }

    /// A checkpoint taken mid-run (model, optimizer, scheduler and generator state) and restored into a fresh
    /// model continues bit-identically, dropout masks included.
    @Test func checkpointResumeWithDropoutIsIdentical() throws {
        let r = try StrataBench.run(["determinism", "--seed", "5"])
        #expect(r["resume-identical"] == "true")
    }

    @Test func rngStateShapeAndErrors() throws {
        let state = try Runtime.rngState()
        #expect(state.dtype == .uint8 && state.count > 0)
        #expect(throws: TorchError.self) { try Runtime.setRNGState(Tensor.zeros([3], .init(dtype: .uint8))) }
    }
}
