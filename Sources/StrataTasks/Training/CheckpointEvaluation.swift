import Foundation
import StrataData
import StrataModels
import StrataTensor

/// Re-evaluates a training checkpoint: the training config and model card stored in it rebuild the data split and
/// the model, so evaluation uses exactly the bands and normalisation the model was trained with.
public enum CheckpointEvaluation {
    public struct Output {
        public var result: EvaluationResult
        public var classNames: [String]
        public var samples: Int
    }

    public static func run(checkpoint path: String, split: DatasetSplit, overrides: [String]) throws -> Output {
        let ck = try Checkpoint.load(path)
        guard let cardJSON = ck.metadata[ModelWeights.metadataKey], let configText = ck.metadata["config"] else {
            throw TrainingError("\(path) has no model card/config (was it written by `strata train`?)")
        }
        let card = try ModelCard(json: cardJSON)
        var tree = try ConfigTree(yaml: configText, source: "config stored in \(path)")
        try tree.apply(overrides: overrides)
        let c = try TrainConfig(tree, datasets: Datasets.known.map(\.name) + ["raster"], models: ModelRegistry.names)
        guard c.task != "segmentation" else {
            throw TrainingError("segmentation checkpoints are evaluated on maps: run `strata predict`, then `strata evaluate --map … --labels … --attribute …`")
        }
        Runtime.configure(threads: c.trainer.threads)
        let ds = try Datasets.open(c.data.dataset, root: c.data.root, options: DatasetOptions(
            split: split, bands: card.bands, splitDirectory: c.data.splitDir,
            fractions: try SplitFractions(train: c.data.trainFraction, val: c.data.valFraction, test: c.data.testFraction),
            seed: c.data.splitSeed))
        try card.checkBands(ds.bandNames)
        guard ds.count > 0 else { throw TrainingError("the \(split) split of \(c.data.dataset) at \(c.data.root) is empty") }
        let model = try ModelRegistry.make(name: card.architecture, inChannels: card.inChannels, numClasses: card.numClasses)
        try ck.restore(model: model, restoreRNG: false)
        let source = ChipLoaderSource(try DataLoader(ds, batchSize: c.data.batchSize, workers: c.data.workers,
                                                     batchTransform: try InputPipeline(card: card).batchTransform))
        var o = TrainerOptions()
        o.progress = false
        o.channelsLast = c.trainer.channelsLast
        let kind: TaskKind = card.task == .multiLabel ? .multilabel : .classification
        let trainer = try Trainer(model: model, kind: kind, numClasses: card.numClasses, classNames: card.classNames,
                                  optimizer: try SGD(model.parameters(), lr: 0), options: o,
                                  runDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("strata-eval-\(getpid())"))
        let r = try trainer.evaluate(source)
        return Output(result: r, classNames: card.classNames, samples: ds.count)
    }
}
