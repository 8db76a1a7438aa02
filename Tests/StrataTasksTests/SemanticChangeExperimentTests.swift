import Foundation
import StrataData
import StrataModels
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `task: semantic-change` through the shared `Experiment` scaffold: ClearSCD trains on pseudo-labelled tiles of
/// real OSCD pairs (Rennes for training, Hong Kong for validation, in the Hi-UCD encoding), logs every component of
/// its loss, reports ClearSCD's SCD metrics (here: agreement with the pseudo-label rule), and a run stopped after one
/// epoch and resumed ends exactly where an uninterrupted run does (memory queues included; separate processes).
@Suite(.serialized) struct SemanticChangeExperimentTests {
    /// 2 Rennes tiles and 1 Hong Kong tile of 64 px, as `strata pseudo-labels` writes them.
    static func tiles() throws -> URL {
        let work = try SharedData.tempDir("strata-scd-tiles")
        let out = try SharedData.tempDir("strata-scd")
        var o = PseudoLabelExport.Options()
        o.tileSize = 64
        o.outputs = [.hiucd, .second]
        for (city, keep) in [("rennes", 2), ("hongkong", 1)] {
            o.name = city
            _ = try PseudoLabelExport.run(before: try SharedData.path("oscd/derived/\(city)_t1_13band_10m.tif"),
                                          after: try SharedData.path("oscd/derived/\(city)_t2_13band_10m.tif"),
                                          to: work.path, options: o)
            for sub in ["hiucd/image/t1", "hiucd/image/t2", "hiucd/mask/t1_t2", "second/im1", "second/im2",
                        "second/label1", "second/label2"] {
                let src = work.appendingPathComponent(sub), dst = out.appendingPathComponent(sub)
                try FileManager.default.createDirectory(at: dst, withIntermediateDirectories: true)
                let names = try FileManager.default.contentsOfDirectory(atPath: src.path)
                    .filter { $0.hasPrefix(city + "_") }.sorted().prefix(keep)
                for n in names {
                    try FileManager.default.copyItem(at: src.appendingPathComponent(n), to: dst.appendingPathComponent(n))
                }
            }
        }
        try? FileManager.default.removeItem(at: work)
        return out
    }

    static func config(root: URL, output: URL, epochs: Int, dataset: String = "hiucd") throws
        -> (TrainConfig, String) {
        let text = """
        task: semantic-change
        data:
          dataset: \(dataset)
          root: \(root.appendingPathComponent(dataset).path)
          train_cities: [rennes]
          val_cities: [hongkong]
          chip_size: 32
          chips_per_epoch: 4
          batch_size: 2
          workers: 1
          augment: [hflip]
        model:
          name: clearscd
        trainer:
          epochs: \(epochs)
          seed: 5
          deterministic: true
          threads: 1
          monitor: val_f1_change
          optimizer: {name: adamw, lr: 1.0e-3}
        output: \(output.path)
        """
        let c = try TrainConfig(try ConfigTree(yaml: text), datasets: ChangeDatasets.semanticNames,
                                models: ModelRegistry.names)
        return (c, text)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func clearSCDTrainsOnPseudoLabelsAndResumesExactly() throws {
        let root = try Self.tiles()
        defer { try? FileManager.default.removeItem(at: root) }
        let straightDir = try SharedData.tempDir("strata-scd-run")
        let (c2, t2) = try Self.config(root: root, output: straightDir, epochs: 2)
        let straight = try Experiment(config: c2, configText: t2, progress: false)
        #expect(straight.card.task == .semanticChange && straight.card.numClasses == 9 && straight.model is ClearSCD)
        let r = try straight.run(resume: false)
        #expect(r.epochsRun == 2)
        let last = try #require(r.history.last)
        for k in ["train_bce", "train_dice", "train_seg_a", "train_seg_b", "train_contrast_local",
                  "train_contrast_global", "train_bscc", "val_sek", "val_kappa_nuc", "val_overall_score",
                  "val_seg_miou", "val_f1_change"] {
            let v = try #require(last[k], "\(k) missing from \(last.keys.sorted())")
            #expect(v.isFinite, "\(k)")
        }
        // Global SACL only fills the queues during the warm-up epoch (ClearSCD's warmup_epoch = 1).
        #expect(r.history.first?["train_contrast_global"] == 0)
        #expect(try #require(last["train_contrast_global"]) != 0)
        #expect(FileManager.default.fileExists(atPath: straightDir.appendingPathComponent("report.html").path))

        // Resume, as a user runs it (separate `strata train` processes: the global generator is process-wide, so
        // in-process runs beside other parallel tests would not be reproducible): one epoch, then `--resume` to
        // two, ends exactly where an uninterrupted two-epoch run does — SACL's memory queues included.
        let resumedDir = try SharedData.tempDir("strata-scd-resume")
        let cfg = resumedDir.appendingPathComponent("scd.yaml")
        try t2.write(to: cfg, atomically: true, encoding: .utf8)
        func train(_ out: String, _ extra: [String]) throws {
            let r = try StrataBinary.run(["train", "--config", cfg.path, "--no-progress", "--output",
                                          resumedDir.appendingPathComponent(out).path] + extra)
            #expect(r.status == 0, "\(r.output)")
        }
        try train("straight", [])
        try train("resumed", ["--set", "trainer.epochs=1"])
        try train("resumed", ["--resume"])
        func lastRow(_ out: String) throws -> [String: Double] {
            let text = try String(contentsOf: resumedDir.appendingPathComponent("\(out)/metrics.jsonl"), encoding: .utf8)
            let line = try #require(text.split(separator: "\n").last)
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return row.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        let a = try lastRow("straight"), b = try lastRow("resumed")
        #expect(a["epoch"] == 2 && b["epoch"] == 2)
        for k in ["train_loss", "train_contrast_global", "val_loss", "val_sek"] {
            #expect(a[k] != nil && a[k] == b[k], "\(k): \(a[k] ?? .nan) vs \(b[k] ?? .nan)")
        }
        for d in [straightDir, resumedDir] { try? FileManager.default.removeItem(at: d) }

        // The SECOND-format copy: 6 classes + "no change" (ignored by the semantic loss), SECOND's metrics.
        let secondDir = try SharedData.tempDir("strata-scd-second")
        defer { try? FileManager.default.removeItem(at: secondDir) }
        let (cs, ts) = try Self.config(root: root, output: secondDir, epochs: 1, dataset: "second")
        let sec = try Experiment(config: cs, configText: ts, progress: false)
        #expect(sec.card.numClasses == 6 && sec.card.classNames.first == "water")
        let rs = try sec.run(resume: false)
        let row = try #require(rs.history.last)
        for k in ["val_miou", "val_sek", "val_fscd", "val_score", "val_oa", "train_seg_a"] {
            #expect(row[k] != nil, "\(k) missing from \(row.keys.sorted())")
        }
        #expect(try #require(row["val_oa"]) > 0 && row["val_oa"]! <= 1)
    }

    @Test func badConfigsAreClearErrors() throws {
        func parse(_ dataset: String, model: String = "clearscd") throws -> TrainConfig {
            let text = "task: semantic-change\ndata:\n  dataset: \(dataset)\n  root: x\nmodel:\n  name: \(model)\noutput: o\n"
            return try TrainConfig(try ConfigTree(yaml: text), datasets: ChangeDatasets.names + ChangeDatasets.semanticNames,
                                   models: ModelRegistry.names)
        }
        #expect(try parse("hiucd").task == .semanticChange)
        let e = try #require(throws: ConfigError.self) { try parse("oscd") }
        #expect(e.message.contains("semantic-change dataset"))
    }
}
