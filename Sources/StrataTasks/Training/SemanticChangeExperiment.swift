import Foundation
import StrataData
import StrataModels
import StrataTensor

/// The hooks of `task: semantic-change` (from→to land cover per pixel) on SECOND and Hi-UCD (`dataset: second` /
/// `hiucd`: the published layouts or the pseudo-labelled copies `strata pseudo-labels` writes), on the one-tensor
/// convention of `SemanticChangeModel` (dates stacked on channels; output `[B, 2K + 1, H, W]`; target
/// `[B, 3, H, W]` = date 1 classes, date 2 classes, change):
/// - training: pairs kept in memory, `data.chips_per_epoch` pair-consistent random `data.chip_size` crops
///   (`PairAugmentation`: the same window on both dates and all three label planes); `data.augment` flips/rotations
///   move them together; validation on whole pairs padded to multiples of 32 (padding ignored);
/// - split: the dataset's lists, or by tile-name prefix (`data.train_cities` / `data.val_cities`: the pseudo-labelled
///   OSCD tiles are `<city>_<row>_<col>`);
/// - classes and encodings (see `encoding`): Hi-UCD as ClearSCD encodes it (9 classes, unlabelled 9, change
///   unlabelled 255) with ClearSCD's metrics; SECOND re-encoded to 6 classes + unlabelled (its "no change"), with
///   SECOND's metrics (mIoU, SeK, Fscd, Score);
/// - loss: the model's own when it has one (ClearSCD: BCE + Dice change, CE per date, SACL, BSCC; every component
///   logged as `train_<name>`), else CE per date + BCE on the change.
public struct SemanticChangeExperiment: ExperimentTask {
    public init() {}

    struct Encoding {
        let classes: [String]
        let semanticIgnore: Int
        let secondConvention: Bool
    }

    /// Both datasets train in ClearSCD's encoding (K land-cover classes 0…K−1, K = unlabelled): Hi-UCD as ClearSCD
    /// encodes it (K = 9); SECOND's maps re-encoded (class s ≥ 1 → s − 1, "no change" 0 → 6 = unlabelled, so the
    /// semantic loss sees changed pixels only, as Bi-SRNet's `ignore_index=0`), K = 6, evaluated with SECOND's metrics
    /// (predictions + 1 where change is predicted, 0 elsewhere).
    static func encoding(_ dataset: String) -> Encoding {
        dataset.lowercased() == "second"
            ? Encoding(classes: Array(SECOND.classNames.dropFirst()), semanticIgnore: 6, secondConvention: true)
            : Encoding(classes: HiUCD.classNames, semanticIgnore: HiUCD.unlabelledClass, secondConvention: false)
    }

    /// SECOND's labels in ClearSCD's encoding (see `encoding`).
    static func reencodeSECOND(_ base: any ChangeChipDataset) -> any ChangeChipDataset {
        MappedChangeDataset(base) { s in
            var out = s
            func map(_ t: Tensor?) throws -> Tensor? {
                try t.map { try Tensor.where($0 .== 0, 6, $0 - 1).to(.int64) }
            }
            out.semanticA = try map(s.semanticA)
            out.semanticB = try map(s.semanticB)
            return out
        }
    }

    public func prepareData(_ c: TrainConfig) throws -> ExperimentData {
        guard c.data.bands == nil else {
            throw ConfigError("data.bands: band selection is not supported for task: semantic-change; remove it")
        }
        let name = c.data.dataset
        let byCity = c.data.trainCities != nil || c.data.valCities != nil
        if byCity && (c.data.trainCities == nil || c.data.valCities == nil) {
            throw ConfigError("data.train_cities and data.val_cities go together: give both")
        }
        var trainSet: any ChangeChipDataset, valSet: any ChangeChipDataset
        if byCity {
            trainSet = try ChangeDatasets.openSemantic(name, root: c.data.root, split: .all, cities: c.data.trainCities)
            valSet = try ChangeDatasets.openSemantic(name, root: c.data.root, split: .all, cities: c.data.valCities)
        } else {
            trainSet = try ChangeDatasets.openSemantic(name, root: c.data.root, split: .train)
            valSet = try (try? ChangeDatasets.openSemantic(name, root: c.data.root, split: .val))
                ?? ChangeDatasets.openSemantic(name, root: c.data.root, split: .test)
        }
        guard trainSet.count > 0, valSet.count > 0 else {
            throw ConfigError("data: \(name) at '\(c.data.root)' has an empty training or validation split")
        }
        let enc = Self.encoding(name)
        if enc.secondConvention {
            trainSet = Self.reencodeSECOND(trainSet)
            valSet = Self.reencodeSECOND(valSet)
        }
        let repeats = max(1, (c.data.chipsPerEpoch + trainSet.count - 1) / trainSet.count)
        let trainChips = try ChangePairChips(trainSet, repeats: repeats, cache: true, semanticClasses: enc.classes,
                                             semanticIgnore: enc.semanticIgnore)
        let valChips = try ChangePairChips(valSet, padTo: 32, cache: true, semanticClasses: enc.classes,
                                           semanticIgnore: enc.semanticIgnore)
        var extra = ["dataset": name, "encoding": enc.secondConvention ? "second" : "hiucd-clearscd"]
        if let t = c.data.trainCities { extra["train_cities"] = t.joined(separator: ",") }
        return try ChangeExperiment.pairData(kind: .semanticChange, classNames: enc.classes, extra: extra,
                                             trainSet: trainSet, trainChips: trainChips, valSet: valSet,
                                             valChips: valChips, config: c)
    }

    public func lossOptions(_ c: TrainConfig) -> LossOptions {
        let e = Self.encoding(c.data.dataset)
        return LossOptions(ignoreIndex: ChangeSample.ignoreIndex, semanticIgnoreIndex: e.semanticIgnore,
                           secondMetrics: e.secondConvention)
    }

    public func configureModel(_ model: Module, config c: TrainConfig) throws {
        guard c.zeroInitResidual else { return }
        throw ConfigError("model.zero_init_residual does nothing for \(c.model); remove it")
    }

    /// ClearSCD trains with its own loss (`ClearSCD.losses`, warm-up of global SACL during its first epochs).
    public func modelLoss(_ model: Module, config c: TrainConfig) throws -> ModelLoss? {
        guard let clear = model as? ClearSCD else { return nil }
        if Self.encoding(c.data.dataset).semanticIgnore != clear.ignoreIndex {
            throw ConfigError("model clearscd ignores class \(clear.ignoreIndex) but the data marks unlabelled pixels \(Self.encoding(c.data.dataset).semanticIgnore)")
        }
        return ModelLoss { logits, target, epoch in
            guard let out = clear.lastTrainingOutput else {
                throw TrainingError("ClearSCD loss: the model kept no training output (was it in eval mode?)")
            }
            let l = try clear.losses(out, labelA: target.select(dim: 1, index: 0),
                                     labelB: target.select(dim: 1, index: 1),
                                     change: target.select(dim: 1, index: 2),
                                     warmup: epoch <= clear.config.warmupEpochs)
            return (l.total, try l.components())
        }
    }

    public func reportTitle(_ c: TrainConfig) -> String { "semantic change · \(c.data.dataset) · \(c.model)" }
}
