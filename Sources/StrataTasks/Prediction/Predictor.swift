import Foundation
import StrataData
import StrataGeo
import StrataTensor

/// What a prediction did.
public struct PredictionRun: Sendable {
    /// The grid the inputs were read on, and the output map's grid (the same for segmentation; stride × coarser
    /// for scene classification).
    public var sceneGrid: GeoGrid
    public var outputGrid: GeoGrid
    /// Chips (or windows) run through the model, and forward calls.
    public var chips: Int
    public var batches: Int
    /// Column blocks the scene was split into (1 unless wider than the strip budget allows).
    public var columnBlocks: Int
    /// Bytes of the strip accumulator (segmentation).
    public var accumulatorBytes: Int
    /// Wall time of the whole run, and the scene's megapixels.
    public var seconds: Double
    public var megapixels: Double
    public var megapixelsPerSecond: Double { seconds > 0 ? megapixels / seconds : 0 }
    /// The summary, when `predict(inputs:outputs:)` wrote files.
    public var summary: PredictionSummary?
    /// Semantic-change models: the from→to table of the changed pixels, when `predict(inputs:outputs:)` wrote files.
    public var transitions: ChangeTransitions? = nil
}

/// Whole-scene prediction with any model (see `PredictionModel`): the scene is cut into overlapping chips (or, for
/// scene classification, a grid of windows), chips are read and normalised by reader threads, the model runs
/// batches on the calling thread, and a writer thread blends the chips' logits with a smooth window into a strip
/// accumulator and streams finished rows to the outputs — reading, inference and writing overlap, and memory is
/// bounded by the tile buffers and one strip, never the whole scene.
///
/// ```swift
/// let p = Predictor(model: model, options: .init(chip: [256, 256], overlap: 64, batchSize: 8))
/// let run = try p.predict(inputs: [PredictionInput(path: "scene.tif")],
///                         outputs: .beside("map.tif", probabilities: true, quicklook: true, summary: true))
/// ```
public final class Predictor {
    public let model: PredictionModel
    public let options: PredictionOptions

    public init(model: PredictionModel, options: PredictionOptions = .init()) {
        self.model = model
        self.options = options
    }

    /// Writes the class map and the other requested outputs (see `PredictionOutputs`). Nothing appears at any
    /// output path unless the whole run succeeds; a failure or a kill leaves only hidden temporary files, which the
    /// next run on the same paths removes.
    public func predict(inputs: [PredictionInput], outputs: PredictionOutputs) throws -> PredictionRun {
        try withCacheLimit { try predictFiles(.rasters(inputs), outputs: outputs) }
    }

    /// As `predict(inputs:outputs:)` with the chips read from a `GeoDataset` (a `RasterDataset` over many files, an
    /// intersection of datasets, …): the output grid is `options.grid`, else the dataset's extent at its resolution
    /// in its CRS; the model's bands are picked from the dataset's `bandNames`, and pixels equal to its `nodata`
    /// (or outside every file, which read as nodata) are nodata in the map.
    public func predict(dataset: any GeoDataset, outputs: PredictionOutputs) throws -> PredictionRun {
        try withCacheLimit { try predictFiles(.dataset(dataset), outputs: outputs) }
    }

    /// As `predict(inputs:sink:)` for a dataset.
    public func predict(dataset: any GeoDataset, sink: ClassMapSink) throws -> PredictionRun {
        try checkSink(sink)
        let start = Date()
        return try withCacheLimit { try execute(try prepare(.dataset(dataset)), sink: sink, start: start) }
    }

    /// Where chips come from.
    enum Source: Sendable {
        case rasters([PredictionInput])
        case dataset(any GeoDataset)

        var names: [String] {
            switch self {
            case .rasters(let r): r.map(\.path)
            case .dataset(let d): ["\(type(of: d)) with bands [\(d.bandNames.joined(separator: ", "))]"]
            }
        }
    }

    /// Runs `body` with GDAL's block cache capped at `options.gdalCacheBytes` (the COG conversion at the end
    /// included), restoring the previous limit afterwards.
    func withCacheLimit<T>(_ body: () throws -> T) rethrows -> T {
        let saved = GDAL.cacheMax
        if let c = options.gdalCacheBytes { GDAL.cacheMax = c }
        defer { GDAL.cacheMax = saved }
        return try body()
    }

    private func predictFiles(_ source: Source, outputs: PredictionOutputs) throws -> PredictionRun {
        let start = Date()
        let setup = try prepare(source)
        let colors = model.colors ?? ClassPalette.colors(for: model.classNames)
        let files: PredictionFileSink = model.kind == .semanticChange
            ? try semanticChangeFiles(grid: setup.outputGrid, colors: colors, outputs: outputs)
            : try ClassMapFiles(grid: setup.outputGrid, classNames: model.classNames, colors: colors,
                                nodata: options.nodata, outputs: outputs)
        do {
            var run = try execute(setup, sink: files, start: start)
            run.transitions = (files as? SemanticChangeFiles)?.transitions
            let seconds = Date().timeIntervalSince(start)
            run.summary = try files.finish(model: model.name, kind: model.kindName, inputs: source.names,
                                           settings: setup.settings, seconds: seconds, megapixels: run.megapixels)
            try files.commit()
            run.seconds = Date().timeIntervalSince(start)
            return run
        } catch {
            files.abort()
            throw error
        }
    }

    /// Runs the prediction into any sink (e.g. an in-memory one in tests).
    public func predict(inputs: [PredictionInput], sink: ClassMapSink) throws -> PredictionRun {
        try checkSink(sink)
        let start = Date()
        return try withCacheLimit { try execute(try prepare(.rasters(inputs)), sink: sink, start: start) }
    }

    /// A semantic-change model's scores are 2K + 1 channels (from, to, change) that only a `BlendedScoreSink` can turn
    /// into maps; a plain class-map sink would receive an argmax over all of them, which means nothing.
    func checkSink(_ sink: ClassMapSink) throws {
        guard model.kind != .semanticChange || sink is BlendedScoreSink else {
            throw PredictionError("the semantic-change model \(model.name) needs a sink that receives the blended "
                + "scores (a BlendedScoreSink, e.g. SemanticChangeFiles via predict(inputs:outputs:)); a plain "
                + "class-map sink cannot split its from/to/change outputs")
        }
    }

    /// The output map's grid for these inputs, without reading pixels.
    public func outputGrid(for inputs: [PredictionInput]) throws -> GeoGrid { try prepare(.rasters(inputs)).outputGrid }

    // MARK: set-up

    struct Setup {
        var source: Source
        var infos: [InputInfo]
        var sources: [BandSource]
        var sceneGrid: GeoGrid
        var outputGrid: GeoGrid
        var segmentation: SegmentationPlan?
        var scene: ScenePlan?
        var chipH: Int, chipW: Int
        var settings: [String: String]
        var count: Int { segmentation?.tiles.count ?? scene!.count }
    }

    func prepare(_ source: Source) throws -> Setup {
        try model.validate()
        guard options.batchSize >= 1 else { throw PredictionError("batch size must be ≥ 1, got \(options.batchSize)") }
        guard options.readers >= 1, options.queueDepth >= 1 else {
            throw PredictionError("readers and queue depth must be ≥ 1 (got \(options.readers), \(options.queueDepth))")
        }
        guard model.classNames.count < Int(options.nodata) || model.classNames.count == 1 && options.nodata > 1 else {
            throw PredictionError("\(model.classNames.count) classes but nodata is \(options.nodata): class indices must stay below the nodata value")
        }
        var infos: [InputInfo] = []
        var source = source
        let sceneGrid: GeoGrid
        switch source {
        case .dataset(let ds):
            let own = try GeoGrid(crs: ds.crs, bounds: ds.bounds, resolution: ds.resolution)
            sceneGrid = options.grid ?? own
            infos = [InputInfo(grid: own, names: ds.bandNames, nodata: ds.bandNames.map { _ in ds.nodata }, bandCount: ds.bandNames.count)]
            guard !ds.bandNames.isEmpty else { throw PredictionError("the dataset has no image bands to predict from") }
            source = .dataset(try ds.aligned(to: GridTarget(grid: sceneGrid)))
        case .rasters(let inputs):
            guard !inputs.isEmpty else { throw PredictionError("no input rasters; pass at least one (--input scene.tif)") }
            infos = try Self.describe(inputs)
            sceneGrid = options.grid ?? infos[0].grid
        }
        let sources = try BandMatching.resolve(model: model, inputs: infos, paths: source.names)
        for (i, info) in infos.enumerated() {
            let b = try info.grid.crs.transform(info.grid.bounds, to: sceneGrid.crs)
            if !b.intersects(sceneGrid.bounds) {
                throw PredictionError("input \(source.names[i]) does not overlap the output grid (\(sceneGrid.bounds) in \(sceneGrid.crs)); check --grid or the input")
            }
        }
        return try plan(source: source, infos: infos, sources: sources, sceneGrid: sceneGrid)
    }

    /// Grids, band names and nodata of input rasters.
    static func describe(_ inputs: [PredictionInput]) throws -> [InputInfo] {
        var infos: [InputInfo] = []
        for input in inputs {
            let r = try Raster(path: input.path, crs: input.crs)
            let grid: GeoGrid
            do { grid = try r.grid } catch {
                throw PredictionError("input \(input.path) is not georeferenced (\(error)); give it a CRS and geotransform, or pass its CRS")
            }
            let names = input.bandNames ?? r.bands.map(\.description)
            guard names.count == r.bandCount else {
                throw PredictionError("\(names.count) band names given for \(input.path), which has \(r.bandCount) bands (give one name per band)")
            }
            infos.append(InputInfo(grid: grid, names: names,
                                   nodata: r.bands.map { b in (input.nodata ?? b.nodata).map { $0 * b.scale + b.offset } },
                                   bandCount: r.bandCount, date: input.date))
        }
        return infos
    }

    func plan(source: Source, infos: [InputInfo], sources: [BandSource], sceneGrid: GeoGrid) throws -> Setup {
        var settings: [String: String] = ["batch size": "\(options.batchSize)"]
        switch model.kind {
        case .segmentation, .change, .semanticChange:
            let chip = options.chip ?? model.inputSize ?? [256, 256]
            guard chip.count == 2, chip.allSatisfy({ $0 >= 1 }) else { throw PredictionError("chip size must be [h, w] with positive values, got \(chip)") }
            let overlap = options.overlap ?? min(chip[0], chip[1]) / 4
            let C = model.scoreChannels
            let rows = min(chip[0], sceneGrid.height)
            let perColumn = rows * ((C + 1) * 4 + 1) + rows * (1 + 4 * C)
            let plan = try SegmentationPlan(width: sceneGrid.width, height: sceneGrid.height, chipH: chip[0], chipW: chip[1],
                                            overlap: overlap, maxBlockWidth: max(chip[1], options.stripBudgetBytes / max(1, perColumn)))
            settings["chip"] = "\(chip[0])×\(chip[1])"
            settings["overlap"] = "\(overlap)"
            settings["blend"] = "\(options.blend)" + (options.blendProbabilities ? " (probabilities)" : " (logits)")
            return Setup(source: source, infos: infos, sources: sources, sceneGrid: sceneGrid, outputGrid: sceneGrid, segmentation: plan,
                         scene: nil, chipH: chip[0], chipW: chip[1], settings: settings)
        case .classification:
            guard let window = options.window ?? model.inputSize else {
                throw PredictionError("scene classification needs a window size: the model \(model.name) does not state its input size; pass --window H,W")
            }
            let plan = try ScenePlan(width: sceneGrid.width, height: sceneGrid.height, window: window, stride: options.stride ?? window)
            settings["window"] = "\(plan.windowH)×\(plan.windowW)"
            settings["stride"] = "\(plan.strideY)×\(plan.strideX)"
            return Setup(source: source, infos: infos, sources: sources, sceneGrid: sceneGrid, outputGrid: plan.outputGrid(scene: sceneGrid),
                         segmentation: nil, scene: plan, chipH: plan.windowH, chipW: plan.windowW, settings: settings)
        default:
            throw PredictionError("model \(model.name): a \(model.kind.rawValue) model does not give a class map")
        }
    }

    // MARK: the pipeline

    struct InputBatch: @unchecked Sendable {
        let first: Int, count: Int
        let x: Tensor
        let valid: Tensor
    }
    struct OutputBatch: @unchecked Sendable {
        let first: Int, count: Int
        let scores: Tensor
        let valid: Tensor
    }

    func execute(_ s: Setup, sink: ClassMapSink, start: Date) throws -> PredictionRun {
        let n = s.count, B = options.batchSize
        let nBatches = (n + B - 1) / B
        let C = s.sources.count, h = s.chipH, w = s.chipW
        let state = JobState()
        let inQueue = OrderedQueue<InputBatch>(capacity: options.queueDepth)
        let outQueue = OrderedQueue<OutputBatch>(capacity: options.queueDepth)
        state.onFailure { inQueue.cancel(); outQueue.cancel() }

        let megapixels = Double(s.sceneGrid.width * s.sceneGrid.height) / 1e6
        let progress = options.showProgress ? Progress("predict", total: megapixels, unit: "MP") : nil
        let advance: @Sendable (Int) -> Void = { px in progress?.advance(Double(px) / 1e6) }

        // Readers: claim chips in order, read and normalise them into their batch; the last chip's reader passes
        // the batch on.
        let seg = s.segmentation, scene = s.scene
        let infos = s.infos, sources = s.sources, grid = s.sceneGrid, source = s.source
        let scale = model.scale, offset = model.offset, resampling = options.resampling
        let assembler = BatchAssembler(total: n, batchSize: B, shape: [C, h, w])
        let readers = (0..<min(options.readers, n)).map { i in
            Worker(name: "strata-predict-reader-\(i)") {
                do {
                    let reader: ChipReader
                    switch source {
                    case .rasters(let inputs):
                        reader = try ChipReader(inputs: inputs, infos: infos, sources: sources, grid: grid, scale: scale,
                                                offset: offset, resampling: resampling)
                    case .dataset(let ds):
                        reader = ChipReader(dataset: ds, sources: sources, grid: grid, scale: scale, offset: offset)
                    }
                    while let (b, i) = try assembler.claim(stop: { state.isFailed }) {
                        let k = b.first + i
                        let window = seg.map { $0.window($0.tiles[k]) } ?? scene!.window(cell: k)
                        try reader.read(window, into: b.xp + i * C * h * w, valid: b.vp + i * h * w)
                        if assembler.finished(b), !inQueue.put(b.seq, InputBatch(first: b.first, count: b.count, x: b.x, valid: b.valid)) {
                            break
                        }
                    }
                } catch { state.fail(error) }
            }
        }

        // Writer: blend/decode and hand finished rows to the sink.
        let blend = options.blend, probSpace = options.blendProbabilities, nodata = options.nodata
        let sinkBox = SinkBox(sink)
        let accBytes = AccumulatorSize()
        let writer = Worker(name: "strata-predict-writer") {
            var blender: StripBlender? = nil
            var cells: CellClassifier? = nil
            for _ in 0..<nBatches {
                guard let ob = outQueue.take() else { break }
                do {
                    let S = ob.scores.size(1)
                    let plane = ob.scores.rank == 4 ? h * w : 1
                    guard let sp = ob.scores.dataPointer?.assumingMemoryBound(to: Float.self) else {
                        throw PredictionError("model output is not CPU float32 data")
                    }
                    guard let v = ob.valid.dataPointer?.assumingMemoryBound(to: UInt8.self) else {
                        throw PredictionError("chip validity is not CPU data")
                    }
                    do {
                        if let seg {
                            if blender == nil {
                                blender = StripBlender(plan: seg, blend: blend, scores: S, probabilitySpace: probSpace,
                                                       nodata: nodata, sink: sinkBox.sink, progress: advance)
                                accBytes.value = blender!.bytes
                            }
                            for i in 0..<ob.count {
                                try blender!.add(seg.tiles[ob.first + i], scores: sp + i * S * plane, valid: v + i * h * w)
                            }
                        } else if let scene {
                            if cells == nil {
                                cells = CellClassifier(plan: scene, scores: S, nodata: nodata, sink: sinkBox.sink, progress: advance)
                            }
                            for i in 0..<ob.count {
                                try cells!.add(cell: ob.first + i, scores: sp + i * S, valid: v + i * h * w)
                            }
                        }
                    }
                } catch {
                    state.fail(error)
                    break
                }
            }
        }

        // The model, on this thread.
        do {
            for seq in 0..<nBatches {
                guard let b = inQueue.take() else { break }
                let raw = try Torch.inferenceMode { () -> Tensor in
                    let x = model.device == .cpu ? b.x : try b.x.to(model.device)
                    return try model.forward(x)
                }
                try checkOutput(raw, count: b.count, h: h, w: w)
                let out = try raw.to(.cpu, dtype: .float32).contiguous()
                if !outQueue.put(seq, OutputBatch(first: b.first, count: b.count, scores: out, valid: b.valid)) { break }
            }
        } catch {
            state.fail(error)
        }
        for r in readers { r.join() }
        writer.join()
        if let e = state.failure { throw e }
        progress?.finish()
        return PredictionRun(sceneGrid: s.sceneGrid, outputGrid: s.outputGrid, chips: n, batches: nBatches,
                             columnBlocks: seg?.blocks.count ?? 1, accumulatorBytes: accBytes.value,
                             seconds: Date().timeIntervalSince(start), megapixels: megapixels, summary: nil)
    }

    /// Checks the model's output shape against the kind and the class names.
    func checkOutput(_ y: Tensor, count: Int, h: Int, w: Int) throws {
        let shape = y.shape, C = model.classNames.count
        let scoresOK = { (s: Int) in s == C || (s == 1 && C == 2) }
        switch model.kind {
        case .semanticChange:
            try checkSemanticChangeOutput(y, count: count, h: h, w: w)
        case .segmentation, .change:
            guard shape.count == 4, shape[0] == count, shape[2] == h, shape[3] == w, scoresOK(shape[1]) else {
                throw PredictionError("the segmentation model \(model.name) returned shape \(shape) for a batch of \(count) chips of \(h)×\(w); expected [\(count), \(C), \(h), \(w)]\(C == 2 ? " (or one logit per pixel)" : "") — check the chip size (UNets need multiples of 32) and the class names")
            }
        default:
            guard shape.count == 2, shape[0] == count, scoresOK(shape[1]) else {
                throw PredictionError("the scene-classification model \(model.name) returned shape \(shape) for \(count) windows; expected [\(count), \(C)] — check that the model is a classifier and the class names")
            }
        }
    }
}

/// Carries a non-Sendable sink into the writer thread (it is used there only while the caller waits).
final class SinkBox: @unchecked Sendable {
    let sink: ClassMapSink
    init(_ s: ClassMapSink) { sink = s }
}

/// A value the writer thread reports back.
final class AccumulatorSize: @unchecked Sendable {
    var value = 0
}
