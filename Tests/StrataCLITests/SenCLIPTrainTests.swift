import Foundation
import StrataModels
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// `strata train --config configs/senclip-standin.yaml` as a user runs it, on the stand-in pair set
/// (scripts/fixtures/senclip_standin.py: real EuroSAT-MS tiles paired with a frozen random CLIP tower's embeddings
/// of 4 augmented views of the same tile — not ground photos), and SIGKILLed mid-epoch then resumed.
@Suite(.serialized) struct SenCLIPTrainTests {
    typealias Run = TrainResumeTests

    /// The committed config with paths made absolute (tests do not depend on the working directory).
    static func args(_ output: URL, epochs: Int) throws -> [String] {
        let fixtures = SharedData.fixtures("StrataTasksTests").appendingPathComponent("senclip-standin")
        return ["train", "--config", SharedData.repoRoot.appendingPathComponent("configs/senclip-standin.yaml").path,
                "--output", output.path, "--no-progress",
                "--set", "data.root=\(fixtures.path)",
                "--set", "model.weights=\(fixtures.appendingPathComponent("base-clip.safetensors").path)",
                "--set", "senclip.chips_root=\(try SharedData.path("eurosat-ms"))",
                "--set", "trainer.epochs=\(epochs)", "--set", "trainer.threads=1"]
    }

    /// Two epochs: the training loss falls, checkpoints carry a SenCLIP model card that rebuilds the model, the
    /// report is written, and the trained image tower loads back into a CLIP model beside the original text tower.
    @Test(.enabled(if: SharedData.shouldRun)) func trainsOnTheStandInPairs() throws {
        let dir = try SharedData.tempDir("senclip-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let p = try Run.start(try Self.args(run, epochs: 2))
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        let rows = try Run.rows(run).map(Run.decode)
        try #require(rows.count == 2)
        let l1 = try #require(rows[0]["train_loss"]), l2 = try #require(rows[1]["train_loss"])
        #expect(l2 < l1, "training loss \(l1) → \(l2)")
        #expect(rows[1]["val_top1"] != nil && rows[1]["val_cosine"] != nil && rows[1]["val_loss"] != nil)
        for f in ["report.html", "summary.json", "config.yaml", "best.ckpt"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(f).path), "\(f) missing")
        }

        // `strata evaluate` rebuilds the pairs and the model from the checkpoint.
        let ev = try Run.start(["evaluate", "--checkpoint", run.appendingPathComponent("best.ckpt").path,
                                "--split", "val"])
        ev.waitUntilExit()
        #expect(ev.terminationStatus == 0)

        let ck = try Checkpoint.load(run.appendingPathComponent("last.ckpt").path)
        let card = try ModelCard(json: try #require(ck.metadata[ModelWeights.metadataKey]))
        #expect(card.architecture == "senclip" && card.task == .embedding)
        #expect(card.bands == ["band4", "band3", "band2"] && card.inputSize == [32, 32])
        #expect(card.extra["clip.vision"] == "vit image=32 patch=8 width=64 layers=2 heads=1")
        #expect(card.extra["senclip.queue_size"] == "64" && card.extra["senclip.pooling"] == "avgpool")
        let model = try #require(try ModelRegistry.make(card: card) as? SenCLIPModel)
        try model.load(stateDict: ck.model)

        // Zero-shot use: the fine-tuned tower with the base model's text tower.
        let base = try CLIPWeights.stateDict(from: SharedData.fixtures("StrataTasksTests")
            .appendingPathComponent("senclip-standin/base-clip.safetensors").path)
        var merged = StateDict(base.entries.filter { !$0.key.hasPrefix("visual.") }.map { ($0.key, $0.value) })
        merged.merge(ck.model.scoped("visual").prefixed("visual"))
        let clip = try CLIPWeights.model(from: merged, textHeadWidth: 32)
        let x = try Tensor.randn([1, 3, 32, 32])
        let a = try Torch.noGrad { try clip.encodeImage(x) }
        let b = try Torch.noGrad { try model.visual(x) }
        #expect(try a.equal(b))
    }

    /// SIGKILL after the 15th optimizer step (mid epoch 2 of 3), then `--resume`: the same metrics and
    /// bit-identical final weights, queue and logit scale as an uninterrupted run.
    @Test(.enabled(if: SharedData.shouldRun)) func killedMidEpochResumesToTheSameResult() throws {
        let dir = try SharedData.tempDir("senclip-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = dir.appendingPathComponent("full"), killed = dir.appendingPathComponent("killed")
        let ref = try Run.start(try Self.args(full, epochs: 3))
        ref.waitUntilExit()
        try #require(ref.terminationStatus == 0)
        let refRows = Run.rows(full)
        try #require(refRows.count == 3)
        let steps = try Checkpoint.load(full.appendingPathComponent("last.ckpt").path).step
        try #require(steps == 30, "160 training pairs, batch 16, last partial batch dropped: 10 steps per epoch")

        let p = try Run.start(try Self.args(killed, epochs: 3), environment: ["STRATA_TEST_KILL_AFTER_STEP": "15"])
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(Run.rows(killed).count == 1)
        let resumed = try Run.start(try Self.args(killed, epochs: 3) + ["--resume"])
        resumed.waitUntilExit()
        try #require(resumed.terminationStatus == 0)
        let got = Run.rows(killed)
        try #require(got.count == 3)
        for (a, b) in zip(refRows, got) { #expect(try Run.withoutTiming(a) == Run.withoutTiming(b)) }
        let a = try Checkpoint.load(full.appendingPathComponent("last.ckpt").path).model
        let b = try Checkpoint.load(killed.appendingPathComponent("last.ckpt").path).model
        let bKeys = Dictionary(uniqueKeysWithValues: b.entries.map { ($0.key, $0.value) })
        #expect(a.entries.count == b.entries.count && a.entries.contains { $0.key == "queue" })
        for (k, t) in a.entries {
            let u = try #require(bKeys[k], "missing \(k) in the resumed checkpoint")
            #expect(try t.equal(u), "\(k) differs between the uninterrupted and the resumed run")
        }
    }
}
