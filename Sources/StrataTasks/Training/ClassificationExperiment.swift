import Foundation
import StrataData
import StrataModels
import StrataTensor

/// The hooks of `task: classification` / `multilabel` on chip datasets (EuroSAT, So2Sat, BigEarthNet, folders of
/// chips; 2-date series chips of a change dataset, see `changedChipData`): opens the training and validation splits,
/// takes normalisation statistics from the training split, and feeds `DataLoader`s. The rest of the run is
/// `Experiment`'s.
public struct ClassificationExperiment: ExperimentTask {
    public init() {}

    public func prepareData(_ c: TrainConfig) throws -> ExperimentData {
        if c.classifiesChangedChips { return try Self.changedChipData(c) }
        func open(_ split: DatasetSplit) throws -> any ChipDataset {
            try Datasets.open(c.data.dataset, root: c.data.root, options: c.data.datasetOptions(split: split,
                                                                                              bands: c.data.bands))
        }
        let trainSet = try open(.train), valSet = try open(.val)
        guard trainSet.count > 0 else {
            throw ConfigError("data: the training split of \(c.data.dataset) at '\(c.data.root)' is empty; check data.root and data.split")
        }
        guard trainSet.task == c.task else {
            throw ConfigError("task: \(c.task.rawValue), but the labels of \(c.data.dataset) are \(trainSet.task.rawValue); set task: \(trainSet.task == .multilabel ? "multilabel" : trainSet.task.rawValue)")
        }
        let sampleShape = try trainSet.sample(at: 0).image.shape
        return ExperimentData(
            kind: trainSet.task, bands: trainSet.bandNames, classNames: trainSet.classNames,
            inputSize: Array(sampleShape.suffix(2)), extra: ["dataset": c.data.dataset],
            imageInputs: sampleShape.count == 3,
            statisticsImages: { try Self.statisticsImages(trainSet) },
            makeSources: { try Self.chipSources(train: trainSet, val: valSet, c, $0, $1) })
    }

    /// Up to 4096 chips spread evenly over the training split (for normalisation statistics).
    static func statisticsImages(_ trainSet: any ChipDataset) throws -> [Tensor] {
        let step = max(1, trainSet.count / min(trainSet.count, 4096))
        return try stride(from: 0, to: trainSet.count, by: step).map { try trainSet.sample(at: $0).image }
    }

    /// The training (shuffled, sharded by rank) and validation loaders over chip datasets.
    static func chipSources(train trainSet: any ChipDataset, val valSet: any ChipDataset, _ c: TrainConfig,
                            _ trainPipe: InputPipeline, _ evalPipe: InputPipeline) throws
        -> (BatchSource, BatchSource) {
        (ChipLoaderSource(try DataLoader(trainSet, batchSize: c.data.batchSize, shuffle: true,
                                         workers: c.data.workers, seed: c.trainer.seed,
                                         batchTransform: trainPipe.batchTransform, shard: c.shard)),
         ChipLoaderSource(try DataLoader(valSet, batchSize: c.data.batchSize, workers: c.data.workers,
                                         seed: c.trainer.seed, batchTransform: evalPipe.batchTransform)))
    }

    public func reportTitle(_ c: TrainConfig) -> String { "\(c.data.dataset) · \(c.model)" }
}

extension TrainConfig.Data {
    /// How `Datasets.open` opens this config's chip dataset for `split` (bands as given: the config's or a card's).
    public func datasetOptions(split: DatasetSplit, bands: [String]?) throws -> DatasetOptions {
        let fractions = try SplitFractions(train: trainFraction, val: valFraction, test: testFraction)
        var o = DatasetOptions(split: split, bands: bands, splitDirectory: splitDir, fractions: fractions,
                               seed: splitSeed)
        o.partition = partition
        o.skipMissing = skipMissing
        return o
    }
}
