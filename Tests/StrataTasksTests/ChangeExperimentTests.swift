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

    @Test(.enabled(if: SharedData.shouldRun)) func trainsReportsAndResumesExactly() throws {
        let root = try Self.levirRoot()
        let straightDir = try SharedData.tempDir("strata-change-run")
        let (c2, t2) = try Self.config(root: root, output: straightDir, epochs: 2)
        let straight = try Experiment(config: c2, configText: t2, progress: false)
        #expect(straight.card.task == .change && straight.card.bands.count == 3 && straight.model is FCSiam)
        let r = try straight.run(resume: false)
        #expect(r.epochsRun == 2)
        let last = try #require(r.history.last)
        for k in ["val_precision", "val_recall", "val_f1", "val_iou", "val_oa", "val_kappa", "train_loss"] {
            let v = try #require(last[k], "\(k) missing from \(last.keys.sorted())")
            #expect(v.isFinite, "\(k)")
        }
        let report = try String(contentsOf: straightDir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("change") && report.contains("precision"))

        // One epoch, then resumed to two: the same weights and metrics as the straight run.
        let resumedDir = try SharedData.tempDir("strata-change-resume")
        let (c1, t1) = try Self.config(root: root, output: resumedDir, epochs: 1)
        _ = try Experiment(config: c1, configText: t1, progress: false).run(resume: false)
        let (c1b, t1b) = try Self.config(root: root, output: resumedDir, epochs: 2)
        let resumed = try Experiment(config: c1b, configText: t1b, progress: false)
        let rr = try resumed.run(resume: true)
        let a = try #require(r.history.last), b = try #require(rr.history.last)
        for k in ["train_loss", "val_loss", "val_f1"] { #expect(a[k] == b[k], "\(k): \(a[k] ?? .nan) vs \(b[k] ?? .nan)") }
    }

    @Test func badChangeConfigsAreClearErrors() throws {
        func parse(_ data: String, model: String = "fc-siam-diff") throws -> TrainConfig {
            let text = "task: change\ndata:\n  dataset: oscd\n  root: x\n\(data)model:\n  name: \(model)\noutput: o\n"
            return try TrainConfig(try ConfigTree(yaml: text), datasets: ChangeDatasets.names, models: ModelRegistry.names)
        }
        #expect(try parse("  train_cities: [a]\n  val_cities: [b]\n").data.trainCities == ["a"])
        #expect(throws: ConfigError.self) { try parse("  labels: x.gpkg\n") }
        #expect(throws: ConfigError.self) { try parse("  split: {train: 0.5}\n") }
        let seg = "task: segmentation\ndata:\n  dataset: raster\n  train_cities: [a]\noutput: o\n"
        #expect(throws: ConfigError.self) {
            try TrainConfig(try ConfigTree(yaml: seg), datasets: ["raster"], models: ModelRegistry.names)
        }
    }
}
