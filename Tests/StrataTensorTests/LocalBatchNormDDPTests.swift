import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Local (not synchronised) BatchNorm under data parallel: each rank normalises its own half-batch, so two ranks
/// differ from one process on the doubled batch by design
/// (`DataParallelTests.localBatchNormDiffersFromTheDoubledBatch`).
/// The reference is PyTorch `DistributedDataParallel` on the same weights and per-rank batches
/// (scripts/fixtures/ddp_local_bn.py: 2 processes over gloo, SGD with momentum, 6 steps).
@Suite(.serialized) struct LocalBatchNormDDPTests {
    static let path = SharedData.fixtures("StrataTensorTests").appendingPathComponent("ddp/local_bn.safetensors").path
    static let steps = 6
    /// 1e-5 of each tensor's largest magnitude: same libtorch version and ops as the fixture, but float32 matmul and
    /// reduction kernels may block differently on the machine running the test (AVX2 vs AVX-512) than on the one
    /// that wrote the fixture (~1e-7 relative per step, compounded over 6 steps of momentum SGD); the broken
    /// variant below (no gradient averaging) is off by more than 100 times this.
    static let tolerance = 1e-5

    static func model() throws -> Module {
        try Sequential(Linear(6, 16), BatchNorm1d(16), ReLU(), Linear(16, 3))
    }

    /// Trains `m` on rank `rank`'s fixture batches (momentum SGD as in the fixture), averaging through `dp`.
    static func train(_ m: Module, _ f: [String: Tensor], rank: Int, dp: DataParallel?) throws {
        let opt = try SGD(m.parameters(), lr: 0.1, momentum: 0.9)
        m.train()
        for s in 0..<steps {
            let x = try #require(f["rank\(rank).x\(s)"]), y = try #require(f["rank\(rank).y\(s)"])
            let loss = try Functional.crossEntropy(try m(x), y)
            try opt.zeroGrad()
            try loss.backward()
            try dp?.averageGradients(m.parameters())
            try opt.step()
        }
    }

    /// Largest per-tensor `max|a − b| / max|b|` over the float tensors of `expected` (keys must all be present).
    static func worst(_ actual: StateDict, _ expected: StateDict) throws -> Double {
        var w = 0.0
        for (k, e) in expected where e.dtype == .float32 {
            guard let a = actual[k] else { Issue.record("missing \(k)"); return .infinity }
            let d = try (a - e).abs().max().item() / max(try e.abs().max().item(), 1e-12)
            w = max(w, d)
        }
        return w
    }

    @Test func twoRanksWithLocalBatchNormMatchPyTorchDDP() throws {
        let f = try SafeTensors.load(Self.path)
        let initial = NNFixtures.scoped(f, "init")
        let final = NNFixtures.scoped(f, "final")
        let rank1 = NNFixtures.scoped(f, "final_rank1")
        #expect(!final.isEmpty && rank1.count == 6)
        let replicas = DataParallelTests.Box([try Self.model(), try Self.model()])
        try replicas.value[0].load(stateDict: initial)  // rank 1 keeps its own init: the broadcast must replace it
        let port = DataParallelTests.freePort()
        try DataParallelTests.onThreads(2) { r in
            let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, worldSize: 2, rank: r,
                                         timeout: 60)
            let dp = DataParallel(group: group)
            let m = replicas.value[r]
            try dp.broadcastState(m)
            try dp.overlapGradients(m.parameters())
            try Self.train(m, f, rank: r, dp: dp)
        }
        let d0 = try Self.worst(try replicas.value[0].stateDict(), final)
        let d1 = try Self.worst(try replicas.value[1].stateDict(), rank1)
        print("parity: local BatchNorm DDP vs PyTorch DDP max-rel rank0 \(d0) rank1 \(d1) tol \(Self.tolerance)")
        #expect(d0 <= Self.tolerance && d1 <= Self.tolerance, "rank 0: \(d0), rank 1: \(d1)")

        // The broken variant: rank 0 alone on its half-batches (no gradient averaging) must be far off.
        let alone = try Self.model()
        try alone.load(stateDict: initial)
        try Self.train(alone, f, rank: 0, dp: nil)
        let broken = try Self.worst(try alone.stateDict(), final)
        #expect(broken > 100 * Self.tolerance, "without averaging: \(broken)")
    }
}
