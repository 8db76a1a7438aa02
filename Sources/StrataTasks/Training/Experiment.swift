import Foundation
import StrataData
import StrataModels
import StrataTensor

/// One `strata train` run: the shared scaffold around a task's hooks (see `ExperimentTask`).
///
/// The run folder receives `config.yaml` (the config as run: after `--set` overrides and `--output`), the same
/// text in every checkpoint's metadata (`TrainedModel.configKey`), `normalization.json`, the trainer's metric logs
/// and checkpoints, `report.html` and `summary.json`.
public final class Experiment {
    public let config: TrainConfig
    public let task: any ExperimentTask
    public let card: ModelCard
    public let model: Module
    public let trainer: Trainer
    public let train: BatchSource
    public let validation: BatchSource
    public let runDirectory: URL

    /// The task's hooks for `config.task`.
    public static func task(for config: TrainConfig) throws -> any ExperimentTask {
        switch config.task {
        case .classification where config.experiment == "lcz-fusion": return LCZFusionExperiment()
        case .classification, .multilabel: return ClassificationExperiment()
        case .segmentation: return SegmentationExperiment()
        case .change: return ChangeExperiment()
        case .semanticChange: return SemanticChangeExperiment()
        case .embedding: return SenCLIPExperiment()
        default: throw ConfigError("task: '\(config.task.rawValue)' has no training experiment yet")
        }
    }

    /// Sets the run up. `configText` is the resolved config as YAML (what `ConfigTree.yamlString()` gives for the
    /// tree the config was parsed from); it is written to `config.yaml` and stored in every checkpoint.
    public convenience init(config: TrainConfig, configText: String, progress: Bool? = nil,
                            distributed: DataParallel? = nil) throws {
        try self.init(config: config, task: Self.task(for: config), configText: configText, progress: progress,
                      distributed: distributed)
    }

    /// `distributed`: this process is one rank of a data-parallel run (see `DataParallel`): it trains on its shard
    /// of the training data; only rank 0 writes into the run folder.
    public init(config: TrainConfig, task: any ExperimentTask, configText: String, progress: Bool? = nil,
                distributed: DataParallel? = nil) throws {
        var c = config
        if let dp = distributed { c.shard = try DataShard(rank: dp.rank, count: dp.worldSize) }
        self.config = c
        self.task = task
        let isMain = distributed?.isMain ?? true
        let progress = isMain ? progress : false
        runDirectory = URL(fileURLWithPath: c.output)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        if isMain {
            try AtomicFile.write(Data(configText.utf8), to: runDirectory.appendingPathComponent("config.yaml"))
        }
        Runtime.configure(threads: c.trainer.threads)
        Runtime.manualSeed(c.trainer.seed)

        let data = try task.prepareData(c)
        // data.indices: computed from the source bands (in reflectance: stored values / data.normalize.scale).
        let indices = try c.data.indices.isEmpty ? nil
            : InputIndices(InputIndices.parse(c.data.indices), sourceBands: data.bands, scale: 1 / c.data.scale,
                           roles: InputIndices.parseRoles(c.data.indexBands))
        let statistics: () throws -> [Tensor] = {
            let images = try data.statisticsImages()
            guard let indices else { return images }
            return try images.map { try indices.append($0.unsqueeze(0)).squeeze(dim: 0) }
        }
        let bands = indices?.bands ?? data.bands
        var normalization = try Self.normalization(c.data, bands: bands, images: statistics,
                                                   nodata: data.statisticsNodata,
                                                   cache: runDirectory.appendingPathComponent("normalization.json"))
        if let indices, case .scale(let f) = normalization {
            // The fixed scale turns stored values into reflectance; indices are already unitless.
            let k = indices.transform.indices.count, n = data.bands.count
            normalization = .meanStd(mean: Array(repeating: 0, count: n + k),
                                     std: Array(repeating: 1 / f, count: n) + Array(repeating: 1, count: k))
        }
        card = try ModelCard(architecture: c.model, task: data.kind, bands: bands, normalization: normalization,
                             inputSize: data.inputSize, classNames: data.classNames,
                             extra: data.extra.merging(indices?.cardExtra ?? [:]) { a, _ in a })
        model = try ModelRegistry.make(card: card)
        try task.configureModel(model, config: c)
        try task.loadPretrainedWeights(model, config: c)
        if c.trainer.syncBatchNorm, let distributed { distributed.synchronizeBatchNorm(model) }

        (train, validation) = try data.makeSources(try InputPipeline(card: card, augmentations: c.data.augment),
                                                   try InputPipeline(card: card))
        var o = c.trainer.options(progress: progress, channelsLast: c.trainer.channelsLast && data.imageInputs)
        o.lczMetrics = card.extra[ModelCard.metricsKey] == "lcz"
        o.device = try c.trainer.resolvedDevice(distributed: distributed != nil)
        var lossOptions = task.lossOptions(c)
        lossOptions.modelLoss = try task.modelLoss(model, config: c)
        let opt = try OptimizerFactory.optimizer(c.trainer.optimizer, parameters: model.parameters())
        let sched = try OptimizerFactory.scheduler(c.trainer.scheduler, optimizer: opt, epochs: c.trainer.epochs,
                                                   monitorMaximizes: o.monitorMaximizes)
        trainer = try Trainer(model: model, kind: data.kind, numClasses: card.numClasses, classNames: card.classNames,
                              optimizer: opt, scheduler: sched, loss: lossOptions, options: o,
                              runDirectory: runDirectory)
        trainer.checkpointMetadata = [ModelWeights.metadataKey: try card.jsonString(),
                                      TrainedModel.configKey: configText]
        trainer.dataParallel = distributed
    }

    /// Normalisation of raw band values from the configured method: none, a fixed scale, the given mean/std (in
    /// reflectance units, i.e. after dividing by `scale`), or mean/std or min/max computed from the task's
    /// statistics images (cached in the run folder so a resumed run uses the same numbers).
    static func normalization(_ d: TrainConfig.Data, bands: [String], images: () throws -> [Tensor], nodata: Double?,
                              cache: URL) throws -> Normalization {
        switch d.normalize {
        case "none": return .none
        case "scale": return .scale(1 / d.scale)
        default: break
        }
        if let m = d.mean, let s = d.std {
            guard m.count == bands.count else {
                throw ConfigError("data.normalize.mean has \(m.count) values but the data has \(bands.count) bands (\(bands.joined(separator: ", ")))")
            }
            return .meanStd(mean: m.map { $0 * d.scale }, std: s.map { $0 * d.scale })
        }
        if let data = try? Data(contentsOf: cache), let n = try? JSONDecoder().decode(Normalization.self, from: data) {
            return n
        }
        let stats = try BandStatistics.compute(try images(), bands: bands.count, nodata: nodata)
        let n: Normalization = d.normalize == "minmax" ? .minMax(min: stats.min, max: stats.max)
            : .meanStd(mean: stats.mean, std: stats.std.map { max($0, 1e-6) })
        try AtomicFile.write(try JSONEncoder().encode(n), to: cache)
        return n
    }

    /// The pure-compute baseline of `bench/train-eurosat`: reads and normalises one epoch of training batches and
    /// the validation batches into memory first, then runs the same `fit` (forward, backward, optimizer step,
    /// validation) over them, so each epoch's `epoch_seconds` is training without any data loading. Writes no
    /// report.
    public func runComputeOnly() throws -> FitResult {
        let trainBatches = try InMemoryBatches.capture(train, epoch: 1)
        let valBatches = try InMemoryBatches.capture(validation, epoch: 0)
        return try trainer.fit(train: trainBatches, validation: valBatches)
    }

    /// Trains (resuming from the run folder's last.ckpt when `resume`), then writes report.html and summary.json.
    public func run(resume: Bool) throws -> FitResult {
        if resume { try trainer.resumeIfPossible() }
        let result = try trainer.fit(train: train, validation: validation)
        if trainer.dataParallel?.isMain ?? true { try writeReport(result) }
        return result
    }

    /// report.html (curves, the best model's confusion matrix and per-class table on the validation split) and
    /// summary.json (best epoch, epochs run, the best model's validation metrics, epoch times).
    public func writeReport(_ result: FitResult) throws {
        if FileManager.default.fileExists(atPath: trainer.bestCheckpointURL.path) {
            try CheckpointFile.load(trainer.bestCheckpointURL.path).restore(model: model, restoreRNG: false)
        }
        let ev = try trainer.evaluate(validation, label: "best model on val")
        try RunReport.write(title: task.reportTitle(config), kind: trainer.kind, log: trainer.log, evaluation: ev,
                            classNames: card.classNames, config: config, result: result,
                            to: runDirectory.appendingPathComponent("report.html"),
                            figures: trainer.kind == .change ? try changePreviews() : [])
        let val = ev.metrics.merging(["loss": ev.loss]) { a, _ in a }.mapValues { $0.isFinite ? $0 as Any : NSNull() }
        var summary: [String: Any] = ["best_epoch": result.bestEpoch ?? -1, "epochs_run": result.epochsRun,
                                      "task": trainer.kind.rawValue, "val": val,
                                      "epoch_seconds": result.history.compactMap { $0["epoch_seconds"] }]
        if trainer.kind == .classification, let cm = ev.accumulator.confusion {
            // Per-class precision, TP / (TP + FP): what DF4LCZ reports as "accuracy per class".
            summary["val_precision_per_class"] = Dictionary(uniqueKeysWithValues: zip(card.classNames, cm.precision)
                .map { ($0, $1.isFinite ? $1 as Any : NSNull()) })
        }
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(json, to: runDirectory.appendingPathComponent("summary.json"))
    }

    /// Change runs: before / after / reference / predicted change maps of the first validation pairs (at most 4).
    func changePreviews(limit: Int = 4) throws -> [(String, String)] {
        struct Enough: Error {}
        var out: [(String, String)] = []
        model.eval()
        defer { model.train() }
        let preview: (TrainingBatch) throws -> Void = { b in
            guard out.count < limit else { throw Enough() }
            let logits = try self.model(b.input.to(self.trainer.options.device).contiguous()).to(.cpu)
            for i in 0..<min(b.count, limit - out.count) {
                let title = "validation pair \(out.count + 1)"
                out.append(("Change map, \(title): before, after, reference, predicted (white = change)",
                            try ChangePreview.html(input: b.input.select(dim: 0, index: i),
                                                   target: b.target.select(dim: 0, index: i),
                                                   logits: logits.select(dim: 0, index: i), bands: self.card.bands,
                                                   title: title)))
            }
        }
        do {
            try Torch.noGrad { try validation.forEachBatch(epoch: 0, preview) }
        } catch is Enough {}
        return out
    }
}
