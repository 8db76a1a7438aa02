import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Checkpoints: model + optimizer + scheduler + RNG + epoch + metadata in one safetensors file, written atomically;
/// resuming from one continues a run bit-identically. (With dropout, through the saved generator state, this is
/// checked in a separate process by NNDeterminismTests, since other tests draw from the global generator.)
@Suite struct CheckpointTests {
    final class Net: Module {
        let body: Sequential
        init(width: Int = 8) throws {
            body = Sequential(try Conv2d(3, width, kernelSize: 3, padding: 1), try BatchNorm2d(width), ReLU(),
                              try AdaptiveAvgPool2d(1), Flatten(), try Linear(width, 4))
            super.init()
            registerModule("body", body)
        }
        override func forward(_ x: Tensor) throws -> Tensor { try body(x) }
    }

    struct Run {
        let net: Net, opt: AdamW, sched: OneCycleLR
        init() throws {
            net = try Net()
            opt = try AdamW(net.parameters(), lr: 1e-3)
            sched = try OneCycleLR(opt, maxLR: 0.01, totalSteps: 10)
        }
        func step(_ x: Tensor, _ y: Tensor) throws {
            try opt.zeroGrad()
            try Functional.crossEntropy(net(x), y).backward()
            try GradClip.clipGradNorm(net.parameters(), maxNorm: 1)
            try opt.step()
            try sched.step()
        }
    }

    @Test func resumeContinuesBitIdentically() throws {
        let dir = try SharedData.tempDir("ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("last.safetensors").path
        let x = try Tensor.randn([4, 3, 6, 6]), y = try Tensor([0, 1, 2, 3])

        let a = try Run()
        for _ in 0..<3 { try a.step(x, y) }
        try Checkpoint(model: a.net, optimizer: a.opt, scheduler: a.sched, epoch: 3, step: 30,
                       metadata: ["val_loss": "0.5", "config": #"{"lr": 0.01}"#]).save(to: path)
        let b = try Run()
        let ck = try Checkpoint.load(path)
        try ck.restore(model: b.net, optimizer: b.opt, scheduler: b.sched, restoreRNG: false)
        #expect(ck.epoch == 3 && ck.step == 30 && ck.metadata["config"] == #"{"lr": 0.01}"#)
        #expect(ck.rngState?.dtype == .uint8)
        for _ in 0..<2 { try a.step(x, y) }
        for _ in 0..<2 { try b.step(x, y) }
        let sa = try a.net.stateDict(), sb = try b.net.stateDict()
        for (k, v) in sa { #expect(try v.equal(sb[k]!), "\(k) differs after resume") }
        #expect(a.sched.lastLR == b.sched.lastLR)
        #expect(a.opt.momentum(group: 0) == b.opt.momentum(group: 0))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["last.safetensors"])
    }

    @Test func atomicOverwriteAndErrors() throws {
        let dir = try SharedData.tempDir("ckpt-err")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ck.safetensors").path
        let net = try Net()
        try Checkpoint(model: net, epoch: 1).save(to: path)
        try Checkpoint(model: net, epoch: 2).save(to: path)  // overwrite in place
        let ck = try Checkpoint.load(path)
        #expect(ck.epoch == 2 && ck.optimizer == nil && ck.scheduler == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["ck.safetensors"])
        // asking for a state the checkpoint lacks
        #expect(throws: TorchError.self) { try ck.restore(model: net, optimizer: try SGD(net.parameters(), lr: 0.1)) }
        // a different architecture
        #expect(throws: StateDictError.self) { try ck.restore(model: try Linear(2, 2)) }
        // plain safetensors weights are not a checkpoint
        let plain = dir.appendingPathComponent("w.safetensors").path
        try SafeTensors.save(try net.stateDict().entries.map { ($0.key, $0.value) }, to: plain)
        do {
            _ = try Checkpoint.load(plain)
            Issue.record("plain weights accepted as a checkpoint")
        } catch let e as TorchError { #expect(e.message.contains("not a Strata checkpoint")) }
        // no folder
        #expect(throws: (any Error).self) { try Checkpoint(model: net).save(to: "/nonexistent-dir/x.safetensors") }
    }

    @Test func plateauSchedulerStateWithInfinityRoundTrips() throws {
        let dir = try SharedData.tempDir("ckpt-plateau")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.safetensors").path
        let net = try Linear(2, 2)
        let opt = try SGD(net.parameters(), lr: 0.1)
        let s = try ReduceLROnPlateau(opt)  // best = +inf before the first metric
        try Checkpoint(model: net, optimizer: opt, scheduler: s).save(to: path)
        let s2 = try ReduceLROnPlateau(try SGD(net.parameters(), lr: 0.1))
        try s2.load(stateDict: try #require(try Checkpoint.load(path).scheduler))
        #expect(s2.best == .infinity)
    }

    /// A checkpoint-style dict saved by Python with pickle protocol 4 (frames, memoize): nested dicts and lists
    /// flatten to dotted names (int keys of optimizer state included), non-tensor entries are skipped, and bf16,
    /// bool and int32 tensors, a strided view with a storage offset and tensors sharing storage keep their values.
    @Test func nestedPythonCheckpointLoads() throws {
        let sd = try TorchPickle.load(NNFixtures.path("nested_proto4.pth"))
        let expected = try SafeTensors.read(NNFixtures.path("nested_expected.safetensors"))
        #expect(sd.keys == (expected.metadata["order"] ?? "").split(separator: ",").map(String.init))
        for (k, v) in sd {
            let e = try #require(expected.tensors[k], "unexpected key \(k)")
            #expect(v.dtype == e.dtype && v.shape == e.shape, "\(k): \(v.dtype)\(v.shape) vs \(e.dtype)\(e.shape)")
            #expect(try v.equal(e), "\(k) values differ")
        }
        #expect(sd.contains("optimizer.state.0.momentum_buffer"))
        #expect(sd.contains("model.1.num_batches_tracked"))
        #expect(try sd["extra.view"]!.floats() == [7, 8, 9, 12, 13, 14])
        // the model part loads into the matching Swift module
        let m = Sequential(try Conv2d(2, 3, kernelSize: 3), try BatchNorm2d(3))
        try m.load(stateDict: sd.scoped("model"))
    }
}
