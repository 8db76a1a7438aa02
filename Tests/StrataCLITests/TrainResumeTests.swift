import Foundation
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// `strata train` as a user runs it: a separate process, killed with SIGKILL in the middle of an epoch, then
/// continued with `--resume`.
@Suite(.serialized) struct TrainResumeTests {
    struct Failure: Error, CustomStringConvertible { let description: String }


    /// Small CNN on the real EuroSAT-MS tiles, 4 epochs, deterministic, with augmentation (so the resumed run must
    /// also restore the random streams) and a plateau schedule (scheduler state).
    static func config(in dir: URL, root: String) throws -> String {
        let text = """
        task: classification
        data:
          dataset: eurosat
          root: \(root)
          batch_size: 16
          workers: 1
          split: {train: 0.75, val: 0.25, seed: 0}
          normalize: {method: meanstd, scale: 10000}
          augment: [hflip, vflip]
        model:
          name: small-cnn
        trainer:
          epochs: 4
          seed: 7
          deterministic: true
          threads: 1
          optimizer: {name: adamw, lr: 1.0e-3, weight_decay: 1.0e-2}
          scheduler: {name: plateau, patience: 1, factor: 0.5}
        output: runs/unused
        """
        let url = dir.appendingPathComponent("train.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Starts `strata args…` (output discarded) with `environment` added to this process's.
    static func start(_ args: [String], environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try StrataBinary.path())
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The lines of a run folder's metrics.jsonl (one per finished epoch).
    static func rows(_ run: URL) -> [String] {
        let text = (try? String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    static func decode(_ row: String) throws -> [String: Double] {
        try JSONDecoder().decode([String: Double].self, from: Data(row.utf8))
    }

    /// A row of metrics.jsonl without its wall-clock field, for exact comparison.
    static func withoutTiming(_ row: String) throws -> [String: Double] {
        var d = try decode(row)
        d["epoch_seconds"] = nil
        d["train_seconds"] = nil
        return d
    }

    @Test(.enabled(if: SharedData.shouldRun)) func killedMidEpochResumesToTheSameResult() throws {
        let root = try SharedData.path("eurosat-ms/eurosat")
        let dir = try SharedData.tempDir("train-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try Self.config(in: dir, root: root)
        let full = dir.appendingPathComponent("full"), killed = dir.appendingPathComponent("killed")

        // Uninterrupted reference run.
        let ref = try Self.start(["train", "--config", cfg, "--output", full.path, "--no-progress"])
        ref.waitUntilExit()
        #expect(ref.terminationStatus == 0)
        let refRows = Self.rows(full)
        try #require(refRows.count == 4)
        let totalSteps = try Checkpoint.load(full.appendingPathComponent("last.ckpt").path).step
        try #require(totalSteps % 4 == 0 && totalSteps >= 8, "\(totalSteps) optimizer steps over 4 epochs")
        let stepsPerEpoch = totalSteps / 4

        // Same run, SIGKILLed half-way through epoch 3 (after epoch 2's checkpoint is written): the trainer's
        // test hook kills the process right after that optimizer step, the same point however loaded the machine.
        let killStep = 2 * stepsPerEpoch + stepsPerEpoch / 2
        let p = try Self.start(["train", "--config", cfg, "--output", killed.path, "--no-progress"],
                               environment: ["STRATA_TEST_KILL_AFTER_STEP": String(killStep)])
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        let rowsAtKill = Self.rows(killed).count
        #expect(rowsAtKill == 2, "expected the kill during epoch 3 (metrics.jsonl had \(rowsAtKill) rows)")
        #expect(FileManager.default.fileExists(atPath: killed.appendingPathComponent("last.ckpt").path))

        // Without --resume the folder is refused; with it the run finishes from epoch 3.
        let refused = try Self.start(["train", "--config", cfg, "--output", killed.path, "--no-progress"])
        refused.waitUntilExit()
        #expect(refused.terminationStatus != 0)
        let resumed = try Self.start(["train", "--config", cfg, "--output", killed.path, "--no-progress", "--resume"])
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)

        let got = Self.rows(killed)
        try #require(got.count == 4)
        for (a, b) in zip(refRows, got) {
            #expect(try Self.withoutTiming(a) == Self.withoutTiming(b))
        }
        let last = try Self.withoutTiming(got[3])
        #expect(last["train_loss"] != nil && last["val_loss"] != nil && last["val_oa"] != nil)

        // The final weights are bit-identical, not only the printed metrics.
        let a = try Checkpoint.load(full.appendingPathComponent("last.ckpt").path).model
        let b = try Checkpoint.load(killed.appendingPathComponent("last.ckpt").path).model
        let bKeys = Dictionary(uniqueKeysWithValues: b.entries.map { ($0.key, $0.value) })
        #expect(a.entries.count == b.entries.count && a.entries.count > 0)
        for (k, t) in a.entries {
            let u = try #require(bKeys[k], "missing \(k) in the resumed checkpoint")
            #expect(try t.equal(u), "\(k) differs between the uninterrupted and the resumed run")
        }
    }
}
