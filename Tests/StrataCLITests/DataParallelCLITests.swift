import Foundation
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// `strata train --nproc 2` as a user runs it: two worker processes of the binary, c10d TCPStore rendezvous and
/// Gloo all-reduces over loopback, on real EuroSAT-MS tiles with the small CNN (which has BatchNorm, so the
/// parity run uses `trainer.sync_batchnorm`; the BatchNorm-free parity and the broken local-BN variant are in
/// StrataTensorTests/DataParallelTests.swift).
@Suite(.serialized) struct DataParallelCLITests {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Norm-wise relative difference ‖a − b‖ / ‖b‖ over all float tensors of the model (parameters and BatchNorm
    /// buffers) after 2 epochs of 3 SGD steps (with momentum). Not per tensor: a BatchNorm bias gradient is a sum
    /// of ~65 000 terms that nearly cancel, so summation order alone moves the (tiny) biases by 2e-3 of their size —
    /// one process trained twice, channels-last and contiguous, differs that much. So the runs are contiguous
    /// (`channels_last: false`): there the same arithmetic in another order differs by ~6e-8 norm-wise, whereas the
    /// channels-last single-process run differs from its own contiguous twin by 1.9e-5. And a small learning rate:
    /// at lr 0.01 this tiny-batch trajectory amplifies float noise ~150× in 3 steps (two single-process runs that
    /// are 6e-8 apart after epoch 1 end 9e-6 apart after epoch 2); at 0.002 the runs stay ~3e-8 apart.
    static let tolerance = 1e-5

    /// 48 training chips of the 200 (an even count: no shard padding), 8 per rank per step.
    static func config(in dir: URL, root: String) throws -> String {
        let text = """
        task: classification
        data:
          dataset: eurosat
          root: \(root)
          batch_size: 8
          workers: 1
          split: {train: 0.24, val: 0.1, test: 0.66, seed: 0}
          normalize: {method: meanstd, scale: 10000}
        model:
          name: small-cnn
        trainer:
          epochs: 2
          seed: 5
          deterministic: true
          threads: 1
          channels_last: false
          sync_batchnorm: true
          dist_timeout: 60
          optimizer: {name: sgd, lr: 0.002, momentum: 0.9, weight_decay: 0}
        output: runs/unused
        """
        let url = dir.appendingPathComponent("ddp.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func train(_ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let r = try Subprocess.run(try StrataBinary.path(), ["train", "--no-progress"] + args, environment: environment)
        return (r.status, r.output)
    }

    static func model(_ run: URL) throws -> [String: Tensor] {
        let sd = try Checkpoint.load(run.appendingPathComponent("last.ckpt").path).model
        return Dictionary(uniqueKeysWithValues: sd.entries.map { ($0.key, $0.value) })
    }

    /// ‖a − b‖ / ‖b‖ over all float tensors together.
    static func relativeDifference(_ a: [String: Tensor], _ b: [String: Tensor]) throws -> Double {
        guard Set(a.keys) == Set(b.keys), !a.isEmpty else { throw Failure(description: "different tensors") }
        var diff = 0.0, norm = 0.0
        for (k, t) in a where t.dtype == .float32 {
            let u = b[k]!
            diff += try (t - u).square().sum(dtype: .float64).item()
            norm += try u.square().sum(dtype: .float64).item()
        }
        return (diff / norm).squareRoot()
    }

    @Test(.enabled(if: SharedData.shouldRun)) func twoProcessesMatchOneWithTheDoubledBatchAndResumeOnOne() throws {
        let root = try SharedData.path("eurosat-ms/eurosat")
        let dir = try SharedData.tempDir("ddp-parity")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try Self.config(in: dir, root: root)
        let ddp = dir.appendingPathComponent("ddp"), single = dir.appendingPathComponent("single")
        let resumed = dir.appendingPathComponent("resumed")

        let a = try Self.train(["--config", cfg, "--output", ddp.path, "--nproc", "2"])
        try #require(a.status == 0, "strata train --nproc 2 failed: \(a.output)")
        let b = try Self.train(["--config", cfg, "--output", single.path, "--set", "data.batch_size=16"])
        try #require(b.status == 0, "single-process run failed: \(b.output)")
        let d = try Self.relativeDifference(Self.model(ddp), Self.model(single))
        #expect(d <= Self.tolerance, "2 processes × 8 vs 1 process × 16: relative difference \(d)")

        // Rank 0 alone wrote the run folder: one row per epoch, one summary line.
        let rows = try String(contentsOf: ddp.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(rows.count == 2)
        #expect(a.output.components(separatedBy: "done: ").count == 2, "one summary line expected: \(a.output)")
        #expect(FileManager.default.fileExists(atPath: ddp.appendingPathComponent("report.html").path))

        // Epoch 1 on 2 processes, epoch 2 resumed on 1 process with the doubled batch: the 2-process run's result.
        let c1 = try Self.train(["--config", cfg, "--output", resumed.path, "--nproc", "2",
                                 "--set", "trainer.epochs=1"])
        try #require(c1.status == 0, "\(c1.output)")
        let c2 = try Self.train(["--config", cfg, "--output", resumed.path, "--resume",
                                 "--set", "data.batch_size=16"])
        try #require(c2.status == 0, "\(c2.output)")
        let e = try Self.relativeDifference(Self.model(resumed), Self.model(ddp))
        #expect(e <= Self.tolerance, "resumed on 1 process vs 2 processes throughout: relative difference \(e)")
        let ck = try Checkpoint.load(resumed.appendingPathComponent("last.ckpt").path)
        let ref = try Checkpoint.load(ddp.appendingPathComponent("last.ckpt").path)
        #expect(ck.epoch == 2 && ck.step == ref.step)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func aKilledRankEndsTheJobNamingIt() throws {
        let root = try SharedData.path("eurosat-ms/eurosat")
        let dir = try SharedData.tempDir("ddp-killed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try Self.config(in: dir, root: root)
        let t0 = Date()
        let r = try Self.train(["--config", cfg, "--output", dir.appendingPathComponent("run").path, "--nproc", "2"],
                               environment: ["STRATA_TEST_KILL_AFTER_STEP": "3", "STRATA_TEST_KILL_RANK": "1"])
        let seconds = Date().timeIntervalSince(t0)
        #expect(r.status != 0)
        #expect(r.output.contains("rank 1 of 2") && r.output.contains("killed by signal 9"), "\(r.output)")
        // The survivor fails at its next all-reduce (connection closed), well within trainer.dist_timeout (60 s).
        #expect(seconds < 120, "the job took \(seconds) s to end")
    }

    @Test(.enabled(if: SharedData.shouldRun)) func aHungRankEndsTheJobWithinTheTimeoutNamingIt() throws {
        let root = try SharedData.path("eurosat-ms/eurosat")
        let dir = try SharedData.tempDir("ddp-hung")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try Self.config(in: dir, root: root)
        let t0 = Date()
        let r = try Self.train(["--config", cfg, "--output", dir.appendingPathComponent("run").path, "--nproc", "2",
                                "--set", "trainer.dist_timeout=8"],
                               environment: ["STRATA_TEST_HANG_AFTER_STEP": "2", "STRATA_TEST_KILL_RANK": "1"])
        let seconds = Date().timeIntervalSince(t0)
        #expect(r.status != 0)
        #expect(r.output.contains("Timed out") && r.output.contains("still running then: rank 1"), "\(r.output)")
        #expect(seconds < 90, "the job took \(seconds) s to end with an 8 s timeout")
    }

    @Test func launchOptionsAreChecked() throws {
        let r = try StrataBinary.run(["train", "--config", "x.yaml", "--nproc", "0"])
        #expect(r.status != 0 && r.output.contains("--nproc must be ≥ 1"), "\(r.output)")
        let s = try StrataBinary.run(["train", "--config", "x.yaml", "--nproc", "2", "--nnodes", "2"])
        #expect(s.status != 0 && s.output.contains("--master-addr"), "\(s.output)")
    }
}
