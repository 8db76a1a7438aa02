import Foundation
import StrataData
import StrataModels
import StrataTensor

/// `task: classification` on a change dataset: its pairs as 2-date series chips labelled `unchanged` / `changed`
/// (`ChangedChipSeries`, `data.chip_size`, `data.changed_fraction`), e.g. OSCD cities for a series classifier such as
/// `ltae-resnet18` (per-date ResNet, L-TAE over the dates). Split: the dataset's lists, or for OSCD the cities of
/// `data.train_cities` / `data.val_cities`. Every chip of the training split is one sample per epoch; validation
/// uses every chip of the validation split. The model card records `series_dates: 2` and bands `NAME@1`, `NAME@2`,
/// so `strata predict` takes the two dates as two inputs and classifies a grid of windows into one map.
extension ClassificationExperiment {
    /// The changed-chip series of `c`'s dataset for `split` (`.train`: the training pairs; otherwise the
    /// validation pairs: `val`, or `test` where the dataset has no `val` list; OSCD: `data.val_cities`).
    public static func changedChips(_ c: TrainConfig, split: DatasetSplit) throws -> ChangedChipSeries {
        let name = c.data.dataset
        let pairs: any ChangeChipDataset
        if split == .train {
            pairs = try ChangeDatasets.open(name, root: c.data.root, split: .train, cities: c.data.trainCities)
        } else if let cities = c.data.valCities {
            pairs = try ChangeDatasets.open(name, root: c.data.root, split: .test, cities: cities)
        } else if split == .val {
            pairs = try (try? ChangeDatasets.open(name, root: c.data.root, split: .val))
                ?? ChangeDatasets.open(name, root: c.data.root, split: .test)
        } else {
            pairs = try ChangeDatasets.open(name, root: c.data.root, split: split)
        }
        return try ChangedChipSeries(pairs, chipSize: c.data.chipSize, changedFraction: c.data.changedFraction)
    }

    static func changedChipData(_ c: TrainConfig) throws -> ExperimentData {
        let trainSet = try changedChips(c, split: .train), valSet = try changedChips(c, split: .val)
        guard trainSet.count > 0, valSet.count > 0 else {
            throw ConfigError("data: no \(c.data.chipSize)-pixel chip fits in the training or validation pairs of "
                + "\(c.data.dataset) at '\(c.data.root)'; lower data.chip_size or check data.root")
        }
        let counts = try trainSet.classCounts()
        print("changed-chip series: \(trainSet.count) training chips (\(counts[1]) changed, > "
            + "\(c.data.changedFraction) of their labelled pixels), \(valSet.count) validation chips")
        var extra = ["dataset": c.data.dataset, "series_dates": "2", "changed_fraction": "\(c.data.changedFraction)",
                     "labels": "chip changed when more than \(c.data.changedFraction) of its labelled pixels changed"]
        if let t = c.data.trainCities { extra["train_cities"] = t.joined(separator: ",") }
        if let v = c.data.valCities { extra["val_cities"] = v.joined(separator: ",") }
        return ExperimentData(
            kind: .classification, bands: trainSet.bandNames, classNames: trainSet.classNames,
            inputSize: [c.data.chipSize, c.data.chipSize], extra: extra,
            statisticsImages: { try Self.statisticsImages(trainSet) },
            makeSources: { try Self.chipSources(train: trainSet, val: valSet, c, $0, $1) })
    }
}
