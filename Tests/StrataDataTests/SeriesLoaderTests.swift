import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

/// Series through the loader (`SeriesDataset` → `GeoDataLoader` → `GeoBatch.series`), date bins (composite or
/// nearest date per bin) and SSL4Eco-style seasonal stacks, on the compositing fixture's four dated layers
/// (scripts/fixtures/compositing.py: 2020-01-05, 03-10, 06-15, 09-20; layer 1 covers columns 0–3 only).
@Suite struct SeriesLoaderTests {
    typealias F = TemporalTests.Fixture
    static func utc(_ d: String) -> Double { TemporalTests.utc(d) }

    static func setUp() throws -> (F, URL, RasterDataset) {
        let f = try TemporalTests.fixture()
        let dir = try SharedData.tempDir("series-loader")
        try TemporalTests.writeLayers(f, in: dir)
        return (f, dir, try TemporalTests.dataset(dir))
    }

    static func layer(_ f: F, _ t: Int) -> [Double] {
        let plane = 4 * 6 * 7
        return Array(f.x[(t * plane)..<((t + 1) * plane)])
    }

    @Test func loaderBatchesSeriesWithDatesAndPaddingMask() throws {
        let (f, dir, ds) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let series = try SeriesDataset(ds, maxDates: 6)
        // One undated footprint per distinct extent: layer 1's narrower file is a second footprint.
        #expect(series.index.count == 2 && series.index.entries.allSatisfy { $0.minT == nil })
        #expect(series.bandNames.prefix(5) == ["B1@1", "B2@1", "B3@1", "QA@1", "B1@2"] && series.bandNames.count == 24)
        let full = BoundingBox(minX: 500_000, minY: 4_000_000, maxX: 500_070, maxY: 4_000_060)
        // Two chips: the whole extent twice, the second one with a time window that the series must ignore.
        var windowed = full
        windowed.minT = Self.utc("20200601"); windowed.maxT = Self.utc("20200630")
        let sampler = FixedChips(boxes: [full, windowed])
        for workers in [0, 2] {
            let loader = try GeoDataLoader(dataset: series, sampler: sampler, batchSize: 2, workers: workers)
            let stream = loader.epoch(0)
            let b = try #require(try stream.next())
            #expect(b.image?.shape == [2, 24, 6, 7])
            let info = try #require(b.series)
            #expect(try b.seriesImage().shape == [2, 6, 4, 6, 7])
            #expect(info.bandsPerDate == ["B1", "B2", "B3", "QA"] && info.omittedDates == [0, 0])
            #expect(info.dates[1].map { $0?.start } == f.dates.map { Self.utc($0) } + [nil, nil])
            #expect(try info.dateMask.to(.int64).toArray(Int64.self) == [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0])
            let v = try b.seriesImage().select(dim: 0, index: 1)
            for t in 0..<4 { #expect(try v.select(dim: 0, index: t).doubles() == Self.layer(f, t)) }
            // Padding is NaN (float data): the pipeline's NaN → 0 gives the temporal models' pad value.
            #expect(try v.narrow(dim: 0, start: 4, length: 2).doubles().allSatisfy(\.isNaN))
            // The same pixels as RasterDataset.series for the real dates.
            let s = try ds.series(bounds: full, maxDates: 4)
            #expect(try b.seriesImage().select(dim: 0, index: 0).narrow(dim: 0, start: 0, length: 4).doubles()
                    == s.image.doubles())
            #expect(try stream.next() == nil)
        }
        // max_dates below the dates met: the first ones, the rest counted.
        let two = try SeriesDataset(ds, maxDates: 2)
        let b2 = try #require(try GeoDataLoader(dataset: two, sampler: FixedChips(boxes: [full]), batchSize: 1,
                                                workers: 0).epoch(0).next())
        #expect(b2.series?.omittedDates == [2] && b2.image?.shape == [1, 8, 6, 7])
        #expect(try b2.image!.doubles() == Self.layer(f, 0) + Self.layer(f, 1))
        // A grid sampler visits each location once (not once per date).
        let grid = try GridGeoSampler(series, size: 3)
        let plain = try GridGeoSampler(ds, size: 3)
        #expect(grid.chips(epoch: 0).count < plain.chips(epoch: 0).count)
        #expect(Set(grid.chips(epoch: 0).map { [$0.minX, $0.maxY] }).count == grid.chips(epoch: 0).count)
    }

    @Test func dateBinsCompositeOrNearestAndRespectCloudMask() throws {
        let (f, dir, ds) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let q = BoundingBox(minX: 500_000, minY: 4_000_000, maxX: 500_070, maxY: 4_000_060)
        let bins = try DateBins([.init(name: "Q1", start: Self.utc("20200101"), end: Self.utc("20200401")),
                                 .init(name: "Q2", start: Self.utc("20200401"), end: Self.utc("20200701")),
                                 .init(name: "Oct", start: Self.utc("20201001"), end: Self.utc("20201101"))])
        let cloud = CloudMask(band: "QA", values: f.cloud_values)
        let x = try Tensor(f.x, shape: f.shape)
        let valid = try Tensor(f.valid.map { $0 != 0 }, shape: [4, 6, 7])
        // Q1 holds dates 0 and 1: their latest-valid composite (cloud mask respected); Q2 date 2; October none;
        // date 3 (September) falls between bins: left out, counted.
        let s = try ds.series(bounds: q, bins: bins, pick: .composite(.latest), cloudMask: cloud)
        #expect(s.image.shape == [3, 4, 6, 7] && s.omittedDates == 1)
        #expect(s.dates.map { $0?.start } == [Self.utc("20200105"), Self.utc("20200615"), nil])
        #expect(s.dates[0]?.end == Self.utc("20200310"))
        #expect(try s.dateMask.to(.int64).toArray(Int64.self) == [1, 1, 0])
        let want = try TemporalComposite.composite(try x.narrow(dim: 0, start: 0, length: 2),
                                                   valid: try valid.narrow(dim: 0, start: 0, length: 2),
                                                   rule: .last, fill: f.nodata)
        #expect(try s.image.select(dim: 0, index: 0).doubles() == want.doubles())
        // A bin of one date composites it alone: its clouded and nodata pixels become nodata.
        let one = try TemporalComposite.composite(try x.narrow(dim: 0, start: 2, length: 1),
                                                  valid: try valid.narrow(dim: 0, start: 2, length: 1),
                                                  rule: .last, fill: f.nodata)
        #expect(try s.image.select(dim: 0, index: 1).doubles() == one.doubles())
        #expect(try one.doubles() != Self.layer(f, 2))
        #expect(try s.image.select(dim: 0, index: 2).doubles().allSatisfy { $0 == f.nodata })
        // Without the cloud mask the Q1 composite differs (clouded pixels of date 1 win).
        let noMask = try ds.series(bounds: q, bins: bins, pick: .composite(.latest))
        #expect(try noMask.image.select(dim: 0, index: 0).doubles() != want.doubles())
        // Nearest: Q1's centre (mid-February) is closer to 03-10 than to 01-05.
        let near = try ds.series(bounds: q, bins: bins, pick: .nearest)
        #expect(try near.image.select(dim: 0, index: 0).doubles() == Self.layer(f, 1))
        #expect(near.dates[0]?.start == Self.utc("20200310"))
        // Monthly bins: 12 slots, 4 of them filled.
        let monthly = try ds.series(bounds: q, bins: DateBins.monthly(year: 2020))
        #expect(monthly.image.shape[0] == 12)
        #expect(try monthly.dateMask.to(.int64).toArray(Int64.self) == [1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0])
        // Bad bins and contradictory options are errors.
        #expect(throws: DataError.self) {
            try DateBins([.init(name: "a", start: 10, end: 20), .init(name: "b", start: 15, end: 30)])
        }
        #expect(throws: DataError.self) { try SeriesDataset(ds, maxDates: 2, bins: bins) }
        #expect(throws: DataError.self) { try SeriesDataset(ds, maxDates: 2, pick: .composite(.median)) }
        #expect(throws: DataError.self) { try SeriesDataset(ds, maxDates: 2, cloudMask: cloud) }
    }

    /// SSL4Eco: the same location at 4 seasons. Seasons of 2020 hold 03-10 (spring), 06-15 (summer), 09-20
    /// (autumn); winter (Dec 2020 – Feb 2021) is empty and padded; 2020-01-05 (winter 2019) is not met.
    @Test func seasonalStacksSampleOneLocationAtFourSeasons() throws {
        let (f, dir, ds) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seasons = try SeriesDataset(ds, bins: DateBins.seasons(year: 2020))
        #expect(seasons.maxDates == 4)
        let sampler = try RandomGeoSampler(seasons, size: .pixels(3), length: 5, seed: 3)
        let b = try #require(try GeoDataLoader(dataset: seasons, sampler: sampler, batchSize: 5, workers: 1).epoch(0).next())
        #expect(try b.seriesImage().shape == [5, 4, 4, 3, 3])
        let info = try #require(b.series)
        for (k, chip) in b.bounds.enumerated() {
            #expect(info.dates[k].map { $0?.start } == [Self.utc("20200310"), Self.utc("20200615"),
                                                         Self.utc("20200920"), nil])
            #expect(info.omittedDates[k] == 0)   // January is outside the seasons' span, not met
            // Each season's layer is that date's chip, read directly.
            let s = try ds.series(bounds: chip, maxDates: 4)
            let per = try b.seriesImage().select(dim: 0, index: k)
            #expect(try per.narrow(dim: 0, start: 0, length: 3).doubles()
                    == s.image.narrow(dim: 0, start: 1, length: 3).doubles())
        }
        // Winter 2019 holds the January date.
        let w19 = try ds.series(bounds: ds.bounds, bins: DateBins.seasons(year: 2019))
        #expect(try w19.dateMask.to(.int64).toArray(Int64.self) == [0, 0, 0, 1])
        #expect(f.dates[0] == "20200105")
    }
}

/// Exactly these chips, every epoch.
struct FixedChips: GeoSampler {
    let boxes: [BoundingBox]
    func chips(epoch: Int) -> [BoundingBox] { boxes }
}
