import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `strata zeroshot` on real data (EuroSAT-MS tiles, BigEarthNet patches, an OSCD city) with a randomly initialised
/// CLIP: the accuracy is meaningless, the pipeline and its outputs are what is checked.
@Suite(.serialized) struct ZeroShotEndToEndTests {
    /// A small CLIP with the real tokenizer's vocabulary (49,408 ids) and context (77): ViT 64 px / patch 16,
    /// width 64, one layer and head per tower, embed 32; random weights (seeded), written as safetensors.
    static func randomWeights(in dir: URL) throws -> String {
        Runtime.manualSeed(5)
        let vision = CLIPConfig.Vision.vit(imageSize: 64, patchSize: 16, width: 64, layers: 1, heads: 1)
        let config = CLIPConfig(embedDim: 32, vision: vision, textWidth: 64, textHeads: 1, textLayers: 1)
        let model = try CLIPModel(config)
        let path = dir.appendingPathComponent("clip_random.safetensors").path
        try SafeTensors.save(try model.stateDict().entries.map { ($0.key, $0.value) }, to: path)
        return path
    }

    static let oscdBands = "B01,B02,B03,B04,B05,B06,B07,B08,B8A,B09,B10,B11,B12"

    static func json(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func eurosatChipsGiveTablesThatAgreeWithTheLibrary() throws {
        let data = try SharedData.path("eurosat-ms"), vocab = try SharedData.path("clip/bpe_simple_vocab_16e6.txt.gz")
        let dir = try SharedData.tempDir("zeroshot-eurosat")
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Self.randomWeights(in: dir)
        let out = dir.appendingPathComponent("out").path
        let r = try StrataBinary.run(["zeroshot", "--weights", weights, "--vocab", vocab, "--chips", data,
                                      "--classes", "eurosat", "--prompts", "aerial", "--top-k-prompts", "3",
                                      "--calibrate", "--output", out, "--threads", "2", "--no-progress"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("accuracy: ") && r.output.contains("kappa: "), "\(r.output)")
        for f in ["summary.json", "report.md", "per_class.csv", "confusion_matrix.csv", "predictions.csv"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(f)"), "\(f)")
        }
        let summary = try Self.json("\(out)/summary.json")
        let metrics = try #require(summary["metrics"] as? [String: Any])
        #expect(metrics["chips"] as? Double == 200)
        let confusion = try #require(summary["confusion_matrix"] as? [[Int]])
        #expect(confusion.count == 10 && confusion.allSatisfy { $0.reduce(0, +) == 20 }, "20 tiles per class")
        let trace = (0..<10).reduce(0) { $0 + confusion[$1][$1] }
        let accuracy = try #require(metrics["accuracy"] as? Double)
        #expect(abs(accuracy - Double(trace) / 200) < 1e-12)
        #expect(metrics["kappa"] is Double)
        #expect(try Self.lines("\(out)/per_class.csv").count == 11)
        #expect(try String(contentsOfFile: "\(out)/report.md", encoding: .utf8).contains("top 3 by α/β score"))

        // The same run through the library gives the predictions the CLI wrote.
        let model = try CLIPWeights.load(weights)
        let zs = try ZeroShotClassifier(model: model, tokenizer: CLIPTokenizer(vocabularyPath: vocab),
                                        classes: .eurosat, prompts: PromptSet.named("aerial", classes: .eurosat),
                                        topK: 3)
        #expect(zs.prompts.prompts.allSatisfy { $0.count == 3 })
        let ds = try EuroSAT(root: data + "/eurosat", bands: CLIPPreprocessing.sentinel2RGB)
        let res = try ZeroShotEvaluation(classifier: zs, preprocessing: CLIPPreprocessing(size: 64),
                                         options: .init(batchSize: 32, calibrate: true)).run(ds)
        let rows = try Self.lines("\(out)/predictions.csv").dropFirst()
        #expect(rows.count == 200)
        #expect(rows.allSatisfy { $0.contains("/eurosat/") && $0.contains(".tif,") }, "the 13-band tiles, not the PNGs")
        let cli = rows.map { $0.split(separator: ",")[2] }.map(String.init)
        #expect(cli == res.predictions.map { EuroSAT.classNames[$0] })
        #expect(res.confusion?.rows == confusion)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func bigEarthNetPatchesGiveMultiLabelScores() throws {
        let data = try SharedData.path("bigearthnet/BigEarthNet-S2-Example")
        let vocab = try SharedData.path("clip/bpe_simple_vocab_16e6.txt.gz")
        let dir = try SharedData.tempDir("zeroshot-ben")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let weights = try Self.randomWeights(in: dir)
        // A model card beside the weights sets the normalisation (SenCLIP's statistics here).
        try """
        {"format": "strata-model-card/1", "architecture": "clip", "normalization": {"kind": "mean-std",
         "mean": [0.347, 0.376, 0.296], "std": [0.269, 0.261, 0.276]}, "input_size": [64, 64]}
        """.write(toFile: dir.appendingPathComponent("clip_random.card.json").path, atomically: true, encoding: .utf8)
        let r = try StrataBinary.run(["zeroshot", "--weights", weights, "--vocab", vocab,
                                      "--chips", data, "--prompts", "ground", "--output", out, "--threads", "2",
                                      "--no-progress"])
        #expect(r.status == 0, "\(r.output)")
        let metrics = try #require(try Self.json("\(out)/summary.json")["metrics"] as? [String: Any])
        #expect(metrics["chips"] as? Double == 6)
        let hit = try #require(metrics["top_k_hit_rate"] as? Double)
        #expect(hit >= 0 && hit <= 1)
        #expect(metrics["mean_average_precision"] is Double)
        let perClass = try Self.lines("\(out)/per_class.csv")
        #expect(perClass.count == 20 && perClass[0] == "class,support,average_precision")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/confusion_matrix.csv"))
        let settings = try #require(try Self.json("\(out)/summary.json")["settings"] as? [String: String])
        #expect(settings["normalization"]?.contains("clip_random.card.json") == true, "\(settings)")
    }

    @Test(.enabled(if: SharedData.shouldRun)) func oscdSceneGivesAGeoreferencedClassMapAndProbabilities() throws {
        let scene = try SharedData.path("oscd/derived/paris_t1_13band_10m.tif")
        let vocab = try SharedData.path("clip/bpe_simple_vocab_16e6.txt.gz")
        let dir = try SharedData.tempDir("zeroshot-scene")
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Self.randomWeights(in: dir)
        let input = try Raster(path: scene)
        let inGT = try #require(input.geoTransform)

        // On the input's own grid: windows of 32 px, one map cell each.
        let own = dir.appendingPathComponent("own").path
        var r = try StrataBinary.run(["zeroshot", "--weights", weights, "--vocab", vocab, "--input", scene,
                                      "--input-bands", Self.oscdBands, "--classes", "eurosat", "--prompts", "generic",
                                      "--window", "32", "--output", own, "--threads", "2", "--no-progress"])
        #expect(r.status == 0, "\(r.output)")
        let map = try Raster(path: "\(own)/zeroshot_map.tif")
        #expect(map.crs == input.crs)
        let gt = try #require(map.geoTransform)
        #expect(abs(gt.originX - inGT.originX) < 1e-9 && abs(gt.originY - inGT.originY) < 1e-9)
        #expect(abs(gt.resolution.x - 32 * inGT.resolution.x) < 1e-12)
        #expect(map.width == (input.width + 31) / 32 || map.width == input.width / 32)
        let band = map.bands[0]
        #expect(band.categoryNames == EuroSAT.classNames)
        #expect((band.colorTable?.count ?? 0) >= 10)
        let classes = try map.read(window: PixelWindow(x: 0, y: 0, width: map.width, height: map.height)).ints()
        #expect(classes.allSatisfy { $0 < 10 || $0 == 255 })
        #expect(classes.contains { $0 < 10 })
        let probs = try Raster(path: "\(own)/zeroshot_map_probabilities.tif")
        #expect(probs.bandCount == 10 && probs.crs == input.crs)
        let p = try probs.read(window: PixelWindow(x: 0, y: 0, width: probs.width, height: probs.height)).ints()
        let n = probs.width * probs.height
        for i in 0..<n where classes[i] != 255 {
            let sum = (0..<10).reduce(0) { $0 + p[$1 * n + i] }
            // Each band is round(p × 255): the sum is 255 up to half a level per class.
            #expect(abs(sum - 255) <= 5, "pixel \(i): probabilities sum to \(sum)/255")
            let argmax = (0..<10).max { p[$0 * n + i] < p[$1 * n + i] }!
            #expect(p[argmax * n + i] == p[classes[i] * n + i], "the map's class has the highest probability")
        }

        // At a chosen ground resolution: 10 m cells on the city's UTM zone, windows of the model's 64 px.
        let utm = dir.appendingPathComponent("utm").path
        r = try StrataBinary.run(["zeroshot", "--weights", weights, "--vocab", vocab, "--input", scene,
                                  "--input-bands", Self.oscdBands, "--classes", "eurosat", "--prompts", "aerial",
                                  "--resolution", "10", "--output", utm, "--threads", "2", "--no-progress"])
        #expect(r.status == 0, "\(r.output)")
        let m2 = try Raster(path: "\(utm)/zeroshot_map.tif")
        #expect(m2.crs?.epsg == 32631, "Paris lies in UTM zone 31N")
        #expect(abs((try #require(m2.geoTransform)).resolution.x - 640) < 1e-9, "64 px windows at 10 m")
        #expect(FileManager.default.fileExists(atPath: "\(utm)/zeroshot_map.json"))
    }

    @Test(.enabled(if: SharedData.shouldRun)) func badArgumentsAreExplained() throws {
        let scene = try SharedData.path("oscd/derived/paris_t1_13band_10m.tif")
        let vocab = try SharedData.path("clip/bpe_simple_vocab_16e6.txt.gz")
        let dir = try SharedData.tempDir("zeroshot-args")
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Self.randomWeights(in: dir)
        let out = dir.appendingPathComponent("o").path
        let base = ["zeroshot", "--weights", weights, "--vocab", vocab, "--output", out, "--no-progress"]
        var r = try StrataBinary.run(base + ["--input", scene, "--classes", "eurosat", "--calibrate"])
        #expect(r.status != 0 && r.output.contains("--calibrate"), "\(r.output)")
        r = try StrataBinary.run(base + ["--input", scene, "--classes", "eurosat", "--split", "test"])
        #expect(r.status != 0 && r.output.contains("--chips folders only"), "\(r.output)")
        r = try StrataBinary.run(base + ["--chips", scene, "--classes", "eurosat", "--resolution", "10"])
        #expect(r.status != 0 && r.output.contains("--input scenes only"), "\(r.output)")
        r = try StrataBinary.run(base + ["--input", scene, "--classes", "eurosat", "--prompts", "poems"])
        #expect(r.status != 0 && r.output.contains("poems"), "\(r.output)")
        r = try StrataBinary.run(base + ["--input", scene, "--input-bands", Self.oscdBands, "--prompts", "aerial"])
        #expect(r.status != 0 && r.output.contains("--classes"), "\(r.output)")
        let missing = dir.appendingPathComponent("none.gz").path
        r = try StrataBinary.run(["zeroshot", "--weights", weights, "--vocab", missing,
                                  "--input", scene, "--classes", "eurosat", "--output", out])
        #expect(r.status != 0 && r.output.contains("none.gz"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/zeroshot_map.tif"))
    }
}
