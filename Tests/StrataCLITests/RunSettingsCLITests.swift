import Foundation
import StrataGeo
import StrataModels
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// What a user expects around a run, through the `strata` binary: the config as run (after `--set` and `--output`)
/// is stored and reused by `strata evaluate`, `--print-config` and `--version` answer without running, and every
/// config key either works or is rejected with a message naming it.
@Suite(.serialized) struct RunSettingsCLITests {
    /// A folder dataset of 2 × 8 real EuroSAT-MS chips (symlinks), so a run takes seconds.
    static func chipFolder(in dir: URL) throws -> URL {
        let root = dir.appendingPathComponent("chips")
        for (cls, src) in [("forest", "Forest"), ("water", "SeaLake")] {
            let d = root.appendingPathComponent(cls)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for n in 1...8 {
                try FileManager.default.createSymbolicLink(
                    at: d.appendingPathComponent("\(cls)-\(n).tif"),
                    withDestinationURL: URL(fileURLWithPath: try SharedData.path("eurosat-ms/eurosat/\(src)/\(src)_\(n).tif")))
            }
        }
        return root
    }

    /// A classification config whose `data.root` does not exist and whose split seed is 0: only the `--set`
    /// overrides make it run.
    static func config(in dir: URL, extra: String = "") throws -> String {
        let url = dir.appendingPathComponent("train.yaml")
        try """
        task: classification
        data:
          dataset: folder
          root: \(dir.appendingPathComponent("missing").path)
          batch_size: 4
          workers: 0
          split: {train: 0.5, val: 0.5, seed: 0}
          normalize: {method: meanstd, scale: 10000}
        \(extra)
        model: {name: small-cnn}
        trainer: {epochs: 1, seed: 3, threads: 1, deterministic: true}
        output: runs/unused
        """.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test(.enabled(if: SharedData.shouldRun)) func evaluateUsesTheResolvedConfig() throws {
        let dir = try SharedData.tempDir("strata-resolved")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try Self.chipFolder(in: dir).path
        let config = try Self.config(in: dir)
        let run = dir.appendingPathComponent("run")
        let sets = ["--set", "data.root=\(root)", "--set", "data.split.seed=5"]

        // --print-config shows the config as it would run, and runs nothing.
        let shown = try StrataBinary.run(["train", "--config", config, "--output", run.path, "--print-config"] + sets)
        #expect(shown.status == 0, "\(shown.output)")
        #expect(shown.output.contains("root: \(root)") && shown.output.contains("seed: 5")
                && shown.output.contains("output: \(run.path)"), "\(shown.output)")
        #expect(!FileManager.default.fileExists(atPath: run.path))

        let train = try StrataBinary.run(["train", "--config", config, "--output", run.path, "--no-progress"] + sets)
        #expect(train.status == 0, "strata train failed:\n\(train.output)")
        let stored = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(stored.contains("root: \(root)") && stored.contains("seed: 5") && stored.contains("output: \(run.path)"))
        let summary = try Self.json(run.appendingPathComponent("summary.json"))
        let val = try #require(summary["val"] as? [String: Any])

        // Evaluating the checkpoint needs no --set: it uses the stored root and split seed, so it reproduces the
        // run's own validation of its best model.
        let out = dir.appendingPathComponent("eval.json")
        let ev = try StrataBinary.run(["evaluate", "--checkpoint", run.appendingPathComponent("best.ckpt").path,
                                       "--json", out.path])
        #expect(ev.status == 0, "strata evaluate failed:\n\(ev.output)")
        let metrics = try Self.json(out)
        for key in ["oa", "kappa", "loss"] {
            let a = try #require(metrics[key] as? Double), b = try #require(val[key] as? Double)
            #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(key): evaluate \(a), training \(b)")
        }
        // The file's own split seed (0) picks other validation chips: the override did matter.
        let other = dir.appendingPathComponent("eval-seed0.json")
        let ev0 = try StrataBinary.run(["evaluate", "--checkpoint", run.appendingPathComponent("best.ckpt").path,
                                        "--set", "data.split.seed=0", "--json", other.path])
        #expect(ev0.status == 0, "\(ev0.output)")
        #expect(try Self.json(other)["loss"] as? Double != metrics["loss"] as? Double)
    }

    @Test func versionIsPrinted() throws {
        let r = try StrataBinary.run(["--version"])
        #expect(r.status == 0 && r.output.trimmingCharacters(in: .whitespacesAndNewlines) == StrataVersion.string)
    }

    @Test func ignoredSettingsAreRejected() throws {
        let dir = try SharedData.tempDir("strata-rejected")
        defer { try? FileManager.default.removeItem(at: dir) }
        func train(_ yaml: String) throws -> (Int32, String) {
            let url = dir.appendingPathComponent("c.yaml")
            try yaml.write(to: url, atomically: true, encoding: .utf8)
            let r = try StrataBinary.run(["train", "--config", url.path, "--output", dir.appendingPathComponent("run").path])
            return (r.status, r.output)
        }
        var (code, text) = try train("data: {dataset: folder, root: /x, indices: [NDVI, NDXI]}")
        #expect(code != 0 && text.contains("data.indices: 'NDXI' is not a known index"), "\(text)")
        (code, text) = try train("task: segmentation\ndata: {dataset: raster, images: [a.tif], labels: l.gpkg, split: {train: 0.8, val: 0.2}}")
        #expect(code != 0 && text.contains("data.split"), "\(text)")
        (code, text) = try train("task: segmentation\ndata: {dataset: raster, images: [a.tif], labels: l.gpkg, split_dir: s}")
        #expect(code != 0 && text.contains("data.split_dir"), "\(text)")
        (code, text) = try train("data: {dataset: folder, root: /x, chip_size: 64}")
        #expect(code != 0 && text.contains("data.chip_size is a segmentation setting"), "\(text)")
        (code, text) = try train("task: change\ndata: {dataset: folder, root: /x}")
        #expect(code != 0 && text.contains("'folder' is not a change dataset"), "\(text)")
        (code, text) = try train("task: semantic-change\ndata: {dataset: folder, root: /x}")
        #expect(code != 0 && text.contains("no training experiment yet"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path))
    }

    /// `--json` never hides a failure: an unwritable path is an error, and a metric without a value (kappa of a map
    /// and labels holding one class only) is null, not 0.
    @Test func evaluateJSONWritesNullsAndReportsWriteErrors() throws {
        let dir = try SharedData.tempDir("strata-eval-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let crs = try CRS("EPSG:32631")
        let grid = try GeoGrid(crs: crs, bounds: BoundingBox(minX: 0, minY: 0, maxX: 40, maxY: 40), resolution: 10)
        let map = dir.appendingPathComponent("map.tif").path
        try RasterWriter.write(try Tensor.zeros([1, 4, 4], .init(dtype: .uint8)), to: map, grid: grid,
                               options: .init(format: .geoTIFF, categoryNames: ["water", "land"]))
        let labels = dir.appendingPathComponent("labels.geojson")
        try """
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32631"}},
         "features": [{"type": "Feature", "properties": {"cover": "water"},
           "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [40, 0], [40, 40], [0, 40], [0, 0]]]}}]}
        """.write(to: labels, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("m.json")
        let args = ["evaluate", "--map", map, "--labels", labels.path, "--attribute", "cover", "--json"]
        let ok = try StrataBinary.run(args + [out.path])
        #expect(ok.status == 0, "\(ok.output)")
        let m = try Self.json(out)
        #expect(m["oa"] as? Double == 1)
        #expect(m["kappa"] is NSNull, "kappa is undefined for one class: \(m)")

        let bad = dir.appendingPathComponent("no/such/folder/m.json").path
        let failed = try StrataBinary.run(args + [bad])
        #expect(failed.status != 0 && failed.output.contains("--json: cannot write the metrics to \(bad)"), "\(failed.output)")
    }

    /// Segmentation honours `data.root` (relative image and label paths), the given `data.normalize.mean/std`,
    /// `--compute-only`, and writes summary.json like every run.
    @Test(.enabled(if: SharedData.shouldRun)) func segmentationHonoursRootNormalisationAndComputeOnly() throws {
        let dir = try SharedData.tempDir("strata-seg-settings")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scene = try SharedData.path("rasterio/RGB.byte.tif")
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: data.appendingPathComponent("scene.tif"),
                                                   withDestinationURL: URL(fileURLWithPath: scene))
        _ = try SegmentationCLITests.labels(in: data, raster: try Raster(path: scene))
        func config(_ name: String, normalize: String = "{method: meanstd, scale: 1, mean: [10, 20, 30], std: [2, 4, 5]}",
                    indices: String = "[]") throws -> String {
            let url = dir.appendingPathComponent("\(name).yaml")
            try """
            task: segmentation
            data:
              dataset: raster
              root: \(data.path)
              images: [scene.tif]
              labels: labels.geojson
              label_attribute: cover
              chip_size: 32
              chips_per_epoch: 8
              val_chips: 4
              batch_size: 4
              workers: 0
              normalize: \(normalize)
              indices: \(indices)
              \(indices == "[]" ? "" : "index_bands: {red: '1', green: '2'}")
            model: {name: unet-resnet18}
            trainer: {epochs: 1, seed: 0, threads: 1}
            output: \(dir.appendingPathComponent(name).path)
            """.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let compute = try StrataBinary.run(["train", "--config", try config("compute"), "--compute-only", "--no-progress"])
        #expect(compute.status == 0, "strata train --compute-only failed:\n\(compute.output)")
        let ck = try Checkpoint.load(dir.appendingPathComponent("compute/last.ckpt").path)
        let card = try #require(ck.metadata["strata.model_card"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(card.utf8)) as? [String: Any])
        let norm = try #require(parsed["normalization"] as? [String: Any])
        #expect(norm["mean"] as? [Double] == [10, 20, 30] && norm["std"] as? [Double] == [2, 4, 5], "\(card)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("compute/report.html").path))

        // A full run, with a spectral index (turbidity, from red and green) computed as a fourth input band.
        let full = try StrataBinary.run(["train", "--config", try config("full", normalize: "{method: scale, scale: 255}",
                                                                             indices: "[ndti]"), "--no-progress"])
        #expect(full.status == 0, "strata train failed:\n\(full.output)")
        let summary = try Self.json(dir.appendingPathComponent("full/summary.json"))
        #expect(summary["epochs_run"] as? Int == 1 && summary["task"] as? String == "segmentation")
        #expect((summary["val"] as? [String: Any])?["miou"] != nil, "\(summary)")
        let best = dir.appendingPathComponent("full/best.ckpt").path
        let trained = try TrainedModel.load(best)
        #expect(trained.card.bands.count == 4 && trained.card.bands.last == "NDTI", "\(trained.card.bands)")
        // A fixed scale applies to the bands read; the index (unitless) passes unscaled.
        #expect(trained.card.normalization == .meanStd(mean: [0, 0, 0, 0], std: [255, 255, 255, 1]))
        let map = dir.appendingPathComponent("map.tif").path
        // A 128 × 128 px part of the scene around the "sea" polygon keeps the test short.
        let g = try #require(try Raster(path: scene).geoTransform)
        let (x0, y1) = g.world(pixel: 560, line: 360), (x1, y0) = g.world(pixel: 688, line: 488)
        let predict = try StrataBinary.run(["predict", "--checkpoint", best, "--input", scene, "--output", map,
                                            "--grid", "EPSG:32618:\(g.resolution.x):\(x0),\(y0),\(x1),\(y1)",
                                            "--chip", "64", "--no-progress"])
        #expect(predict.status == 0, "strata predict failed:\n\(predict.output)")
        #expect(try Raster(path: map).bands.first?.categoryNames == ["sea", "shallow"])
    }

    /// `data.indices` works end to end: training appends NDVI and NDWI to the 13 EuroSAT bands (the card says so),
    /// `strata evaluate` reproduces the run's validation, and `strata predict` — reading only the 13 source bands
    /// from a file — gives the class the trained model gives through the training input pipeline.
    @Test(.enabled(if: SharedData.shouldRun)) func spectralIndicesTrainEvaluateAndPredict() throws {
        let dir = try SharedData.tempDir("strata-indices")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try SharedData.path("eurosat-ms/eurosat")
        let splits = dir.appendingPathComponent("splits")
        try FileManager.default.createDirectory(at: splits, withIntermediateDirectories: true)
        func names(_ r: ClosedRange<Int>) -> String {
            (["Forest", "SeaLake"].flatMap { c in r.map { "\(c)_\($0).tif" } }).joined(separator: "\n") + "\n"
        }
        try names(1...6).write(to: splits.appendingPathComponent("eurosat-train.txt"), atomically: true, encoding: .utf8)
        try names(7...10).write(to: splits.appendingPathComponent("eurosat-val.txt"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("indices.yaml")
        let run = dir.appendingPathComponent("run")
        try """
        task: classification
        data:
          dataset: eurosat
          root: \(root)
          split_dir: \(splits.path)
          batch_size: 4
          workers: 0
          indices: [ndvi, ndwi]
        model: {name: small-cnn}
        trainer: {epochs: 1, seed: 1, threads: 1, deterministic: true}
        output: \(run.path)
        """.write(to: config, atomically: true, encoding: .utf8)
        let train = try StrataBinary.run(["train", "--config", config.path, "--no-progress"])
        #expect(train.status == 0, "strata train failed:\n\(train.output)")
        let best = run.appendingPathComponent("best.ckpt").path
        let trained = try TrainedModel.load(best)
        #expect(trained.card.inChannels == 15 && Array(trained.card.bands.suffix(2)) == ["NDVI", "NDWI"])
        #expect(trained.card.sourceBands.count == 13)

        let out = dir.appendingPathComponent("eval.json")
        let ev = try StrataBinary.run(["evaluate", "--checkpoint", best, "--json", out.path])
        #expect(ev.status == 0, "strata evaluate failed:\n\(ev.output)")
        let val = try #require(try Self.json(run.appendingPathComponent("summary.json"))["val"] as? [String: Any])
        let a = try #require(try Self.json(out)["loss"] as? Double), b = try #require(val["loss"] as? Double)
        #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "evaluate loss \(a), training \(b)")

        // One chip as a scene: one 64 × 64 window, one map cell.
        for chip in ["Forest/Forest_9.tif", "SeaLake/SeaLake_9.tif"] {
            let path = "\(root)/\(chip)"
            let map = dir.appendingPathComponent("map.tif").path
            let p = try StrataBinary.run(["predict", "--checkpoint", best, "--input", path, "--output", map,
                                          "--threads", "1", "--no-progress"])
            #expect(p.status == 0, "strata predict failed:\n\(p.output)")
            let cell = try Raster(path: map).read(window: PixelWindow(width: 1, height: 1)).toArray(UInt8.self)[0]
            let raster = try Raster(path: path)
            let image = try raster.read(window: PixelWindow(width: raster.width, height: raster.height)).unsqueeze(0)
            let model = try trained.module()
            let logits = try Torch.noGrad { try model(try InputPipeline(card: trained.card).normalize(image)) }
            let expected = try logits.argmax(dim: 1).toArray(Int64.self)[0]
            #expect(Int64(cell) == expected, "\(chip): predict gives class \(cell), the model through the training pipeline \(expected)")
        }
    }

    /// `strata evaluate` and `strata predict` load checkpoints through one loader: a damaged checkpoint is called
    /// corrupt and a file of another kind is called not a checkpoint — never loaded as something else.
    @Test func damagedCheckpointsAreNamed() throws {
        let dir = try SharedData.tempDir("strata-bad-ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try StrataModels.ModelRegistry.make(name: "small-cnn", inChannels: 2, numClasses: 2)
        let good = dir.appendingPathComponent("good.ckpt").path
        try Checkpoint(model: model).save(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = dir.appendingPathComponent("cut.ckpt").path
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: cut))
        let text = dir.appendingPathComponent("notes.ckpt").path
        try "a note".write(toFile: text, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("m.tif").path
        for (file, expected) in [(cut, "is a corrupt checkpoint"), (text, "is not a checkpoint")] {
            let ev = try StrataBinary.run(["evaluate", "--checkpoint", file])
            #expect(ev.status != 0 && ev.output.contains("\(file) \(expected)"), "\(ev.output)")
            let p = try StrataBinary.run(["predict", "--checkpoint", file, "--input", text, "--output", out])
            #expect(p.status != 0 && p.output.contains("\(file) \(expected)"), "\(p.output)")
        }
    }
}
