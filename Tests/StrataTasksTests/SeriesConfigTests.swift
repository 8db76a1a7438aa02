import Testing
@testable import StrataTasks

/// `data.series` (segmentation on time series): parsed values, and one clear error per contradiction.
@Suite struct SeriesConfigTests {
    static func parse(_ series: String, task: String = "segmentation") throws -> TrainConfig {
        try TrainConfig(ConfigTree(yaml: """
        task: \(task)
        data:
          dataset: raster
          images: [a.tif, b.tif]
          labels: l.gpkg
          series: \(series)
        model: {name: unet-ltae-resnet18}
        output: runs/x
        """), datasets: ["raster"], models: ["unet-ltae-resnet18"])
    }

    static func error(_ series: String, task: String = "segmentation") -> String {
        do { _ = try parse(series, task: task); return "no error" } catch { return "\(error)" }
    }

    @Test func parsesAndRejectsContradictions() throws {
        let a = try Self.parse("{max_dates: 3, dates: filename, date_regex: '_(?<date>\\\\d{8})', date_format: yyyyMMdd}")
        #expect(a.data.series?.maxDates == 3 && a.data.series?.dates == "filename" && a.data.series?.bins == nil)
        let b = try Self.parse("{bins: seasons:2020, pick: median}")
        #expect(b.data.series?.bins == "seasons:2020" && b.data.series?.pick == "median")
        #expect(try SegmentationExperiment.dateBins("monthly:2021").count == 12)
        #expect(throws: ConfigError.self) { try SegmentationExperiment.dateBins("weekly:2021") }
        #expect(Self.error("{max_dates: 2, bins: monthly:2020}").contains("exactly one of max_dates"))
        #expect(Self.error("{}").contains("exactly one of max_dates"))
        #expect(Self.error("{max_dates: 2, dates: filename}").contains("date_regex"))
        #expect(Self.error("{max_dates: 2, date_regex: 'x'}").contains("dates: filename"))
        #expect(Self.error("{max_dates: 2, pick: median}").contains("pick applies to date bins"))
        #expect(Self.error("{bins: seasons:2020, pick: mode}").contains("first_valid"))
        #expect(Self.error("{max_dates: 2, colour: red}").contains("colour"))
    }
}
