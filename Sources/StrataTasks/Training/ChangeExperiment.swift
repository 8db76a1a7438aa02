import Foundation
import StrataData
import StrataModels
import StrataTensor

/// The hooks of `task: change` (binary change detection) on the bi-temporal datasets (`ChangeDatasets`: OSCD,
/// LEVIR-CD/-CD+, DSIFN, WHU-CD), on the one-tensor convention of `ChangeModel` (dates stacked on channels):
/// - training: each pair (an OSCD city, a LEVIR tile) read once and kept in memory (`ChangePairChips`), repeated to
///   `data.chips_per_epoch` chips per epoch, each a random `data.chip_size` square crop drawn pair-consistently
///   (`PairAugmentation`: the same window on both dates and the mask); `data.augment` flips/rotations then move the
///   stacked dates and the mask together;
/// - validation: whole pairs padded at the bottom/right to multiples of 32 (padding ignored by loss and metrics), so
///   the metrics are those of every labelled pixel of the validation pairs;
/// - split: the dataset's lists (`train` / `val`, or `test` where there is no `val`), or for OSCD cities by name
///   (`data.train_cities`, `data.val_cities`);
/// - loss: BCE with logits over labelled pixels (one logit), cross-entropy for K ≥ 3 change classes (ignore 255);
///   `trainer.class_weights: [w]` weighs the change class by `w` (BCE `pos_weight`, as TorchGeo's
///   `ChangeDetectionTask(pos_weight=)`; OSCD's change is ~2–3 % of the pixels);
/// - metrics: the change class's precision, recall, F1, IoU, OA and κ (`BinaryChangeMetrics`).
/// The model card lists one date's bands. The rest of the run is `Experiment`'s.
public struct ChangeExperiment: ExperimentTask {
    public init() {}

    public func prepareData(_ c: TrainConfig) throws -> ExperimentData {
        guard c.data.bands == nil else {
            throw ConfigError("data.bands: band selection is not supported for task: change yet; remove it (every "
                + "band of the dataset is used)")
        }
        if let w = c.trainer.classWeights, w.count != 1 || !(w[0] > 0) {
            throw ConfigError("trainer.class_weights: binary change has one logit, so it takes one positive value, "
                + "the weight of the change class in the BCE (TorchGeo's pos_weight), e.g. [10]; got \(w)")
        }
        let name = c.data.dataset
        let byCity = c.data.trainCities != nil || c.data.valCities != nil
        if byCity && (c.data.trainCities == nil || c.data.valCities == nil) {
            throw ConfigError("data.train_cities and data.val_cities go together: give both (OSCD split by city)")
        }
        let trainSet = try ChangeDatasets.open(name, root: c.data.root, split: .train, cities: c.data.trainCities)
        let valSet: any ChangeChipDataset
        if byCity {
            valSet = try ChangeDatasets.open(name, root: c.data.root, split: .test, cities: c.data.valCities)
        } else {
            valSet = try (try? ChangeDatasets.open(name, root: c.data.root, split: .val))
                ?? ChangeDatasets.open(name, root: c.data.root, split: .test)
        }
        guard trainSet.count > 0, valSet.count > 0 else {
            throw ConfigError("data: \(name) at '\(c.data.root)' has an empty training or validation split")
        }
        let repeats = max(1, (c.data.chipsPerEpoch + trainSet.count - 1) / trainSet.count)
        let trainChips = try ChangePairChips(trainSet, repeats: repeats, cache: true)
        let valChips = try ChangePairChips(valSet, padTo: 32, cache: true)
        var extra = ["dataset": name, "val_pairs": (0..<valSet.count).map(valSet.id).joined(separator: ",")]
        if let t = c.data.trainCities { extra["train_cities"] = t.joined(separator: ",") }
        if let e = c.modelEncoder { extra["encoder"] = e }
        return try Self.pairData(kind: .change, classNames: ["no change", "change"], extra: extra,
                                 trainSet: trainSet, trainChips: trainChips, valSet: valSet, valChips: valChips,
                                 config: c)
    }

    /// What pair tasks (change, semantic change) hand the scaffold: one date's bands, statistics from both dates
    /// of up to 64 training pairs, training chips through a pair-consistent `data.chip_size` crop (sharded by rank
    /// under data parallel), validation pairs whole (batched when they share a size).
    static func pairData(kind: TaskKind, classNames: [String], extra: [String: String],
                         trainSet: any ChangeChipDataset, trainChips: ChangePairChips,
                         valSet: any ChangeChipDataset, valChips: ChangePairChips,
                         config c: TrainConfig) throws -> ExperimentData {
        let crop = try PairAugmentation(crop: c.data.chipSize, horizontalFlip: false, verticalFlip: false,
                                        rotate90: false)
        let sameSize = try Set((0..<min(valSet.count, 8)).map { try valChips.sample(at: $0).image.shape }).count == 1
        let c0 = trainSet.bandNames.count
        return ExperimentData(
            kind: kind, bands: trainSet.bandNames, classNames: classNames,
            inputSize: [c.data.chipSize, c.data.chipSize], extra: extra,
            statisticsImages: {
                try (0..<min(trainSet.count, 64)).flatMap { i -> [Tensor] in
                    let p = try trainChips.pair(at: i)
                    return [p.imageA, p.imageB]
                }
            },
            makeSources: { trainPipe, evalPipe in
                (ChipLoaderSource(try DataLoader(trainChips, batchSize: c.data.batchSize, shuffle: true,
                                                 dropLast: trainChips.count >= c.data.batchSize,
                                                 workers: c.data.workers, seed: c.trainer.seed,
                                                 transform: crop.chipTransform(channelsPerDate: c0),
                                                 batchTransform: trainPipe.batchTransform, shard: c.shard)),
                 ChipLoaderSource(try DataLoader(valChips, batchSize: sameSize ? c.data.batchSize : 1,
                                                 workers: c.data.workers, seed: c.trainer.seed,
                                                 batchTransform: evalPipe.batchTransform)))
            })
    }

    public func lossOptions(_ c: TrainConfig) -> LossOptions {
        LossOptions(labelSmoothing: c.trainer.labelSmoothing, classWeights: c.trainer.classWeights,
                    ignoreIndex: ChangeSample.ignoreIndex)
    }

    /// `model.zero_init_residual` zeroes the residual blocks of the FC networks' ResNet encoder.
    public func configureModel(_ model: Module, config c: TrainConfig) throws {
        guard c.zeroInitResidual else { return }
        guard let fc = model as? FCSiam else {
            throw ConfigError("model.zero_init_residual applies to ResNet encoders (fc-ef, fc-siam-*), not to \(c.model)")
        }
        try fc.encoder.zeroInitResiduals()
    }

    public func reportTitle(_ c: TrainConfig) -> String { "change · \(c.data.dataset) · \(c.model)" }
}
