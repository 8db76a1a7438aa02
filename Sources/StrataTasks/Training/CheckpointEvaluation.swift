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

    public static func run(checkpoint path: String, split: DatasetSplit, overrides: [String]) throws -> Output {
        let trained = try TrainedModel.load(path)
        guard let configText = trained.config, trained.checkpoint != nil else {
            throw TrainingError("\(path) has no training config (was it written by `strata train`?)")
        }
        let card = trained.card
        var tree = try ConfigTree(yaml: configText, source: "config stored in \(path)")
        try tree.apply(overrides: overrides)
        let c = try TrainConfig(tree, datasets: Datasets.known.map(\.name) + ["raster"], models: ModelRegistry.names)
        guard !card.task.isDense else {
            throw TrainingError("\(card.task.rawValue) checkpoints are evaluated on maps: run `strata predict`, then `strata evaluate --map … --labels … --attribute …`")
        }
        Runtime.configure(threads: c.trainer.threads)
        if card.task == .embedding { return try embedding(trained, card: card, config: c, split: split, path: path) }
        let ds = try Datasets.open(c.data.dataset, root: c.data.root, options: DatasetOptions(
            split: split, bands: card.sourceBands, splitDirectory: c.data.splitDir,
            fractions: try SplitFractions(train: c.data.trainFraction, val: c.data.valFraction, test: c.data.testFraction),
            seed: c.data.splitSeed))
        let wanted = card.sourceBands.map(ModelCard.canonicalBand)
        guard ds.bandNames.map(ModelCard.canonicalBand) == wanted else {
            throw TrainingError("band mismatch: \(path) reads bands [\(card.sourceBands.joined(separator: ", "))] but the data has [\(ds.bandNames.joined(separator: ", "))]")
        }
        guard ds.count > 0 else { throw TrainingError("the \(split) split of \(c.data.dataset) at \(c.data.root) is empty") }
        let model = try trained.module()
        let source = ChipLoaderSource(try DataLoader(ds, batchSize: c.data.batchSize, workers: c.data.workers,
                                                     batchTransform: try InputPipeline(card: card).batchTransform))
        var o = TrainerOptions()
        o.progress = false
        o.channelsLast = c.trainer.channelsLast
        if o.channelsLast { try model.toMemoryFormat(.channelsLast) }
        let evaluator = try Evaluator(model: model, kind: card.task, numClasses: card.numClasses, options: o)
        let r = try evaluator.evaluate(source)
        return Output(result: r, classNames: card.classNames, samples: ds.count, config: c)
    }

    /// SenCLIP checkpoints: the split of the pair folder, preprocessed as in training (`SenCLIPPairs`).
    static func embedding(_ trained: TrainedModel, card: ModelCard, config c: TrainConfig, split: DatasetSplit,
                          path: String) throws -> Output {
        let pairs = try SenCLIPPairs(root: c.data.root, split: split, bands: card.sourceBands,
                                     chipsRoot: c.senclip.chipsRoot, crop: c.senclip.crop,
                                     imageSize: card.inputSize?.first ?? 224)
        guard pairs.count > 0 else { throw TrainingError("the \(split) split of \(c.data.root)/pairs.csv is empty") }
        let model = try trained.module()
        let source = SenCLIPPairSource(try DataLoader(pairs, batchSize: c.data.batchSize, workers: c.data.workers,
                                                      batchTransform: try InputPipeline(card: card).batchTransform),
                                       pairs: pairs)
        var o = TrainerOptions()
        o.progress = false
        let evaluator = try Evaluator(model: model, kind: card.task, numClasses: card.numClasses, options: o)
        return Output(result: try evaluator.evaluate(source), classNames: [], samples: pairs.count, config: c)
    }
}
