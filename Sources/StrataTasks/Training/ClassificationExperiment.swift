import Foundation
import StrataData
import StrataModels
import StrataTensor

/// `strata train` for chip datasets (EuroSAT, So2Sat, BigEarthNet, folders of chips): opens the data, derives
/// normalisation from the training split, builds the model + card, optimizer, schedule and trainer from a
/// `TrainConfig`.
public final class ClassificationExperiment {
    public let config: TrainConfig
    public let trainSet: any ChipDataset
    public let valSet: any ChipDataset
    public let card: ModelCard
    public let model: Module
    public let trainer: Trainer
    public let train: ChipLoaderSource
    public let validation: ChipLoaderSource
    public let runDirectory: URL

    public init(config c: TrainConfig, configText: String, progress: Bool? = nil) throws {
        config = c
        runDirectory = URL(fileURLWithPath: c.output)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        Runtime.configure(threads: c.trainer.threads)
        Runtime.manualSeed(c.trainer.seed)

        func open(_ split: DatasetSplit) throws -> any ChipDataset {
            try Datasets.open(c.data.dataset, root: c.data.root, options: DatasetOptions(
                split: split, bands: c.data.bands, splitDirectory: c.data.splitDir,
                fractions: try SplitFractions(train: c.data.trainFraction, val: c.data.valFraction, test: c.data.testFraction),
                seed: c.data.splitSeed))
        }
        trainSet = try open(.train)
        valSet = try open(.val)
        guard trainSet.count > 0 else {
            throw ConfigError("data: the training split of \(c.data.dataset) at '\(c.data.root)' is empty; check data.root and data.split")
        }
        let kind: TaskKind = trainSet.task == .multilabel ? .multilabel : .classification
        let normalization = try Self.normalization(c.data, dataset: trainSet, cache: runDirectory.appendingPathComponent("normalization.json"))
        let sampleShape = try trainSet.sample(at: 0).image.shape
        card = try ModelCard(architecture: c.model, task: kind == .multilabel ? .multiLabel : .classification,
                             bands: trainSet.bandNames, normalization: normalization,
                             inputSize: Array(sampleShape.suffix(2)), classNames: trainSet.classNames,
                             extra: ["dataset": c.data.dataset])
        model = try ModelRegistry.make(name: c.model, inChannels: card.inChannels, numClasses: card.numClasses)
        if c.zeroInitResidual {
            guard let resnet = model as? ResNet else {
                throw ConfigError("model.zero_init_residual: only ResNet models have residual blocks to zero (model \(c.model))")
            }
            try resnet.zeroInitResiduals()
        }
        if let w = c.modelWeights {
            try Self.loadPretrained(w, into: model, options: c.weightLoadOptions)
        }

        let trainPipe = try InputPipeline(card: card, augmentations: c.data.augment)
        let evalPipe = try InputPipeline(card: card)
        train = ChipLoaderSource(try DataLoader(trainSet, batchSize: c.data.batchSize, shuffle: true, workers: c.data.workers,
                                                seed: c.trainer.seed, batchTransform: trainPipe.batchTransform))
        validation = ChipLoaderSource(try DataLoader(valSet, batchSize: c.data.batchSize, workers: c.data.workers,
                                                     seed: c.trainer.seed, batchTransform: evalPipe.batchTransform))

        let o = c.trainer.options(progress: progress, channelsLast: c.trainer.channelsLast && sampleShape.count == 3)
        let opt = try OptimizerFactory.optimizer(c.trainer.optimizer, parameters: model.parameters())
        let sched = try OptimizerFactory.scheduler(c.trainer.scheduler, optimizer: opt, epochs: c.trainer.epochs,
                                                   monitorMaximizes: o.monitorMaximizes)
        trainer = try Trainer(model: model, kind: kind, numClasses: card.numClasses, classNames: card.classNames,
                              optimizer: opt, scheduler: sched,
                              loss: LossOptions(labelSmoothing: c.trainer.labelSmoothing, classWeights: c.trainer.classWeights),
                              options: o, runDirectory: runDirectory)
        trainer.checkpointMetadata = [ModelWeights.metadataKey: try card.jsonString(), "config": configText]
    }

    /// Normalisation of raw band values from the configured method; mean/std and min/max come from the training
    /// split (streamed once, cached in the run folder so a resumed run uses the same numbers).
    static func normalization(_ d: TrainConfig.Data, dataset: any ChipDataset, cache: URL) throws -> Normalization {
        let bands = dataset.bandNames.count
        switch d.normalize {
        case "none": return .none
        case "scale": return .scale(1 / d.scale)
        default: break
        }
        if let m = d.mean, let s = d.std {
            guard m.count == bands else {
                throw ConfigError("data.normalize.mean has \(m.count) values but the data has \(bands) bands (\(dataset.bandNames.joined(separator: ", ")))")
            }
            // given in reflectance units (after dividing by `scale`)
            return .meanStd(mean: m.map { $0 * d.scale }, std: s.map { $0 * d.scale })
        }
        if let data = try? Data(contentsOf: cache), let n = try? JSONDecoder().decode(Normalization.self, from: data) {
            return n
        }
        let limit = min(dataset.count, 4096)
        let step = max(1, dataset.count / limit)
        let images = try stride(from: 0, to: dataset.count, by: step).map { try dataset.sample(at: $0).image }
        let stats = try BandStatistics.compute(images, bands: bands)
        let n: Normalization = d.normalize == "minmax" ? .minMax(min: stats.min, max: stats.max)
            : .meanStd(mean: stats.mean, std: stats.std.map { max($0, 1e-6) })
        try AtomicFile.write(try JSONEncoder().encode(n), to: cache)
        return n
    }

    /// Loads `model.weights` (any layout `PretrainedWeights` reads) and prints what loaded; a file that does not
    /// fit fails unless `options` allow a partial load or a first-convolution adaptation.
    static func loadPretrained(_ path: String, into model: Module, options: WeightLoadOptions) throws {
        let report = try PretrainedWeights.load(path, into: model, options: options)
        print("model.\(report.summary)")
    }

    /// The pure-compute baseline of `bench/train-eurosat`: reads and normalises one epoch of training batches and
    /// the validation batches into memory first, then runs the same `fit` (forward, backward, optimizer step,
    /// validation) over them, so each epoch's `epoch_seconds` is training without any data loading.
    public func runComputeOnly() throws -> FitResult {
        let trainBatches = try InMemoryBatches.capture(train, epoch: 1)
        let valBatches = try InMemoryBatches.capture(validation, epoch: 0)
        return try trainer.fit(train: trainBatches, validation: valBatches)
    }

    /// Trains (resuming from the run folder's last.ckpt when `resume`), then writes report.html.
    public func run(resume: Bool) throws -> FitResult {
        if resume { try trainer.resumeIfPossible() }
        let result = try trainer.fit(train: train, validation: validation)
        try writeReport(result)
        return result
    }

    /// report.html: curves, the best model's confusion matrix and per-class table on the validation split.
    public func writeReport(_ result: FitResult) throws {
        if FileManager.default.fileExists(atPath: trainer.bestCheckpointURL.path) {
            try Checkpoint.load(trainer.bestCheckpointURL.path).restore(model: model, restoreRNG: false)
        }
        let ev = try trainer.evaluate(validation, label: "best model on val")
        try RunReport.write(title: "\(config.data.dataset) · \(config.model)", kind: trainer.kind, log: trainer.log,
                            evaluation: ev, classNames: card.classNames, config: config, result: result,
                            to: runDirectory.appendingPathComponent("report.html"))
        let summary: [String: Any] = ["best_epoch": result.bestEpoch ?? -1, "epochs_run": result.epochsRun,
                                      "val": ev.metrics.merging(["loss": ev.loss]) { a, _ in a },
                                      "epoch_seconds": result.history.compactMap { $0["epoch_seconds"] }]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]),
                             to: runDirectory.appendingPathComponent("summary.json"))
    }
}
