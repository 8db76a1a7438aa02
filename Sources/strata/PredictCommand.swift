import ArgumentParser
import Foundation
import StrataGeo
import StrataTasks
import StrataTensor

/// `strata predict`: a whole scene through a trained model to a georeferenced class map.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Map a whole scene with a trained model: a Cloud-Optimized GeoTIFF class map (+ probabilities, quick-look, summary).",
        discussion: """
        Segmentation models run on overlapping chips whose logits are blended with a cosine window (no seams); \
        scene classifiers run on a grid of windows, one output cell per window (--window/--stride). Several \
        --input files form one band stack; the model's bands are picked by name (band descriptions, or \
        --input-bands) and normalised as its model card says; inputs in other CRSs or resolutions are resampled \
        on the fly onto the first input's grid, or onto --grid. Pixels without data stay nodata. Every output is \
        written under a temporary name and renamed when the run has succeeded: an interrupted run leaves nothing \
        at the output paths.

        Many scenes: --scenes 'dir/*.tif' (or a folder, or --scene-list file.txt) --output-dir out/ maps each scene \
        (one raster) to out/<stem>.tif, then writes out/mosaic.vrt (GDALBuildVRT; the maps must share a CRS: else \
        --grid CRS:resolution or --no-mosaic) and out/scenes.json. With --nproc N (and --nnodes, --node-rank, \
        --master-addr, --master-port, or torchrun's RANK/WORLD_SIZE/…) the scenes are split over the ranks, \
        balanced by pixel count; a rank that fails ends the job with an error naming the rank and the scene.

        Outputs beside --output: <stem>_probabilities.tif (--probabilities), <stem>.png (--quicklook), \
        <stem>.json and <stem>.md (--summary: area per class in hectares).

        Change models take two dates: --before FIRST.tif --after SECOND.tif (each repeatable for a band stack); \
        the change map is on the first date's grid. Semantic-change models also write <stem>_from.tif, \
        <stem>_to.tif and the from→to table in hectares (<stem>_transitions.json / .md).
        """)

    @Option(name: [.customLong("checkpoint"), .customLong("weights")],
            help: "Model checkpoint or weights: safetensors with a model card (embedded, or <name>.card.json beside it), or Keras .h5 weights with --model (or a card beside them).")
    var checkpoint: String
    @Option(help: "The architecture of Keras .h5 weights, which do not say it (so2sat-resnet20: the So2Sat LCZ42 Sentinel-2 ResNet20 with its built-in card); for other files, a check against their card.")
    var model: String?
    @Option(name: .customLong("input"), help: "An input raster (repeat for a band stack of several files).")
    var inputs: [String] = []
    @OptionGroup var pair: PairInputOptions
    @Option(name: .customLong("input-bands"), help: "Comma-separated band names of the --input at the same position (for files without band descriptions).")
    var inputBands: [String] = []
    @Option(help: "The class map to write (COG).") var output: String?
    @Option(help: "Segmentation chip size in pixels (default: the model's input size, else 256).") var chip: Int?
    @Option(help: "Pixels shared by neighbouring chips (default: a quarter of the chip).") var overlap: Int?
    @Option(name: .customLong("batch-size"), help: "Chips per forward call.") var batchSize = 8
    @Option(help: "Blend window: cosine, gaussian or uniform.") var blend = "cosine"
    @Flag(help: "Also write per-class probabilities (uint8, p × 255) as <stem>_probabilities.tif.") var probabilities = false
    @Flag(help: "Also write a quick-look PNG with a legend (<stem>.png).") var quicklook = false
    @Flag(help: "Also write <stem>.json and <stem>.md: area per class in hectares.") var summary = false
    @Option(help: "Output grid CRS:resolution[:minx,miny,maxx,maxy] (bounds in that CRS; default: the first input's extent), e.g. EPSG:32631:10.")
    var grid: String?
    @Option(help: "Scene classification: window H[,W] in pixels (default: the model's input size).") var window: String?
    @Option(help: "Scene classification: stride Y[,X] in pixels, the output cell size (default: the window).") var stride: String?
    @Option(help: "Resampling of inputs not on the output grid: nearest, bilinear, cubic, average, …") var resampling = "bilinear"
    @Option(help: "Output value for pixels without data.") var nodata = 255
    @Option(name: .customLong("input-nodata"), help: "Input value meaning 'no data' in every band, overriding the files' own nodata (e.g. 0 for a Landsat scene's fill).") var inputNodata: Double?
    @Option(help: "Intra-op threads (default: STRATA_THREADS or the number of cores).") var threads: Int?
    @Option(help: "Reader threads.") var readers = 2
    @Option(help: DeviceOption.deviceHelp) var device = "cpu"
    @Option(help: DeviceOption.precisionHelp) var precision = "32"
    @Flag(name: .customLong("no-progress"), help: "Do not print progress.") var noProgress = false
    @Flag(name: .customLong("stac-item"),
          help: "Also write a STAC item (<map>.json: proj, raster and classification fields, the inputs' dates).")
    var stacItem = false
    @Flag(name: .customLong("compute-only"), help: .hidden) var computeOnly = false
    @Option(name: .customLong("batch-delay"), help: .hidden) var batchDelay: Double?
    @OptionGroup(title: "Many scenes (one class map each, split over processes and machines)")
    var sceneOptions: SceneOptions
    @OptionGroup(title: "Launch (with --scenes)") var launch: LaunchOptions

    func run() throws {
        if try runScenesIfRequested() { return }
        guard let output else {
            throw ValidationError("pass --output (the class map to write), or --scenes/--scene-list and --output-dir")
        }
        Runtime.configure(threads: threads)
        guard !inputs.isEmpty || pair.given else { throw ValidationError("pass at least one --input raster") }
        guard inputBands.isEmpty || inputBands.count == inputs.count else {
            throw ValidationError("\(inputBands.count) --input-bands for \(inputs.count) --input files: give one list per input, in the same order")
        }
        guard (0...255).contains(nodata) else { throw ValidationError("--nodata must be 0…255 (the map is uint8), got \(nodata)") }
        let dev = try DeviceOption.parse(device), autocast = try DeviceOption.precision(precision)
        var model = try TrainedModel.load(checkpoint, architecture: self.model).predictionModel(device: dev)
            .autocast(autocast)
        if let delay = batchDelay {
            let forward = model.forward
            model.forward = { x in Thread.sleep(forTimeInterval: delay); return try forward(x) }
        }
        try pair.check(model: model)
        let ins = try pair.given ? pair.inputs(plain: inputs, nodata: inputNodata) : inputs.enumerated().map { i, p in
            PredictionInput(path: p, bandNames: inputBands.isEmpty ? nil : inputBands[i].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }, nodata: inputNodata)
        }
        var options = try baseOptions()
        if let grid { options.grid = try Self.parseGrid(grid, inputs: ins) }
        let predictor = Predictor(model: model, options: options)

        if computeOnly {
            let c = try predictor.measureCompute(inputs: ins)
            let mp = Double(try predictor.outputGrid(for: ins).width * predictor.outputGrid(for: ins).height) / 1e6
            print(String(format: "compute: %.3f s for %d chips in %d batches (%.3f scene MP/s)", c.seconds, c.chips, c.batches,
                         c.seconds > 0 ? mp / c.seconds : 0))
            return
        }
        var outputs = PredictionOutputs.beside(output, probabilities: probabilities, quicklook: quicklook, summary: summary)
        if model.kind == .semanticChange { outputs.change = .beside(output, convention: try pair.convention()) }
        let run = try predictor.predict(inputs: ins, outputs: outputs)
        let g = run.outputGrid
        print("map: \(outputs.map) (\(g.width) × \(g.height), \(g.crs), \(model.classNames.count) classes, nodata \(nodata))")
        if stacItem {
            let itemPath = ((outputs.map as NSString).deletingPathExtension) + ".json"
            try MapSTACItem.write(map: outputs.map, probabilities: outputs.probabilities, grid: g,
                                  classNames: model.classNames, nodata: UInt8(nodata), inputs: inputs,
                                  model: model.name, to: itemPath)
            print("STAC item: \(itemPath)")
        }
        if let p = outputs.probabilities { print("probabilities: \(p)") }
        if let p = outputs.quicklook { print("quick-look: \(p)") }
        if let j = outputs.summaryJSON, let m = outputs.summaryMarkdown { print("summary: \(j), \(m)") }
        PairInputOptions.report(run, outputs: outputs, model: model)
        if let s = run.summary, summary {
            for c in s.classes where c.pixels > 0 {
                print(String(format: "  %3d %@: %.2f ha (%.1f %%)", c.index, c.name, c.hectares, c.percent))
            }
        }
        print(String(format: "predicted %.2f MP in %.2f s (%.2f MP/s): %d chips in %d batches", run.megapixels, run.seconds,
                     run.megapixelsPerSecond, run.chips, run.batches))
    }

    /// "256" or "256,128" → [h, w].
    static func pair(_ s: String, _ flag: String) throws -> [Int] {
        let v = s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (v.count == 1 || v.count == 2), v.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("\(flag) takes one or two positive integers (H or H,W), got \(s)")
        }
        return v.count == 1 ? [v[0], v[0]] : v
    }

    /// `CRS:resolution[:minx,miny,maxx,maxy]`: the CRS is everything before the resolution (so `EPSG:32631` works);
    /// without bounds, the first input's extent transformed into the CRS and snapped outwards to whole pixels.
    static func parseGrid(_ text: String, inputs: [PredictionInput]) throws -> GeoGrid {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var bounds: BoundingBox? = nil
        if let last = parts.last, last.contains(",") {
            let v = last.split(separator: ",").compactMap { Double($0) }
            guard v.count == 4 else { throw ValidationError("--grid bounds must be minx,miny,maxx,maxy, got \(last)") }
            bounds = BoundingBox(minX: v[0], minY: v[1], maxX: v[2], maxY: v[3])
            parts.removeLast()
        }
        guard parts.count >= 2, let res = Double(parts.removeLast()), res > 0 else {
            throw ValidationError("--grid must be CRS:resolution[:minx,miny,maxx,maxy], e.g. EPSG:32631:10, got \(text)")
        }
        let crs = try CRS(parts.joined(separator: ":"))
        let box: BoundingBox
        if let bounds {
            box = bounds
        } else {
            let first = try Raster(path: inputs[0].path, crs: inputs[0].crs)
            let b = try first.grid.crs.transform(first.bounds, to: crs)
            box = BoundingBox(minX: (b.minX / res).rounded(.down) * res, minY: (b.minY / res).rounded(.down) * res,
                              maxX: (b.maxX / res).rounded(.up) * res, maxY: (b.maxY / res).rounded(.up) * res)
        }
        return try GeoGrid(crs: crs, bounds: box, resolution: res)
    }
}
