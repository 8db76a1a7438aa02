import Foundation
import StrataData
import StrataModels
import StrataTensor

/// Re-evaluates a training checkpoint: the resolved training config and model card stored in it rebuild the data
/// split and the model, so evaluation uses exactly the data, split, bands and normalisation the model was trained
/// with (`--set` overrides given here apply on top).
public enum CheckpointEvaluation {
    public struct Output {
        public var result: EvaluationResult
        public var classNames: [String]
        public var samples: Int
        /// The config the evaluation ran with (the checkpoint's, plus the overrides).
        public var config: TrainConfig
    }

    /// `device` and `precision` (`--device`, `--precision`): where the model runs and its autocast in inference.
    public static func run(checkpoint path: String, split: DatasetSplit, overrides: [String], device: Device = .cpu,
                           precision: TrainerOptions.Precision = .fp32) throws -> Output {
        var run = TrainerOptions()
        run.device = device
        run.precision = precision
        let trained = try TrainedModel.load(path)
        guard let configText = trained.config, trained.checkpoint != nil else {
            throw TrainingError("\(path) has no training config (was it written by `strata train`?)")
        }
        let card = trained.card
        var tree = try ConfigTree(yaml: configText, source: "config stored in \(path)")
        try tree.apply(overrides: overrides)
        let c = try TrainConfig(tree, datasets: Datasets.known.map(\.name) + ["raster"] + ChangeDatasets.names + ChangeDatasets.semanticNames, models: ModelRegistry.names)
        if card.task == .change { return try change(trained, config: c, split: split, run: run) }
        guard !card.task.isDense else {
            throw TrainingError("\(card.task.rawValue) checkpoints are evaluated on maps: run `strata predict`, then `strata evaluate --map … --labels … --attribute …`")
        }
        Runtime.configure(threads: c.trainer.threads)
        if card.task == .embedding {
            return try embedding(trained, card: card, config: c, split: split, path: path, run: run)
        }
        let ds: any ChipDataset = c.classifiesChangedChips
            ? try ClassificationExperiment.changedChips(c, split: split)
            : try Datasets.open(c.data.dataset, root: c.data.root,
                                options: c.data.datasetOptions(split: split, bands: card.sourceBands))
        let wanted = card.sourceBands.map(ModelCard.canonicalBand)
        guard ds.bandNames.map(ModelCard.canonicalBand) == wanted else {
            throw TrainingError("band mismatch: \(path) reads bands [\(card.sourceBands.joined(separator: ", "))] but the data has [\(ds.bandNames.joined(separator: ", "))]")
        }
        guard ds.count > 0 else { throw TrainingError("the \(split) split of \(c.data.dataset) at \(c.data.root) is empty") }
        let model = try trained.module()
        let source = ChipLoaderSource(try DataLoader(ds, batchSize: c.data.batchSize, workers: c.data.workers,
                                                     batchTransform: try InputPipeline(card: card).batchTransform))
        var o = run
        o.progress = false
        o.channelsLast = c.trainer.channelsLast
        o.lczMetrics = card.extra[ModelCard.metricsKey] == "lcz"
        if o.channelsLast { try model.toMemoryFormat(.channelsLast) }
        let evaluator = try Evaluator(model: model, kind: card.task, numClasses: card.numClasses, options: o)
        let r = try evaluator.evaluate(source)
        return Output(result: r, classNames: card.classNames, samples: ds.count, config: c)
    }

    /// `task: change` checkpoints: the split's whole pairs (OSCD by city: `data.val_cities` for val/test,
    /// `data.train_cities` for train), padded to multiples of 32 with the padding ignored, as in training.
    static func change(_ trained: TrainedModel, config c: TrainConfig, split: DatasetSplit,
                       run: TrainerOptions) throws -> Output {
        let card = trained.card
        Runtime.configure(threads: c.trainer.threads)
        let cities = split == .train ? c.data.trainCities : c.data.valCities
        let ds = try ChangeDatasets.open(c.data.dataset, root: c.data.root, split: split, cities: cities)
        guard ds.bandNames.map(ModelCard.canonicalBand) == card.bands.map(ModelCard.canonicalBand) else {
            throw TrainingError("band mismatch: the model reads bands [\(card.bands.joined(separator: ", "))] but "
                + "\(c.data.dataset) has [\(ds.bandNames.joined(separator: ", "))]")
        }
        let chips = try ChangePairChips(ds, padTo: 32)
        let shapes = try Set((0..<min(ds.count, 8)).map { try chips.sample(at: $0).image.shape })
        let model = try trained.module()
        let source = ChipLoaderSource(try DataLoader(chips, batchSize: shapes.count == 1 ? c.data.batchSize : 1,
                                                     workers: c.data.workers,
                                                     batchTransform: try InputPipeline(card: card).batchTransform))
        var o = run
        o.progress = false
        o.channelsLast = c.trainer.channelsLast
        if o.channelsLast { try model.toMemoryFormat(.channelsLast) }
        let evaluator = try Evaluator(model: model, kind: .change, numClasses: card.numClasses,
                                      loss: LossOptions(ignoreIndex: ChangeSample.ignoreIndex), options: o)
        return Output(result: try evaluator.evaluate(source), classNames: card.classNames, samples: ds.count, config: c)
    }

    /// The preprocessing of change models whose published weights Strata evaluates directly (`--weights`): TinyCD
    /// takes RGB in [0, 1] standardised with ImageNet's mean/std, i.e. 0…255 values minus 255·mean over 255·std.
    static func publishedNormalization(_ model: String) -> Normalization? {
        guard model.lowercased() == "tinycd" else { return nil }
        return .meanStd(mean: [0.485, 0.456, 0.406].map { $0 * 255 }, std: [0.229, 0.224, 0.225].map { $0 * 255 })
    }

    /// Evaluates published change-model weights (e.g. TinyCD's `levir_best.pth`, any layout `PretrainedWeights`
    /// reads, loaded strictly) on a change dataset's split (`.all`: every labelled pair), whole pairs padded to
    /// multiples of 32 with the padding ignored. Only models whose preprocessing is known
    /// (`publishedNormalization`) can be evaluated this way; Strata's own runs are evaluated from their checkpoints.
    public static func changeWeights(_ weights: String, model name: String, dataset: String, root: String,
                                     split: DatasetSplit, batchSize: Int = 4, threads: Int? = nil,
                                     device: Device = .cpu, precision: TrainerOptions.Precision = .fp32) throws
        -> (result: EvaluationResult, classNames: [String], samples: Int) {
        guard let normalization = publishedNormalization(name) else {
            throw TrainingError("--weights: the preprocessing of published \(name) weights is not known to Strata "
                + "(only tinycd); evaluate a `strata train` checkpoint with --checkpoint instead")
        }
        Runtime.configure(threads: threads)
        let ds = try ChangeDatasets.open(dataset, root: root, split: split)
        let card = try ModelCard(architecture: name, task: .change, bands: ds.bandNames, normalization: normalization,
                                 classNames: ["no change", "change"])
        let model = try ModelRegistry.make(card: card)
        let file = try WeightFile.read(weights)
        _ = try PretrainedWeights.load(name == "tinycd"
            ? WeightFile(stateDict: TinyCD.remapCheckpointKeys(file.stateDict), name: weights) : file, into: model)
        model.eval()
        let chips = try ChangePairChips(ds, padTo: 32)
        let shapes = try Set((0..<min(ds.count, 8)).map { try chips.sample(at: $0).image.shape })
        let source = ChipLoaderSource(try DataLoader(chips, batchSize: shapes.count == 1 ? batchSize : 1, workers: 1,
                                                     batchTransform: try InputPipeline(card: card).batchTransform))
        var o = TrainerOptions()
        o.progress = false
        o.device = device
        o.precision = precision
        let evaluator = try Evaluator(model: model, kind: .change, numClasses: 2,
                                      loss: LossOptions(ignoreIndex: ChangeSample.ignoreIndex), options: o)
        return (try evaluator.evaluate(source), card.classNames, ds.count)
    }

    /// SenCLIP checkpoints: the split of the pair folder, preprocessed as in training (`SenCLIPPairs`).
    static func embedding(_ trained: TrainedModel, card: ModelCard, config c: TrainConfig, split: DatasetSplit,
                          path: String, run: TrainerOptions) throws -> Output {
        let pairs = try SenCLIPPairs(root: c.data.root, split: split, bands: card.sourceBands,
                                     chipsRoot: c.senclip.chipsRoot, crop: c.senclip.crop,
                                     imageSize: card.inputSize?.first ?? 224)
        guard pairs.count > 0 else { throw TrainingError("the \(split) split of \(c.data.root)/pairs.csv is empty") }
        let model = try trained.module()
        let source = SenCLIPPairSource(try DataLoader(pairs, batchSize: c.data.batchSize, workers: c.data.workers,
                                                      batchTransform: try InputPipeline(card: card).batchTransform),
                                       pairs: pairs)
        var o = run
        o.progress = false
        let evaluator = try Evaluator(model: model, kind: card.task, numClasses: card.numClasses, options: o)
        return Output(result: try evaluator.evaluate(source), classNames: [], samples: pairs.count, config: c)
    }
}
