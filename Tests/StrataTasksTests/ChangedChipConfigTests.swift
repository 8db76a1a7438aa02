import Testing
@testable import StrataTasks

/// `task: classification` on a change dataset (2-date series chips labelled unchanged / changed): the keys it reads,
/// and one clear error for each key that makes no sense for such series.
@Suite struct ChangedChipConfigTests {
    static func parse(_ data: String, task: String = "classification", dataset: String = "oscd") throws -> TrainConfig {
        try TrainConfig(ConfigTree(yaml: """
        task: \(task)
        data:
          dataset: \(dataset)
          root: r
        \(data.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        model: {name: ltae-resnet18}
        output: runs/x
        """), datasets: ["oscd", "levir-cd", "eurosat", "raster"], models: ["ltae-resnet18", "resnet18"])
    }

    static func error(_ data: String, task: String = "classification", dataset: String = "oscd") -> String {
        do { _ = try parse(data, task: task, dataset: dataset); return "no error" } catch { return "\(error)" }
    }

    @Test func readsItsKeysAndRejectsTheOthers() throws {
        let c = try Self.parse("chip_size: 32\nchanged_fraction: 0.1\ntrain_cities: [bercy]\nval_cities: [paris]")
        #expect(c.classifiesChangedChips && c.data.chipSize == 32 && c.data.changedFraction == 0.1)
        #expect(c.data.trainCities == ["bercy"] && c.data.valCities == ["paris"])
        #expect(try Self.parse("chip_size: 32").data.changedFraction == 0.05)
        #expect(try !Self.parse("", dataset: "eurosat").classifiesChangedChips)
        // Keys of other kinds of data, and settings that do not apply per date of a series.
        #expect(Self.error("split_dir: s").contains("data.split_dir does nothing for task: classification on oscd"))
        #expect(Self.error("split: {train: 0.5}").contains("data.split does nothing"))
        #expect(Self.error("images: [a.tif]").contains("data.images does nothing"))
        #expect(Self.error("series: {max_dates: 2}").contains("data.series does nothing"))
        #expect(Self.error("labels: l.gpkg").contains("data.labels does nothing"))
        #expect(Self.error("bands: [B02]").contains("band selection is not supported"))
        #expect(Self.error("indices: [ndvi]").contains("not computed per date"))
        #expect(Self.error("train_cities: [bercy]").contains("go together"))
        #expect(Self.error("train_cities: [a]\nval_cities: [b]", dataset: "levir-cd").contains("only OSCD"))
        #expect(Self.error("changed_fraction: 1").contains("changed_fraction"))
        // changed_fraction elsewhere does nothing: rejected.
        #expect(Self.error("changed_fraction: 0.1", dataset: "eurosat").contains("does nothing here"))
        #expect(Self.error("changed_fraction: 0.1", task: "change").contains("does nothing here"))
        #expect(Self.error("", task: "multilabel").contains("task: classification"))
    }
}
