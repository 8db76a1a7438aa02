import Foundation
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// `task: lcz-fusion` as a user runs it: DF4LCZ's two-stream model trained end to end on an LCZC-GES2-layout
/// folder (the committed fixture written by NumPy and pickle, scripts/fixtures/lczc_ges2.py), killed mid-epoch and
/// resumed exactly, then evaluated from its checkpoint with the LCZ metrics.
@Suite(.serialized) struct LCZFusionTrainTests {
    static let root = SharedData.fixtures("StrataDataTests").appendingPathComponent("lczc-ges2").path

    static func config(in dir: URL, training: String) throws -> String {
        let text = """
        task: lcz-fusion
        data:
          dataset: lczc-ges2
          root: \(root)
          skip_missing: true
          batch_size: 2
          workers: 1
          normalize: {method: meanstd}
          augment: [hflip, vflip]
        model:
          name: df4lcz-fusion
          fusion: {training: \(training), alpha: 0.6}
        trainer:
          epochs: 3
          seed: 5
          deterministic: true
          threads: 1
          optimizer: {name: nadam, lr: 2.0e-3}
        output: runs/unused
        """
        let url = dir.appendingPathComponent("lcz-\(training).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func lateFusionTrainsResumesExactlyAndEvaluates() throws {
        let dir = try SharedData.tempDir("lcz-fusion")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try Self.config(in: dir, training: "late")
        let full = dir.appendingPathComponent("full"), killed = dir.appendingPathComponent("killed")

        let ref = try TrainResumeTests.start(["train", "--config", cfg, "--output", full.path, "--no-progress"])
        ref.waitUntilExit()
        try #require(ref.terminationStatus == 0)
        let refRows = TrainResumeTests.rows(full)
        try #require(refRows.count == 3)
        // 5 training samples (sample 4 of the split has no files) in batches of 2: 3 steps per epoch.
        #expect(try Checkpoint.load(full.appendingPathComponent("last.ckpt").path).step == 9)
        let first = try TrainResumeTests.decode(refRows[0])
        for k in ["train_loss", "val_loss", "val_oa", "val_oa_built", "val_oa_natural", "val_kappa", "val_f1_weighted"] {
            #expect(first[k] != nil, "metrics.jsonl lacks \(k)")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: full.appendingPathComponent("summary.json")))
            as? [String: Any]
        let precision = try #require(summary?["val_precision_per_class"] as? [String: Any])
        #expect(precision.count == 17 && precision["Compact high-rise"] != nil)
        let html = try String(contentsOf: full.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("oa_built") && html.contains("DF4LCZ fusion (late"))

        // Killed after optimizer step 5 (mid-epoch 2), resumed: the same rows and bit-identical weights.
        let p = try TrainResumeTests.start(["train", "--config", cfg, "--output", killed.path, "--no-progress"],
                                           environment: ["STRATA_TEST_KILL_AFTER_STEP": "5"])
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(TrainResumeTests.rows(killed).count == 1)
        let resumed = try TrainResumeTests.start(["train", "--config", cfg, "--output", killed.path, "--no-progress",
                                                  "--resume"])
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)
        let got = TrainResumeTests.rows(killed)
        try #require(got.count == 3)
        for (a, b) in zip(refRows, got) {
            #expect(try TrainResumeTests.withoutTiming(a) == TrainResumeTests.withoutTiming(b))
        }
        let a = try Checkpoint.load(full.appendingPathComponent("last.ckpt").path).model
        let b = try Checkpoint.load(killed.appendingPathComponent("last.ckpt").path).model
        let bKeys = Dictionary(uniqueKeysWithValues: b.entries.map { ($0.key, $0.value) })
        #expect(a.entries.contains { $0.key.hasPrefix("graph.gcs1.") } && a.entries.contains { $0.key.hasPrefix("s2.") })
        for (k, t) in a.entries {
            let u = try #require(bKeys[k], "missing \(k) in the resumed checkpoint")
            #expect(try t.equal(u), "\(k) differs between the uninterrupted and the resumed run")
        }

        // strata evaluate rebuilds the two-stream data and model from the checkpoint.
        let json = dir.appendingPathComponent("test.json").path
        let ev = try StrataBinary.run(["evaluate", "--checkpoint", full.appendingPathComponent("best.ckpt").path,
                                       "--split", "test", "--json", json])
        #expect(ev.status == 0, "\(ev.output)")
        #expect(ev.output.contains("2 test samples") && ev.output.contains("oa_built"))
        let m = try JSONDecoder().decode([String: Double?].self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(m["oa"] != nil && m["oa_natural"] != nil && m["kappa"] != nil)
    }

    @Test func jointTrainingAndConfigErrors() throws {
        let dir = try SharedData.tempDir("lcz-fusion-joint")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try Self.config(in: dir, training: "joint")
        let out = dir.appendingPathComponent("run")
        let r = try StrataBinary.run(["train", "--config", cfg, "--output", out.path, "--no-progress",
                                      "--set", "trainer.epochs=1"])
        #expect(r.status == 0, "\(r.output)")
        let row = try TrainResumeTests.decode(try #require(TrainResumeTests.rows(out).first))
        #expect(row["train_loss"]!.isFinite && row["val_oa_built"] != nil)
        let card = try TrainedModel.load(out.appendingPathComponent("last.ckpt").path).card
        #expect(card.extra["fusion.training"] == "joint" && card.extra["fusion.alpha"] == "0.6")

        let wrongModel = try StrataBinary.run(["train", "--config", cfg, "--output", out.path + "2",
                                               "--set", "model.name=resnet11-3d"])
        #expect(wrongModel.status != 0 && wrongModel.output.contains("model.name: df4lcz-fusion"))
        let badKey = try StrataBinary.run(["train", "--config", cfg, "--output", out.path + "3",
                                           "--set", "model.fusion.training=sum"])
        #expect(badKey.status != 0 && badKey.output.contains("late, joint"))
    }
}
