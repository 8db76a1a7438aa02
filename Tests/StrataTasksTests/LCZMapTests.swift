import Foundation
import StrataGeo
import StrataModels
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// LCZ maps of real cities: the So2Sat LCZ42 Sentinel-2 ResNet20 (real Keras weights, built-in model card) over the
/// OSCD 13-band 10 m stacks through the whole-scene predictor, checked window by window against the original Keras
/// model's probabilities (`reference-outputs/so2sat-lcz`), and the COGs checked with GDAL's own gdalinfo.
@Suite(.serialized) struct LCZMapTests {
    static let weights = "weights/so2sat-lcz/S2_RESNET20_BS16_LR2e-4_IN32-32-10_PRO-52-0R12_2019-06-27.h5"
    /// The OSCD stacks' bands (the files carry no band descriptions).
    static let oscdBands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
    /// Absolute tolerance on window probabilities (the reference README's suggestion: TensorFlow and libtorch sum
    /// float32 convolutions in different orders; the chip-level parity test saw at most 1.4e-5).
    static let tolerance: Float = 1e-4

    static func model() throws -> PredictionModel {
        try TrainedModel.load(try SharedData.path(weights), architecture: "so2sat-resnet20").predictionModel()
    }

    static func input(_ city: String) throws -> PredictionInput {
        PredictionInput(path: try SharedData.path("oscd/derived/\(city)_t1_13band_10m.tif"), bandNames: oscdBands)
    }

    /// `(row, col, predicted class index)` per reference chip.
    static func origins(_ city: String) throws -> [(row: Int, col: Int, cls: Int)] {
        let text = try String(contentsOfFile: try SharedData.path("reference-outputs/so2sat-lcz/\(city)_chip_origins.csv"),
                              encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map { line in
            let f = line.split(separator: ",").map(String.init)
            return (Int(f[1])!, Int(f[2])!, Int(f[3])!)
        }
    }

    @Test func builtInCardDescribesTheSo2SatModel() throws {
        let card = try KerasImport.defaultCard(architecture: "so2sat_resnet20")
        #expect(card.bands == ["B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12"])
        #expect(card.inputSize == [32, 32])
        #expect(card.classNames.first == "LCZ 1 Compact high-rise" && card.classNames.last == "LCZ G Water")
        #expect(try card.inputRounding == .float16)
        let colors = try #require(try TrainedModel.classColors(card))
        #expect(colors.count == 17 && colors[0] == RGBA(140, 0, 0) && colors[16] == RGBA(106, 106, 255))
        var bad = card
        bad.extra[ModelCard.inputRoundingKey] = "bfloat16"
        #expect(throws: ModelError.self) { try bad.inputRounding }
        #expect(throws: ModelError.self) { try KerasImport.defaultCard(architecture: "resnet18") }
    }

    @Test func roundingReproducesTheDemosFloat16Scaling() throws {
        let dn: [Float] = [0, 1, 2049, 4097, 9999, 10000, 28000, 65504]
        let x = try Tensor(dn, shape: [1, dn.count, 1, 1])
        let y = try ModelCard.InputRounding.float16.normalize(x, scale: Array(repeating: 1e-4, count: dn.count),
                                                              offset: Array(repeating: 0, count: dn.count)).floats()
        let reference = try So2SatResNetV2.sentinel2Reflectance(fromDN: try Tensor(dn)).floats()
        #expect(y == reference)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func kerasWeightsNeedTheirArchitectureNamed() throws {
        let path = try SharedData.path(Self.weights)
        #expect(try CheckpointFile.kind(of: path) == .kerasWeights)
        #expect(throws: TrainingError.self) { try TrainedModel.load(path) }
        #expect(throws: (any Error).self) { try TrainedModel.load(path, architecture: "resnet18") }
    }

    @Test(.enabled(if: SharedData.shouldRun), arguments: ["paris", "hongkong"])
    func windowProbabilitiesEqualKerasThroughTheWholeScenePath(city: String) throws {
        let model = try Self.model()
        let predictor = Predictor(model: model, options: PredictionOptions(batchSize: 64, showProgress: false))
        let inputs = [try Self.input(city)]
        let grid = try predictor.outputGrid(for: inputs)
        let sink = MemorySink(grid: grid, classes: 17)
        let run = try predictor.predict(inputs: inputs, sink: sink)
        #expect(run.outputGrid.width == (run.sceneGrid.width + 31) / 32, "one output cell per 32 px window")
        let keras = try NPY.read(try SharedData.path("reference-outputs/so2sat-lcz/\(city)_probs.npy"))
        let k = try keras.floats()
        let chips = try Self.origins(city)
        #expect(keras.shape == [chips.count, 17])
        var worst: Float = 0
        let plane = grid.width * grid.height
        for (i, chip) in chips.enumerated() {
            #expect(chip.row % 32 == 0 && chip.col % 32 == 0)
            let cell = (chip.row / 32) * grid.width + chip.col / 32
            for j in 0..<17 { worst = max(worst, abs(sink.probabilities[j * plane + cell] - k[i * 17 + j])) }
            #expect(Int(sink.map[cell]) == chip.cls, "\(city) chip \(i): class \(sink.map[cell]) vs Keras \(chip.cls)")
        }
        print("\(city): \(chips.count) windows, max |Δprob| vs Keras \(worst)")
        #expect(worst <= Self.tolerance, "\(city): max |Δprob| \(worst)")
    }

    @Test(.enabled(if: SharedData.shouldRun), arguments: ["paris", "hongkong"])
    func lczCOGsOpenWithTheirColourTableAndClassNames(city: String) throws {
        let dir = try SharedData.tempDir("lcz-map")
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = dir.appendingPathComponent("\(city)_lcz.tif").path
        // Paris: overlapping windows at a finer step, 32 px windows every 16 px (160 m cells); Hong Kong at the
        // model's 320 m cell (a larger scene: kept to one window per cell for the test's time).
        let step = city == "paris" ? 16 : 32
        let predictor = Predictor(model: try Self.model(),
                                  options: PredictionOptions(stride: [step, step], batchSize: 64, showProgress: false))
        let run = try predictor.predict(inputs: [try Self.input(city)],
                                        outputs: .beside(map, probabilities: false, quicklook: true, summary: true))
        let info = try GDALTool.info(map)
        let structure = (info["metadata"] as? [String: [String: String]])?["IMAGE_STRUCTURE"] ?? [:]
        #expect(structure["LAYOUT"] == "COG", "\(structure)")
        let band = try #require((info["bands"] as? [[String: Any]])?.first)
        #expect(band["colorInterpretation"] as? String == "Palette")
        let entries = try #require((band["colorTable"] as? [String: Any])?["entries"] as? [[Int]])
        for (i, z) in LCZLegend.zones.enumerated() {
            #expect(entries[i] == [Int(z.red), Int(z.green), Int(z.blue), 255], "LCZ \(z.code): \(entries[i])")
        }
        let metadata = (band["metadata"] as? [String: [String: String]])?[""] ?? [:]
        for (i, z) in LCZLegend.zones.enumerated() { #expect(metadata["CLASS_\(i)"] == z.label) }
        let size = try #require(info["size"] as? [Int])
        #expect(size == [(run.sceneGrid.width + step - 1) / step, (run.sceneGrid.height + step - 1) / step])
        // Area per LCZ in the summary: the classes' areas add up to the mapped area, built types dominate Paris.
        let summary = try #require(run.summary)
        let total = summary.classes.reduce(0) { $0 + $1.hectares }
        #expect(total > 0 && abs(total - summary.totalHectares) <= 1e-6 * total)
        #expect(summary.classes.map(\.name) == LCZLegend.zones.map(\.label))
        if city == "paris" {
            let built = summary.classes.prefix(10).reduce(0) { $0 + $1.hectares }
            #expect(built > 0.8 * total, "Paris is mostly LCZ 1–10: \(built) of \(total) ha")
        } else {
            #expect(summary.classes[16].hectares > 0, "Hong Kong's map has water")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(city)_lcz.png").path))
    }

    /// The command a user runs: Keras weights named with --model, the OSCD stack's bands named with --input-bands.
    @Test(.enabled(if: SharedData.shouldRun)) func cliMapsParisFromKerasWeights() throws {
        let dir = try SharedData.tempDir("lcz-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = dir.appendingPathComponent("paris_lcz.tif").path
        let args = ["predict", "--weights", try SharedData.path(Self.weights), "--input",
                    try SharedData.path("oscd/derived/paris_t1_13band_10m.tif"),
                    "--input-bands", Self.oscdBands.joined(separator: ","), "--output", map, "--summary", "--no-progress",
                    "--batch-size", "64"]
        let missing = try Subprocess.run(try StrataBinary.path(), args)
        #expect(missing.status != 0 && missing.stderr.contains("--model so2sat-resnet20"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: map))
        let r = try Subprocess.run(try StrataBinary.path(), args + ["--model", "so2sat-resnet20"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("13 × 13") && r.stdout.contains("17 classes"), "\(r.stdout)")
        #expect(r.stdout.contains("LCZ 2 Compact mid-rise"), "area per LCZ printed: \(r.stdout)")
        let md = try String(contentsOfFile: dir.appendingPathComponent("paris_lcz.md").path, encoding: .utf8)
        #expect(md.contains("| 1 | LCZ 2 Compact mid-rise | #d10000 |"), "\(md)")
    }
}
