import Dispatch
import Foundation
import StrataTensor
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `ProcessGroup` (c10d TCPStore + Gloo over loopback) and `DataParallel` with two ranks run as two threads of this
/// process (each its own store client and Gloo context, talking over TCP exactly as two processes would; the
/// process-level runs are in StrataCLITests/DataParallelCLITests.swift). The oracle is the same model trained by
/// one rank on the doubled batch: gradient averaging (and SyncBatchNorm) must make the two the same computation up
/// to float32 summation order.
@Suite(.serialized) struct DataParallelTests {
    /// Steps of SGD with momentum; tolerance 1e-5 of each tensor's largest magnitude: the ranks sum the same
    /// products in another order (two half-batch sums averaged vs one full-batch sum), ~1e-7 relative per step.
    static let steps = 6, half = 8, tolerance = 1e-5

    /// A TCP port that was free on the loopback interface a moment ago.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs `body(rank)` on `n` threads at once; rethrows the first error.
    static func onThreads(_ n: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        final class Errors: @unchecked Sendable { var list: [Error] = []; let lock = NSLock() }
        let errors = Errors()
        DispatchQueue.concurrentPerform(iterations: n) { r in
            do { try body(r) } catch {
                errors.lock.lock(); errors.list.append(error); errors.lock.unlock()
            }
        }
        if let e = errors.list.first { throw e }
    }

    final class Box<T>: @unchecked Sendable { var value: T; init(_ v: T) { value = v } }

    static func model(batchNorm: Bool, seed: UInt64) throws -> Module {
        Runtime.manualSeed(seed)
        let m = batchNorm
            ? try Sequential(Linear(6, 16), BatchNorm1d(16), ReLU(), Linear(16, 3))
            : try Sequential(Linear(6, 16), ReLU(), Linear(16, 3))
        // Perturb BN's constant-initialised affine parameters so their gradients matter.
        if batchNorm {
            try Torch.noGrad {
                for p in m.parameters() where p.rank == 1 { _ = try p.add_(Tensor.randn(p.shape) * 0.1) }
            }
        }
        return m
    }

    /// Trains `steps` SGD steps; rank r of `world` takes rows r, r + world, … of each global batch.
    static func train(_ m: Module, x: Tensor, y: Tensor, rank: Int, world: Int, dp: DataParallel?) throws {
        let opt = try SGD(m.parameters(), lr: 0.1, momentum: 0.9)
        m.train()
        for s in 0..<steps {
            let rows = (0..<(half * 2 / world)).map { s * half * 2 + rank + $0 * world }
            let idx = try Tensor(rows)
            let logits = try m(x.indexSelect(dim: 0, index: idx))
            let loss = try Functional.crossEntropy(logits, y.indexSelect(dim: 0, index: idx))
            try opt.zeroGrad()
            try loss.backward()
            try dp?.averageGradients(m.parameters())
            try opt.step()
        }
    }

    static func maxRelativeDifference(_ a: Module, _ b: Module) throws -> Double {
        var worst = 0.0
        for ((_, t), (_, u)) in zip(try a.stateDict().entries, try b.stateDict().entries) where t.dtype == .float32 {
            let scale = max(try u.abs().max().item(), 1e-12)
            let d = try (t - u).abs().max().item() / scale
            if d > worst { worst = d }
        }
        return worst
    }

    func parity(batchNorm: Bool, sync: Bool, overlap: Bool = false) throws -> [Double] {
        Runtime.manualSeed(3)
        let x = try Tensor.randn([Self.steps * Self.half * 2, 6])
        let y = try Tensor.randint(0, 3, [Self.steps * Self.half * 2])
        let reference = try Self.model(batchNorm: batchNorm, seed: 11)
        try Self.train(reference, x: x, y: y, rank: 0, world: 1, dp: nil)
        // Rank 1 starts from other weights: the broadcast from rank 0 must replace them.
        let replicas = Box([try Self.model(batchNorm: batchNorm, seed: 11), try Self.model(batchNorm: batchNorm, seed: 99)])
        let port = Self.freePort()
        try Self.onThreads(2) { r in
            let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, worldSize: 2, rank: r, timeout: 60)
            let dp = DataParallel(group: group)
            let m = replicas.value[r]
            try dp.broadcastState(m)
            if sync { dp.synchronizeBatchNorm(m) }
            if overlap { try dp.overlapGradients(m.parameters()) }
            try Self.train(m, x: x, y: y, rank: r, world: 2, dp: dp)
        }
        return try replicas.value.map { try Self.maxRelativeDifference($0, reference) }
    }

    @Test func twoRanksMatchOneRankWithTheDoubledBatch() throws {
        let d = try parity(batchNorm: false, sync: false)
        #expect(d.allSatisfy { $0 <= Self.tolerance }, "max relative difference per rank: \(d)")
    }

    @Test func syncBatchNormMatchesBatchNormOverTheDoubledBatch() throws {
        let d = try parity(batchNorm: true, sync: true)
        #expect(d.allSatisfy { $0 <= Self.tolerance }, "max relative difference per rank: \(d)")
    }

    /// Buckets all-reduced from autograd hooks during backward (`GradientReducer`) give the same result.
    @Test func overlappedBucketsMatchOneRankWithTheDoubledBatch() throws {
        let d = try parity(batchNorm: false, sync: false, overlap: true)
        #expect(d.allSatisfy { $0 <= Self.tolerance }, "max relative difference per rank: \(d)")
    }

    /// SyncBatchNorm's own all-reduces (hooks in backward) interleave with the overlapped bucket all-reduces.
    @Test func overlappedBucketsWithSyncBatchNormMatchTheDoubledBatch() throws {
        let d = try parity(batchNorm: true, sync: true, overlap: true)
        #expect(d.allSatisfy { $0 <= Self.tolerance }, "max relative difference per rank: \(d)")
    }

    /// Several buckets (a 1-float first bucket, 64-byte others), a parameter rank 1 does not use, and one no rank
    /// uses: no hang, the partly used one averaged with zeros from rank 1, the unused one left without a gradient.
    @Test func overlappedReducerHandlesBucketsAndUnusedParameters() throws {
        let port = Self.freePort()
        let grads = Box([[Double]](repeating: [], count: 2))
        let unusedHasGrad = Box([true, true])
        let buckets = Box([Int]())
        try Self.onThreads(2) { r in
            let g = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, worldSize: 2, rank: r, timeout: 60)
            let a = try Tensor([1.0, 2.0, 3.0]).to(.float32).setRequiresGrad()
            let b = try Tensor([Double](repeating: 1, count: 40)).to(.float32).setRequiresGrad()
            let c = try Tensor([5.0, 6.0]).to(.float32).setRequiresGrad()
            let never = try Tensor([7.0]).to(.float32).setRequiresGrad()
            let reducer = try GradientReducer(group: g, parameters: [a, b, never, c], firstBucketBytes: 4,
                                              bucketBytes: 64)
            if r == 0 { buckets.value = reducer.bucketSizes }
            for _ in 0..<2 {  // twice: the state is reset between steps
                for p in [a, b, c, never] { try p.zeroGrad() }
                var loss = try (a * Double(r + 1)).sum() + (b * 2.0).sum()
                if r == 0 { loss = try loss + (c * c).sum() }  // rank 1 never touches c
                try loss.backward()
                try reducer.finish()
            }
            grads.value[r] = try [a, b, c].flatMap { try $0.grad!.to(.float64).toArray(Double.self) }
            unusedHasGrad.value[r] = never.grad != nil
        }
        // a: (1 + 2) / 2; b: 2; c: (2c + 0) / 2 = c.
        let expected = [1.5, 1.5, 1.5] + [Double](repeating: 2, count: 40) + [5, 6]
        #expect(grads.value[0] == expected && grads.value[1] == expected, "\(grads.value)")
        #expect(unusedHasGrad.value == [false, false])
        #expect(buckets.value.count >= 3, "buckets: \(buckets.value)")
        #expect(buckets.value.reduce(0, +) == 4)
    }

    /// Two backward passes before `finish` (gradient accumulation without syncing) is one clear error, not a hang.
    @Test func overlappedReducerRejectsTwoBackwardsPerStep() throws {
        let port = Self.freePort()
        let messages = Box(["", ""])
        try Self.onThreads(2) { r in
            let g = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, worldSize: 2, rank: r, timeout: 20)
            let a = try Tensor([1.0, 2.0]).to(.float32).setRequiresGrad()
            let reducer = try GradientReducer(group: g, parameters: [a])
            try (a * 2.0).sum().backward()
            try (a * 3.0).sum().backward()
            do { try reducer.finish() } catch { messages.value[r] = "\(error)" }
        }
        #expect(messages.value.allSatisfy { $0.contains("twice") }, "\(messages.value)")
    }

    /// The broken variant: local BatchNorm normalises each half-batch by its own statistics, which must show.
    @Test func localBatchNormDiffersFromTheDoubledBatch() throws {
        let d = try parity(batchNorm: true, sync: false)
        #expect(d.allSatisfy { $0 > 100 * Self.tolerance }, "max relative difference per rank: \(d)")
    }

    @Test func collectivesReduceBroadcastAndGather() throws {
        let port = Self.freePort()
        try Self.onThreads(2) { r in
            let g = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, worldSize: 2, rank: r, timeout: 60)
            let t = try Tensor([Double(r + 1), 10 * Double(r + 1)])
            try g.allReduce([t], .sum)
            #expect(try t.toArray(Double.self) == [3, 30])
            let a = try Tensor([Double(r + 1)])
            try g.allReduce([a], .average)
            #expect(try a.toArray(Double.self) == [1.5])
            let b = try Tensor([Double(r)])
            try g.broadcast([b], root: 1)
            #expect(try b.toArray(Double.self) == [1])
            let parts = try g.allGather(try Tensor([Double(r) * 2]))
            #expect(try parts.map { try $0.toArray(Double.self) } == [[0], [2]])
            try g.barrier()
        }
    }

    @Test func aRankThatNeverJoinsFailsTheRendezvousWithinTheTimeout() throws {
        let t0 = Date()
        #expect {
            _ = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: Self.freePort(), worldSize: 2, rank: 0, timeout: 2)
        } throws: { e in
            let m = "\(e)"
            return m.contains("rank 0 of 2") && m.contains("rendezvous")
        }
        #expect(Date().timeIntervalSince(t0) < 30)
    }

    @Test func badArgumentsAreRejected() throws {
        #expect(throws: TorchError.self) {
            _ = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: 0, worldSize: 2, rank: 0)
        }
        #expect(throws: TorchError.self) {
            _ = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: 29500, worldSize: 2, rank: 2)
        }
        #expect(try DistributedEnvironment.current([:]) == nil)
        #expect(throws: TorchError.self) { _ = try DistributedEnvironment.current(["WORLD_SIZE": "2"]) }
        let env = try DistributedEnvironment.current(["WORLD_SIZE": "2", "RANK": "1", "MASTER_ADDR": "h",
                                                      "MASTER_PORT": "1234"])
        #expect(env == DistributedEnvironment(rank: 1, worldSize: 2, localRank: 1, masterAddress: "h", masterPort: 1234))
    }
}
