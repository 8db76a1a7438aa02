import Foundation
import StrataData
import StrataModels
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `task: change` through the shared `Experiment` scaffold on the real LEVIR-CD samples (laid out with split lists
/// in a temp folder): FC-Siam-diff trains, reports the binary change metrics, and a run stopped after one epoch and
/// resumed ends exactly where an uninterrupted run does.
@Suite(.serialized) struct ChangeExperimentTests {
    /// A LEVIR-CD root with `list/train.txt` (7 pairs) and `list/val.txt` (4 pairs) over the samples.
    static func levirRoot() throws -> URL {
        let dir = try SharedData.tempDir("strata-change")
        let samples = try SharedData.path("levir-cd-samples")
        for sub in ["A", "B", "label"] {
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(sub).path,
                                                       withDestinationPath: "\(samples)/\(sub)")
        }
        let all = try LEVIRCD(root: samples)
        let ids = (0..<all.count).map(all.id)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("list"), withIntermediateDirectories: true)
        try (ids.prefix(7).map { $0 + ".png" }.joined(separator: "\n") + "\n")
            .write(to: dir.appendingPathComponent("list/train.txt"), atomically: true, encoding: .utf8)
        try (ids.suffix(4).map { $0 + ".png" }.joined(separator: "\n") + "\n")
            .write(to: dir.appendingPathComponent("list/val.txt"), atomically: true, encoding: .utf8)
        return dir
    }

    static func config(root: URL, output: URL, epochs: Int) throws -> (TrainConfig, String) {
        let text = """
        task: change
        data:
          dataset: levir-cd
          root: \(root.path)
          chip_size: 64
          chips_per_epoch: 16
          batch_size: 4
          workers: 1
          normalize: {method: meanstd, scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
          augment: [hflip, rot90]
        model:
          name: fc-siam-diff
          encoder: resnet18
        trainer:
          epochs: \(epochs)
          seed: 3
          deterministic: true
          threads: 1
          monitor: val_f1
          optimizer: {name: adamw, lr: 1.0e-3}
        output: \(output.path)
        """
        let tree = try ConfigTree(yaml: text)
        let c = try TrainConfig(tree, datasets: Datasets.known.map(\.name) + ChangeDatasets.names,
                                models: ModelRegistry.names)
        return (c, text)
    }

    /// In-process: the scaffold builds a change card and model, trains, logs the binary change metrics and writes
    /// the report with change-map previews.
    @Test(.enabled(if: SharedData.shouldRun)) func trainsAndReports() throws {
        let root = try Self.levirRoot()
        let dir = try SharedData.tempDir("strata-change-run")
        let (c, text) = try Self.config(root: root, output: dir, epochs: 1)
        let exp = try Experiment(config: c, configText: text, progress: false)
        #expect(exp.card.task == .change && exp.card.bands.count == 3 && exp.model is FCSiam)
        let r = try exp.run(resume: false)
        #expect(r.epochsRun == 1)
        let last = try #require(r.history.last)
        for k in ["val_precision", "val_recall", "val_f1", "val_iou", "val_oa", "val_kappa", "train_loss"] {
            let v = try #require(last[k], "\(k) missing from \(last.keys.sorted())")
            #expect(v.isFinite, "\(k)")
        }
        let report = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("change") && report.contains("precision"))
        #expect(report.components(separatedBy: "data:image/png;base64,").count - 1 == 4)   // change-map previews
    }

    /// As a user runs it (separate `strata train` processes: the global generator and thread settings are
    /// process-wide, so in-process runs beside other parallel tests would not be reproducible): one epoch, then
    /// `--resume` to two, ends exactly where an uninterrupted two-epoch run does.
    @Test(.enabled(if: SharedData.shouldRun)) func resumesExactly() throws {
        let root = try Self.levirRoot()
        let dir = try SharedData.tempDir("strata-change-resume")
        let (_, text) = try Self.config(root: root, output: dir.appendingPathComponent("unused"), epochs: 2)
        let cfg = dir.appendingPathComponent("change.yaml")
        try text.write(to: cfg, atomically: true, encoding: .utf8)
        func train(_ out: String, _ extra: [String]) throws {
            let r = try StrataBinary.run(["train", "--config", cfg.path, "--no-progress", "--output",
                                          dir.appendingPathComponent(out).path] + extra)
            #expect(r.status == 0, "\(r.output)")
        }
        try train("straight", [])
        try train("resumed", ["--set", "trainer.epochs=1"])
        try train("resumed", ["--resume"])
        func lastRow(_ out: String) throws -> [String: Double] {
            let text = try String(contentsOf: dir.appendingPathComponent("\(out)/metrics.jsonl"), encoding: .utf8)
            let line = try #require(text.split(separator: "\n").last)
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return row.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        let a = try lastRow("straight"), b = try lastRow("resumed")
        #expect(a["epoch"] == 2 && b["epoch"] == 2)
        for k in ["train_loss", "val_loss", "val_f1", "val_iou"] {
            #expect(a[k] != nil && a[k] == b[k], "\(k): \(a[k] ?? .nan) vs \(b[k] ?? .nan)")
        }
    }

    @Test func badChangeConfigsAreClearErrors() throws {
        func parse(_ data: String, model: String = "fc-siam-diff") throws -> TrainConfig {
            let text = "task: change\ndata:\n  dataset: oscd\n  root: x\n\(data)model:\n  name: \(model)\noutput: o\n"
            return try TrainConfig(try ConfigTree(yaml: text), datasets: ChangeDatasets.names, models: ModelRegistry.names)
        }
        #expect(try parse("  train_cities: [a]\n  val_cities: [b]\n").data.trainCities == ["a"])
        #expect(throws: ConfigError.self) { try parse("  labels: x.gpkg\n") }
        #expect(throws: ConfigError.self) { try parse("  split: {train: 0.5}\n") }
        // trainer.class_weights is BCE's pos_weight for the one change logit: exactly one positive value.
        for bad in [[1.0, 2.0], [0.0]] {
            var c = try parse("  train_cities: [a]\n  val_cities: [b]\n")
            c.trainer.classWeights = bad
            let e = #expect(throws: ConfigError.self) { try ChangeExperiment().prepareData(c) }
            #expect(e?.message.contains("pos_weight") == true, "\(e?.message ?? "")")
        }
        var ok = try parse("  train_cities: [a]\n  val_cities: [b]\n")
        ok.trainer.classWeights = [10]
        do { _ = try ChangeExperiment().prepareData(ok) } catch {   // fails later, on the missing data
            #expect(!"\(error)".contains("class_weights"), "\(error)")
        }
        let seg = "task: segmentation\ndata:\n  dataset: raster\n  train_cities: [a]\noutput: o\n"
        #expect(throws: ConfigError.self) {
            try TrainConfig(try ConfigTree(yaml: seg), datasets: ["raster"], models: ModelRegistry.names)
        }
    }
}

/// `trainer.class_weights: [w]` on `task: change` weighs the change pixels' BCE by `w` (PyTorch's `pos_weight`):
/// the loss equals the formula on two labelled pixels, the ignored one left out.
@Suite struct ChangePosWeightTests {
    @Test func classWeightIsThePositiveWeight() throws {
        let w = 7.0
        let loss = try TaskLoss(kind: .change, options: LossOptions(classWeights: [w], ignoreIndex: 255))
        let logits = try Tensor([0.3, -1.2, 2.0] as [Float], shape: [1, 1, 1, 3])
        let target = try Tensor([1, 0, 255] as [Int64], shape: [1, 1, 3])
        let got = try loss(logits, target).item()
        let want = (w * log(1 + exp(-0.3)) + log(1 + exp(-1.2))) / 2
        #expect(abs(got - want) < 1e-6 * want, "\(got) vs \(want)")   // float32 of values ~2: 1e-6 relative
    }
}

/// `strata evaluate --weights` on TinyCD's real `levir_best.pth` over the 11 LEVIR-CD samples: the pooled figures
/// of the original code (reference-outputs/tinycd/summary.json: F1 0.9277, IoU 0.8652) through the task layer's
/// one-tensor path (stacked pair → logit → BinaryChangeMetrics).
@Suite struct TinyCDEvaluationTests {
    @Test(.enabled(if: SharedData.shouldRun)) func levirBestReproducesThePublishedF1() throws {
        let r = try CheckpointEvaluation.changeWeights(SharedData.path("weights/tinycd/levir_best.pth"), model: "tinycd",
                                                       dataset: "levir-cd", root: SharedData.path("levir-cd-samples"),
                                                       split: .all)
        #expect(r.samples == 11)
        let f1 = try #require(r.result.metrics["f1"]), iou = try #require(r.result.metrics["iou"])
        #expect(String(format: "%.4f", f1) == "0.9277", "F1 \(f1)")
        #expect(String(format: "%.4f", iou) == "0.8652", "IoU \(iou)")
        #expect(throws: TrainingError.self) {
            try CheckpointEvaluation.changeWeights("x.pth", model: "fc-siam-diff", dataset: "levir-cd", root: "x",
                                                   split: .all)
        }
    }
}
