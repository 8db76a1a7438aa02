import ArgumentParser
import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTasks
import StrataTensor

/// `strata zeroshot`: CLIP-family zero-shot classification of a chip folder (with metrics when labels are known)
/// or a whole scene (class map + probabilities COGs).
struct ZeroShotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zeroshot",
        abstract: "Zero-shot land-cover classification with CLIP-family weights (CLIP, RemoteCLIP, SenCLIP, …).",
        discussion: """
        Every class is described by prompts whose text embeddings are averaged (L2-normalised, mean, \
        re-normalised); an image goes to the class whose embedding is most similar to its own.

        Chips:  strata zeroshot --weights ViT-B-32.pt --chips ../shared/data/eurosat-ms --classes eurosat \
        --prompts aerial --output out/   → summary.json, report.md, per_class.csv, confusion_matrix.csv, \
        predictions.csv (accuracy, kappa, … when the chips are labelled with the classes).
        Scene:  strata zeroshot --weights W --input scene.tif --classes eurosat --prompts aerial --resolution 2.86 \
        --output out/   → out/zeroshot_map.tif (class map COG, colour table, class names), \
        out/zeroshot_map_probabilities.tif (p × 255 per class), out/zeroshot_map.json/.md (area per class).

        Prompt sets: generic ("a centered satellite photo of {}."), clip (CLIP's 3 templates), aerial and ground \
        (per-class descriptions, EuroSAT and BigEarthNet-19 classes), or a YAML file (docs/clip.md). Weights with \
        "senclip" in their name are normalised with SenCLIP's "Bing" statistics, others with CLIP's \
        (--normalization). CLIP's vocabulary is looked up in .deps/clip (scripts/setup fetches it) unless --vocab.
        """)

    @Option(help: "CLIP weights: .pt (OpenAI, TorchScript or state dict), .pth, .bin, .ckpt (SenCLIP), .safetensors.")
    var weights: String
    @Option(help: "CLIP's bpe_simple_vocab_16e6.txt.gz (default: .deps/clip/, fetched by scripts/setup).")
    var vocab: String?
    @Option(help: "Classes: eurosat, bigearthnet, or a YAML file (default: the --chips dataset's).")
    var classes: String?
    @Option(help: "Prompts: generic, clip, aerial, ground, or a YAML file.") var prompts = "generic"
    @Option(name: .customLong("top-k-prompts"), help: "Keep each class's K prompts with the best α/β score (SenCLIP).")
    var topKPrompts: Int?
    @Flag(help: "SenCLIP's per-class calibration: divide each class's scores by their mean over the chips (chips only).")
    var calibrate = false
    @Option(help: "Chip folder: EuroSAT(-MS or RGB), BigEarthNet, or class folders.") var chips: String?
    @Option(help: "Dataset kind of --chips: auto, eurosat, eurosat-rgb, bigearthnet, folder.") var dataset = "auto"
    @Option(help: "Split of --chips: all, train, val, test.") var split = "all"
    @Option(name: .customLong("input"), help: "A whole scene (GeoTIFF/COG/VRT) to map.") var input: String?
    @Option(name: .customLong("input-bands"),
            help: "Comma-separated band names of --input (files without band descriptions).")
    var inputBands: String?
    @Option(name: .customLong("input-nodata"), help: "Input value meaning 'no data' in every band of --input.")
    var inputNodata: Double?
    @Option(help: "Scene: ground resolution in metres of the grid windows are cut from (default: the input's).")
    var resolution: Double?
    @Option(help: "Scene: window side in pixels at --resolution (default: the model's input size).") var window: Int?
    @Option(help: "Scene: stride in pixels, the class map's cell size (default: the window).") var stride: Int?
    @Option(help: "Output folder.") var output: String
    @Option(help: "RGB band names in R,G,B order (default: B04,B03,B02; red,green,blue for EuroSAT RGB).")
    var bands: String?
    @Option(help: "Scaling to 0–1: minmax (per image, SenCLIP) or fixed (÷ --scale-max, clipped).")
    var scaling = "minmax"
    @Option(name: .customLong("scale-max"),
            help: "Value that becomes 1 with --scaling fixed (2750 for Sentinel-2 DNs, 255 for 8-bit).")
    var scaleMax: Double?
    @Option(help: "Fit to the model's size: resize (whole chip) or center-crop (CLIP's).") var fit = "resize"
    @Option(help: "Mean/std: auto (the weights' model card, else bing for *senclip* files, else clip), clip or bing.")
    var normalization = "auto"
    @Option(help: "Model input size (default: the size the weights were trained at).") var size: Int?
    @Option(help: "MLP activation of the weights: quickgelu (OpenAI-trained, default) or gelu.")
    var activation = "quickgelu"
    @Option(name: .customLong("batch-size"), help: "Images per forward call.") var batchSize = 32
    @Option(help: "Intra-op threads (default: STRATA_THREADS or the number of cores).") var threads: Int?
    @Option(help: DeviceOption.deviceHelp) var device = "cpu"
    @Flag(name: .customLong("no-progress"), help: "Do not print progress.") var noProgress = false
    @Option(name: .customLong("bench-images"), help: .hidden) var benchImages: Int?

    func run() throws {
        Runtime.configure(threads: threads)
        if let benchImages { return try ZeroShotBench.run(self, images: benchImages) }
        guard (chips == nil) != (input == nil) else {
            throw ValidationError("give either --chips DIR (a chip folder) or --input SCENE (a whole scene), not both")
        }
        if input != nil && calibrate {
            throw ValidationError("--calibrate divides by each class's mean over the evaluated chips; a streamed scene "
                + "map has no such set — map the scene without it, or evaluate chips")
        }
        let sceneOnly = [resolution != nil, window != nil, stride != nil, inputBands != nil, inputNodata != nil]
        if chips != nil, sceneOnly.contains(true) {
            throw ValidationError("--resolution, --window, --stride, --input-bands and --input-nodata apply to --input "
                + "scenes only")
        }
        if input != nil, dataset.lowercased() != "auto" || split.lowercased() != "all" {
            throw ValidationError("--dataset and --split apply to --chips folders only")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1") }
        let dev = try DeviceOption.parse(device)
        let act: CLIPActivation = switch activation.lowercased() {
        case "quickgelu", "quick-gelu": .quickGELU
        case "gelu": .gelu
        default: throw ValidationError("--activation must be quickgelu or gelu, got \(activation)")
        }

        // Data first: the dataset names the default classes and bands.
        var ds: (any ChipDataset)? = nil
        var datasetName = ""
        let card = try CLIPWeightsCard.read(weights: weights)
        if let chips { (ds, datasetName) = try openChips(chips, cardBands: card?.bands) }
        let classSet = try classSetFromOptions(datasetName: datasetName)
        let promptSet = try promptSetFromOptions(classSet)

        let vocabPath = try CLIPVocabularyFile.locate(vocab)
        let model = try CLIPWeights.load(weights, activation: act).to(dev)
        let tokenizer = try CLIPTokenizer(vocabularyPath: vocabPath, contextLength: model.config.contextLength)
        let stats = try statistics(card: card)
        let pre = CLIPPreprocessing(size: size ?? card?.inputSize ?? model.config.vision.imageSize,
                                    scaling: try scalingFromOptions(datasetName),
                                    fit: try fitFromOptions(), statistics: stats.0)
        let zs = try ZeroShotClassifier(model: model, tokenizer: tokenizer, classes: classSet, prompts: promptSet,
                                        topK: topKPrompts)
        let nPrompts = zs.prompts.prompts.map(\.count)
        var settings: [(String, String)] = [
            ("weights", weights), ("model", model.config.description), ("classes", classSet.name),
            ("prompts", "\(promptSet.name) (\(nPrompts.min()!)–\(nPrompts.max()!) per class"
                + (topKPrompts.map { ", top \($0) by α/β score" } ?? "") + ")"),
            ("scaling", "\(pre.scaling)"), ("fit", pre.fit.rawValue), ("size", "\(pre.size)"),
            ("normalization", "\(stats.0.name) (\(stats.1))"),
        ]
        print("zero-shot: \(classSet.classNames.count) classes, prompts \(settings[3].1), "
            + "normalisation \(stats.0.name) (\(stats.1)), input \(pre.size)²")
        if let ds {
            settings.insert(("data", "\(chips!) (\(datasetName), \(ds.count) chips)"), at: 0)
            let ev = ZeroShotEvaluation(classifier: zs, preprocessing: pre,
                                        options: .init(batchSize: batchSize, calibrate: calibrate,
                                                       showProgress: !noProgress))
            let r = try ev.run(ds)
            let files = try ZeroShotReport.write(r, settings: settings, to: output)
            if r.labels == nil {
                print("note: the chips' classes (\(ds.classNames.prefix(4).joined(separator: ", "))…) are not the "
                    + "classifier's; no metrics, predictions only")
            }
            for f in files { print("wrote \(f)") }
            print(String(format: "%d chips in %.2f s (%.1f chips/s)", r.ids.count, r.seconds, r.chipsPerSecond))
            for (k, v) in ZeroShotReport.metrics(r) {
                print(k == "chips" ? "\(k): \(Int(v))" : String(format: "%@: %.4f", k, v))
            }
        } else if let input {
            try mapScene(input, classifier: zs, preprocessing: pre, bands: try bandList(datasetName: "",
                         cardBands: card?.bands))
        }
    }

    func openChips(_ root: String, cardBands: [String]?) throws -> (any ChipDataset, String) {
        var name = dataset.lowercased(), root = root
        if name == "auto" {
            // The folder itself, or a dataset one or two levels down (eurosat-ms/eurosat/<Class>/…); Sentinel-2
            // data before a derived RGB copy beside it.
            let all = Datasets.find(under: [root], maxDepth: 2)
            if let found = all.first(where: { $0.name != "eurosat-rgb" }) ?? all.first {
                name = found.name
                root = found.path
            } else {
                name = "folder"
            }
        }
        guard ["eurosat", "eurosat-rgb", "bigearthnet", "folder"].contains(name) else {
            throw ValidationError("--dataset must be auto, eurosat, eurosat-rgb, bigearthnet or folder, got \(dataset)")
        }
        guard let s = DatasetSplit(name: split) else {
            throw ValidationError("--split must be all, train, val or test")
        }
        let rgb = try bandList(datasetName: name, cardBands: cardBands)
        return (try Datasets.open(name, root: root, options: DatasetOptions(split: s, bands: rgb)), name)
    }

    func bandList(datasetName: String, cardBands: [String]? = nil) throws -> [String] {
        if let bands {
            let b = bands.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard b.count == 3, b.allSatisfy({ !$0.isEmpty }) else {
                throw ValidationError("--bands takes three band names in R,G,B order, got \(bands)")
            }
            return b
        }
        if datasetName == "eurosat-rgb" { return EuroSAT.rgbBandNames }
        return cardBands ?? CLIPPreprocessing.sentinel2RGB
    }

    func classSetFromOptions(datasetName: String) throws -> ZeroShotClassSet {
        if let classes {
            if let s = ZeroShotClassSet.named(classes) { return s }
            guard FileManager.default.fileExists(atPath: classes) else {
                throw ValidationError("--classes: '\(classes)' is neither eurosat, bigearthnet nor a YAML file")
            }
            guard let s = try PromptFile(path: classes).classes else {
                throw ValidationError("--classes \(classes): the file has no classes: list")
            }
            return s
        }
        if !ZeroShotClassSet.builtInPrompt(prompts), FileManager.default.fileExists(atPath: prompts),
           let s = try PromptFile(path: prompts).classes {
            return s
        }
        switch datasetName {
        case "eurosat", "eurosat-rgb": return .eurosat
        case "bigearthnet": return .bigEarthNet19
        default:
            throw ValidationError("give --classes (eurosat, bigearthnet or a YAML file with a classes: list)")
        }
    }

    func promptSetFromOptions(_ classes: ZeroShotClassSet) throws -> PromptSet {
        if ZeroShotClassSet.builtInPrompt(prompts) { return try PromptSet.named(prompts, classes: classes) }
        guard FileManager.default.fileExists(atPath: prompts) else {
            throw ValidationError("--prompts: '\(prompts)' is neither one of "
                + "\(PromptSet.builtInNames.joined(separator: ", ")) nor a YAML file")
        }
        let file = try PromptFile(path: prompts)
        if let own = file.classes, own.classNames != classes.classNames {
            throw ValidationError("--prompts \(prompts) lists classes \(own.classNames.joined(separator: ", ")), "
                + "but the classes are \(classes.classNames.joined(separator: ", ")); make them agree")
        }
        return try file.promptSet(for: classes)
    }

    /// The mean/std and why they were chosen.
    func statistics(card: CLIPWeightsCard?) throws -> (CLIPPreprocessing.Statistics, String) {
        if normalization.lowercased() == "auto" {
            if let s = card?.statistics { return (s, card!.source) }
            return CLIPWeightsCard.fallback(weights: weights)
        }
        guard let s = CLIPPreprocessing.Statistics.named(normalization) else {
            throw ValidationError("--normalization must be auto, clip or bing, got \(normalization)")
        }
        return (s, "--normalization")
    }

    func scalingFromOptions(_ datasetName: String) throws -> CLIPPreprocessing.Scaling {
        switch scaling.lowercased() {
        case "minmax", "min-max":
            if scaleMax != nil { throw ValidationError("--scale-max applies to --scaling fixed only") }
            return .minMax
        case "fixed":
            return .fixed(max: scaleMax ?? (datasetName == "eurosat-rgb" ? 255 : 2750))
        default: throw ValidationError("--scaling must be minmax or fixed, got \(scaling)")
        }
    }

    func fitFromOptions() throws -> CLIPPreprocessing.Fit {
        guard let f = CLIPPreprocessing.Fit(rawValue: fit.lowercased()) else {
            throw ValidationError("--fit must be resize or center-crop, got \(fit)")
        }
        return f
    }

    func mapScene(_ path: String, classifier: ZeroShotClassifier, preprocessing: CLIPPreprocessing,
                  bands: [String]) throws {
        let names = inputBands.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let scene = PredictionInput(path: path, bandNames: names, nodata: inputNodata)
        let side = window ?? preprocessing.size
        guard side >= 1 else { throw ValidationError("--window must be ≥ 1") }
        let model = try ZeroShotScene.predictionModel(classifier, preprocessing: preprocessing,
                                                      bands: bands, window: side)
        var options = PredictionOptions(batchSize: batchSize, showProgress: !noProgress)
        options.window = [side, side]
        if let stride {
            guard stride >= 1 else { throw ValidationError("--stride must be ≥ 1") }
            options.stride = [stride, stride]
        }
        if let resolution { options.grid = try ZeroShotScene.grid(for: path, resolution: resolution) }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let map = URL(fileURLWithPath: output).appendingPathComponent("zeroshot_map.tif").path
        let outputs = PredictionOutputs.beside(map, probabilities: true, summary: true)
        let result = try Predictor(model: model, options: options).predict(inputs: [scene], outputs: outputs)
        let g = result.outputGrid, sg = result.sceneGrid
        let res = String(format: "%.3g", sg.transform.resolution.x)
        print("map: \(map) (\(g.width) × \(g.height) cells of \(side) px at \(res) \(sg.crs.units), \(sg.crs))")
        if let p = outputs.probabilities { print("probabilities: \(p)") }
        if let j = outputs.summaryJSON, let m = outputs.summaryMarkdown { print("summary: \(j), \(m)") }
        print(String(format: "mapped %d windows in %.2f s", result.chips, result.seconds))
    }
}

extension ZeroShotClassSet {
    static func builtInPrompt(_ name: String) -> Bool { PromptSet.builtInNames.contains(name.lowercased()) }
}
