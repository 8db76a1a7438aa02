import StrataData

/// `task: classification` on a change dataset (`dataset: oscd`, `levir-cd`, …): the pairs cut into 2-date series
/// chips labelled `unchanged` / `changed` (`ChangedChipSeries`). The keys it reads, and the ones it rejects.
extension TrainConfig {
    /// The `data:` keys that shape changed-chip series (besides `dataset`, `root`, loader and normalisation keys).
    public static let changedChipKeys = ["chip_size", "changed_fraction", "train_cities", "val_cities"]

    /// Whether this config classifies series chips of a change dataset.
    public var classifiesChangedChips: Bool {
        task == .classification && experiment == nil && ChangeDatasets.names.contains(data.dataset.lowercased())
    }

    /// One clear error for each `data:` key that makes no sense for 2-date series chips of a change dataset.
    func checkChangedChipKeys(present: Set<String>, section d: ConfigReader) throws {
        let what = "task: classification on \(data.dataset) classifies 2-date series chips cut from its pairs"
        if let k = (Self.segmentationOnlyKeys + Self.chipOnlyKeys).first(where: {
            present.contains($0) && !Self.changedChipKeys.contains($0)
        }) {
            let why = Self.chipOnlyKeys.contains(k)
                ? "the split is the dataset's lists, or for OSCD data.train_cities / data.val_cities"
                : "chips come from data.chip_size and data.changed_fraction"
            throw ConfigError("data.\(k) does nothing for \(what) (\(why)); remove it")
        }
        if (data.trainCities == nil) != (data.valCities == nil) {
            throw ConfigError("data.train_cities and data.val_cities go together: give both (OSCD split by city)")
        }
        if data.trainCities != nil && data.dataset.lowercased() != "oscd" {
            throw ConfigError("data.train_cities: only OSCD is split by city; \(data.dataset) has split lists")
        }
        if data.bands != nil {
            throw ConfigError("data.bands: \(what) with every band of both dates; band selection is not supported "
                + "for them yet — remove data.bands")
        }
        if !data.indices.isEmpty {
            throw ConfigError("data.indices: spectral indices are not computed per date of a series; \(what) — "
                + "remove data.indices")
        }
    }
}
