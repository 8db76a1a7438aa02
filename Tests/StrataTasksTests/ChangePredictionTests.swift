import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `strata predict --before A --after B`: whole-scene change maps through the one `Predictor`.
@Suite(.serialized) struct ChangePredictionTests {
    /// Pixels of a single-band uint8 raster.
    static func bytes(_ path: String) throws -> [UInt8] { try readBytes(path) }

    /// gdalinfo's size, geotransform and CRS (WKT) of a raster: the oracle for "on date 1's grid".
    static func georeferencing(_ path: String) throws -> (size: [Int], transform: [Double], wkt: String) {
        let j = try GDALTool.info(path)
        let size = try #require(j["size"] as? [Int])
        let gt = try #require(j["geoTransform"] as? [Double])
        let wkt = try #require((j["coordinateSystem"] as? [String: Any])?["wkt"] as? String)
        return (size, gt, wkt)
    }

    static func expectSameGrid(_ a: String, _ b: String) throws {
        let x = try georeferencing(a), y = try georeferencing(b)
        #expect(x.size == y.size, "size \(x.size) vs \(y.size)")
        #expect(x.wkt == y.wkt)
        // Same lattice: the coefficients agree to a millionth of a pixel.
        let px = max(abs(y.transform[1]), abs(y.transform[5]))
        for (u, v) in zip(x.transform, y.transform) {
            #expect(abs(u - v) <= 1e-6 * px, "\(x.transform) vs \(y.transform)")
        }
    }

    /// The colour table entries of band 1 (empty when there is none).
    static func colorTable(_ path: String) throws -> [[Int]] {
        let j = try GDALTool.info(path)
        let band = try #require((j["bands"] as? [[String: Any]])?.first)
        return ((band["colorTable"] as? [String: Any])?["entries"] as? [[Int]]) ?? []
    }

    /// A deterministic change model on OSCD Hong Kong (13 bands per date; date 2 is 2 px smaller than date 1 and
    /// goes onto date 1's lattice): a seeded random-init FC-Siam-diff (ResNet-18) — its decoder sees the
    /// differences of the two dates' features, so its map follows image differences — whose change bias is set so
    /// that the 95th percentile of its logits over the city is 0 (about 5 % mapped as change, near the city's
    /// 3.6 % of changed pixels; an untouched random head maps all or nothing). Stored as a training checkpoint
    /// with its config, so `CheckpointEvaluation` (the `strata evaluate --checkpoint` path: the whole city padded to
    /// multiples of 32, one pass) evaluates it chip-wise. Hong Kong is then mapped with `--before/--after` from the
    /// 13 per-band files of each date (a band stack; B02 first, so its 10 m grid is the map's): the map is on date
    /// 1's 10 m grid (gdalinfo), carries a colour table, and its F1 / IoU against the city's `cm` label equal the
    /// chip-wise ones within 0.015 (measured: 0.006). The map is made with one 704-px chip (the scene's rows padded
    /// like the evaluation pads them; the evaluation pads columns to 544 only, and the second date is resampled
    /// by the predictor's reader rather than the dataset's): a random-init network is strongly context-dependent
    /// (BatchNorm without data statistics), so with 128- or 256-px chips blended it maps noticeably different
    /// pixels (measured |ΔF1| 0.11 and 0.06) — a property of this stand-in model, not of blending, which the
    /// predictor's own tests cover; a trained model is the use case, but training one takes too long for a test.
    @Test(.enabled(if: SharedData.shouldRun)) func oscdCityMapAgreesWithChipwiseEvaluation() throws {
        let root = try SharedData.path("oscd")
        let dir = try SharedData.tempDir("strata-cd-predict")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = """
        task: change
        data:
          dataset: oscd
          root: \(root)
          train_cities: [hongkong]
          val_cities: [hongkong]
          chip_size: 64
          batch_size: 1
          workers: 1
        model:
          name: fc-siam-diff
          encoder: resnet18
        trainer:
          threads: 2
        output: \(dir.appendingPathComponent("run").path)
        """
        let checkpoint = try Self.calibratedFCSiamDiff(root: root, config: config,
                                                       to: dir.appendingPathComponent("cd.ckpt").path)
        let evaluation = try CheckpointEvaluation.run(checkpoint: checkpoint, split: .val, overrides: [])
        let f1Chips = try #require(evaluation.result.metrics["f1"])
        let iouChips = try #require(evaluation.result.metrics["iou"])

        let city = try OSCD(root: root, cities: ["hongkong"]).cities[0]
        let map = dir.appendingPathComponent("hongkong-change.tif").path
        var args = ["predict", "--checkpoint", checkpoint, "--output", map, "--probabilities", "--summary",
                    "--chip", "704", "--overlap", "32", "--resampling", "nearest", "--threads", "2", "--no-progress"]
        for i in [1, 0] + Array(2..<13) { args += ["--before", city.dateA[i], "--before-bands", OSCD.bands[i]] }
        for i in [1, 0] + Array(2..<13) { args += ["--after", city.dateB[i], "--after-bands", OSCD.bands[i]] }
        let r = try StrataBinary.run(args)
        try #require(r.status == 0, "\(r.output)")
        #expect(r.output.contains("changed:"), "\(r.output)")

        try Self.expectSameGrid(map, city.dateA[1])
        let table = try Self.colorTable(map)
        #expect(table.count >= 2 && table[1] == [230, 30, 30, 255], "colour table \(table.prefix(3))")
        let probBands = try GDALTool.info(dir.appendingPathComponent("hongkong-change_probabilities.tif").path)["bands"]
        #expect((probBands as? [Any])?.count == 2)

        let predicted = try Self.bytes(map)
        let label = try OSCD(root: root, cities: ["hongkong"]).sample(at: 0).change.flatten().toArray(Int64.self)
        #expect(predicted.count == label.count)
        var tp = 0, fp = 0, fn = 0, changed = 0
        for (p, l) in zip(predicted, label) where p != 255 {
            if p == 1 { changed += 1 }
            if p == 1 && l == 1 { tp += 1 } else if p == 1 { fp += 1 } else if l == 1 { fn += 1 }
        }
        #expect(tp > 0, "the map finds no change at all: the comparison would be vacuous")
        let f1Map = Double(2 * tp) / Double(2 * tp + fp + fn), iouMap = Double(tp) / Double(tp + fp + fn)
        print("OSCD hongkong: map F1 \(f1Map) IoU \(iouMap) (tp \(tp) fp \(fp) fn \(fn)); chip-wise F1 \(f1Chips) "
              + "IoU \(iouChips)")
        #expect(Double(changed) < 0.2 * Double(predicted.count), "\(changed) of \(predicted.count) pixels changed")
        #expect(abs(f1Map - f1Chips) <= 0.015, "F1 map \(f1Map) vs chip-wise \(f1Chips)")
        #expect(abs(iouMap - iouChips) <= 0.015, "IoU map \(iouMap) vs chip-wise \(iouChips)")

        let summary = try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("hongkong-change.json")))
        let classes = try #require((summary as? [String: Any])?["classes"] as? [[String: Any]])
        #expect(classes.count == 2 && classes[1]["pixels"] as? Int == changed)
        #expect((classes[1]["hectares"] as? Double ?? 0) > 0)
    }

    /// The seeded FC-Siam-diff of `oscdCityMapAgreesWithChipwiseEvaluation`, its change bias shifted so that the
    /// 95th percentile of its logits over the city's first 672 rows × 512 columns is 0; saved as a training checkpoint
    /// holding its model card and `config`.
    static func calibratedFCSiamDiff(root: String, config: String, to path: String) throws -> String {
        Runtime.manualSeed(5)
        let card = try ModelCard(architecture: "fc-siam-diff", task: .change, bands: OSCD.bands,
                                 normalization: .scale(1e-4), classNames: ["no change", "change"],
                                 extra: ["encoder": "resnet18"])
        let model = try ModelRegistry.make(card: card)
        model.eval()
        let pair = try OSCD(root: root, cities: ["hongkong"]).sample(at: 0)
        let x = try Tensor.cat([pair.imageA, pair.imageB], dim: 0).narrow(dim: 1, start: 0, length: 672)
            .narrow(dim: 2, start: 0, length: 512)
        let y = try Torch.inferenceMode { try model(try (x * 1e-4).unsqueeze(0)) }
        let logits = try y.contiguous().floats().sorted()
        let threshold = logits[logits.count * 95 / 100]
        let sd = try model.stateDict()
        let key = try #require(sd.keys.last { $0.hasSuffix(".bias") && sd[$0]?.shape == [1] })
        _ = try model.load(stateDict: StateDict([(key, try #require(sd[key]) - Double(threshold))]), strict: false)
        try Checkpoint(model: try model.stateDict(), epoch: 0,
                       metadata: [ModelWeights.metadataKey: try card.jsonString(), TrainedModel.configKey: config])
            .save(to: path)
        return path
    }

    /// A random-init ClearSCD (4 classes, RGB) on a small pair whose dates differ in CRS and resolution: date 1 is a
    /// Bercy crop warped to UTM 31N at 10 m (projected, so a pixel is 0.01 ha), date 2 the same area as stored
    /// (EPSG:4326, ~8.5 × 13 m pixels). The change head's bias is shifted so that about half the pixels change
    /// (otherwise a random head maps all or nothing). Checks: every output on date 1's grid with colour tables;
    /// from/to maps in the SECOND convention (class + 1 where changed, 0 elsewhere, nodata together); the
    /// transition table counts exactly the maps' from→to pairs and its hectares add up to the changed area
    /// (= changed pixels × 0.01 ha = the summary's change area); `--semantic-maps everywhere` gives the same classes
    /// where changed and a class everywhere else.
    @Test(.enabled(if: SharedData.shouldRun)) func semanticChangeMapsAndTransitionTable() throws {
        let dir = try SharedData.tempDir("strata-scd-predict")
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        let t1 = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let t2 = try SharedData.path("oscd/derived/bercy_t2_13band_10m.tif")
        try GDALTool.run("gdal_translate", ["-q", "-b", "4", "-b", "3", "-b", "2", "-srcwin", "100", "100", "96", "80",
                                            t1, path("crop1.tif")])
        try GDALTool.run("gdalwarp", ["-q", "-t_srs", "EPSG:32631", "-tr", "10", "10", "-tap", "-r", "bilinear",
                                      path("crop1.tif"), path("before.tif")])
        try GDALTool.run("gdal_translate", ["-q", "-b", "4", "-b", "3", "-b", "2", "-srcwin", "90", "90", "116", "100",
                                            t2, path("after.tif")])
        let weights = try Self.clearSCD(before: path("before.tif"), after: path("after.tif"),
                                        to: path("scd.safetensors"))
        let K = 4

        func predict(_ out: String, _ extra: [String]) throws {
            let r = try StrataBinary.run(["predict", "--checkpoint", weights, "--before", path("before.tif"),
                                          "--after", path("after.tif"), "--output", path(out), "--chip", "64",
                                          "--overlap", "16", "--summary", "--probabilities", "--threads", "2",
                                          "--no-progress"] + extra)
            try #require(r.status == 0, "\(r.output)")
        }
        try predict("scd.tif", [])
        try predict("full.tif", ["--semantic-maps", "everywhere"])
        for f in ["scd.tif", "scd_from.tif", "scd_to.tif", "scd_probabilities.tif", "full_from.tif"] {
            try Self.expectSameGrid(path(f), path("before.tif"))
        }
        #expect(try Self.colorTable(path("scd_from.tif")).count >= K + 1)
        #expect(try Self.colorTable(path("scd_to.tif")).count >= K + 1)

        let change = try Self.bytes(path("scd.tif")), from = try Self.bytes(path("scd_from.tif"))
        let to = try Self.bytes(path("scd_to.tif"))
        let fullFrom = try Self.bytes(path("full_from.tif")), fullTo = try Self.bytes(path("full_to.tif"))
        var counts = Array(repeating: Array(repeating: 0, count: K), count: K)
        var changed = 0, unchanged = 0, consistent = true
        for i in change.indices {
            switch change[i] {
            case 255: consistent = consistent && from[i] == 255 && to[i] == 255 && fullFrom[i] == 255
            case 0:
                unchanged += 1
                consistent = consistent && from[i] == 0 && to[i] == 0 && Int(fullFrom[i]) < K && Int(fullTo[i]) < K
            case 1:
                changed += 1
                guard (1...K).contains(Int(from[i])), (1...K).contains(Int(to[i])) else { consistent = false; continue }
                consistent = consistent && fullFrom[i] == from[i] - 1 && fullTo[i] == to[i] - 1
                counts[Int(from[i]) - 1][Int(to[i]) - 1] += 1
            default: consistent = false
            }
        }
        #expect(consistent, "from/to maps disagree with the change map or the convention")
        #expect(changed > 0 && unchanged > 0, "changed \(changed), unchanged \(unchanged)")

        let data = try Data(contentsOf: URL(fileURLWithPath: path("scd_transitions.json")))
        let t = try JSONDecoder().decode(ChangeTransitions.self, from: data)
        #expect(t.pixels == counts)
        #expect(t.changedPixels == changed)
        let sum = t.hectares.joined().reduce(0, +)
        #expect(abs(sum - t.changedHectares) <= 1e-9 * max(1, sum),
                "table \(sum) ha vs changed \(t.changedHectares) ha")
        // UTM 10 m pixels: 100 m² = 0.01 ha each (planar area in the projected CRS).
        #expect(abs(t.changedHectares - Double(changed) * 0.01) <= 1e-9 * Double(changed), "\(t.changedHectares)")
        #expect(t.areaMethod == "planar")
        let md = try String(contentsOfFile: path("scd_transitions.md"), encoding: .utf8)
        #expect(md.contains("from \\ to") && md.contains(String(format: "%.2f", t.changedHectares)))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("scd.json"))))
        let classes = try #require((summary as? [String: Any])?["classes"] as? [[String: Any]])
        let summaryHa = try #require(classes.last?["hectares"] as? Double)
        #expect(abs(summaryHa - t.changedHectares) <= 1e-9 * max(1, summaryHa))
    }

    /// A random-init `clearscd` card (4 classes over B04, B03, B02) saved with its weights; the change head's
    /// bias is shifted by the median change logit over date 1's first 64 × 64 pixels so both outcomes occur.
    static func clearSCD(before: String, after: String, to path: String) throws -> String {
        Runtime.manualSeed(11)
        let card = try ModelCard(architecture: "clearscd", task: .semanticChange, bands: ["B04", "B03", "B02"],
                                 normalization: .scale(1e-4), inputSize: [64, 64],
                                 classNames: ["water", "vegetation", "bare", "built-up"])
        let model = try ModelRegistry.make(card: card)
        model.eval()
        let b = try Raster(path: before), grid = try b.grid
        let x1 = try b.read(onto: grid, bands: [1, 2, 3], resampling: .nearest, as: .float32)
        let x2 = try Raster(path: after).read(onto: grid, bands: [1, 2, 3], resampling: .bilinear, as: .float32)
        let x = try Tensor.cat([x1, x2], dim: 0).narrow(dim: 1, start: 0, length: 64)
            .narrow(dim: 2, start: 0, length: 64)
        let y = try Torch.inferenceMode { try model(try (x * 1e-4).unsqueeze(0)) }
        let logits = try y.narrow(dim: 1, start: 8, length: 1).contiguous().floats().sorted()
        let median = logits[logits.count / 2]
        let key = "head_bcd.convs.3.bias"
        let bias = try #require(try model.stateDict()[key])
        _ = try model.load(stateDict: StateDict([(key, try bias - Double(median))]), strict: false)
        try ModelWeights.save(model, card: card, to: path)
        return path
    }

    /// One clear error for each misuse: one date missing, a change model fed with --input, a single-date model fed
    /// with --before/--after, and dates whose bands do not match the model's.
    @Test(.enabled(if: SharedData.shouldRun)) func badPairInputsAreClearErrors() throws {
        let dir = try SharedData.tempDir("strata-cd-args")
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        let t1 = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let t2 = try SharedData.path("oscd/derived/bercy_t2_13band_10m.tif")
        try GDALTool.run("gdal_translate", ["-q", "-b", "4", "-b", "3", "-b", "2", "-srcwin", "0", "0", "64", "64",
                                            t1, path("a.tif")])
        try GDALTool.run("gdal_translate", ["-q", "-b", "4", "-b", "3", "-b", "2", "-srcwin", "0", "0", "64", "64",
                                            t2, path("b.tif")])
        let scd = try Self.clearSCD(before: path("a.tif"), after: path("b.tif"), to: path("scd.safetensors"))
        let segmentation = try PredictionCLITests.checkpoint(in: dir)
        let out = path("m.tif")
        func fails(_ args: [String], _ message: String) throws {
            let r = try Subprocess.run(try StrataBinary.path(), ["predict", "--output", out, "--no-progress"] + args)
            #expect(r.status != 0 && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        try fails(["--checkpoint", scd, "--before", path("a.tif")], "pass --after as well")
        try fails(["--checkpoint", scd, "--after", path("b.tif")], "pass --before as well")
        try fails(["--checkpoint", scd, "--input", path("a.tif")], "pass the first date with --before")
        try fails(["--checkpoint", segmentation, "--before", t1, "--after", t2], "not a change model")
        try fails(["--checkpoint", scd, "--before", t1, "--after", t2],
                  "has no band named B04 and does not hold exactly the model's 3 bands")

        // The library: a semantic-change model into a plain class-map sink is refused before any chip is read.
        let model = try TrainedModel.load(scd).predictionModel()
        let inputs = [PredictionInput(path: path("a.tif"), date: 1), PredictionInput(path: path("b.tif"), date: 2)]
        let predictor = Predictor(model: model, options: PredictionOptions(showProgress: false))
        let sink = MemorySink(grid: try predictor.outputGrid(for: inputs), classes: 9)
        #expect { _ = try predictor.predict(inputs: inputs, sink: sink) } throws: { "\($0)".contains("BlendedScoreSink") }
        #expect(sink.written.allSatisfy { $0 == 0 })
    }

    /// Band matching of dated inputs (no data needed): a date's band stack over several files, by name and by
    /// position, and a missing date.
    @Test func datedInputsFeedEachDatesChannels() throws {
        let grid = try GeoGrid(crs: try CRS("EPSG:32631"), bounds: BoundingBox(minX: 0, minY: 0, maxX: 10, maxY: 10),
                               resolution: 1)
        let model = try PredictionModel.pair(kind: .change, classNames: ["no change", "change"], channelsPerDate: 3,
                                             bands: ["B04", "B03", "B02"]) { $0 }
        func info(_ names: [String], _ date: Int?) -> InputInfo {
            InputInfo(grid: grid, names: names, nodata: names.map { _ in nil }, bandCount: names.count, date: date)
        }
        // Date 1: B02 in one file, B03+B04 in another (by name); date 2: three unnamed bands (by position).
        let inputs = [info(["B02"], 1), info(["", ""], 2), info(["B03", "B04"], 1), info(["x"], 2)]
        let s = try BandMatching.resolve(model: model, inputs: inputs, paths: ["a", "b", "c", "d"])
        #expect(s == [BandSource(input: 2, band: 2), BandSource(input: 2, band: 1), BandSource(input: 0, band: 1),
                      BandSource(input: 1, band: 1), BandSource(input: 1, band: 2), BandSource(input: 3, band: 1)])
        #expect(throws: PredictionError.self) {
            try BandMatching.resolve(model: model, inputs: [info(["B04", "B03", "B02"], 1)], paths: ["a"])
        }
        do {
            _ = try BandMatching.resolve(model: model, inputs: [info(["B04", "B03", "B02"], 1)], paths: ["a"])
        } catch {
            #expect("\(error)".contains("date 2 (--after)"), "\(error)")
        }
    }
}
