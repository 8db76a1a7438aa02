import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

/// The loader reads a batch of series chips file by file (`RasterDataset.readSeriesBatch`); every chip must come out
/// exactly as read on its own (`SeriesDataset.sample(bounds:)`, date by date): pixels, padding and dates. On the
/// compositing fixture's four dated layers (layer 1 covers columns 0–3 only, so chips right of it meet 3 dates and
/// are padded differently from those left of it, and a chip across its edge is mosaicked with nodata).
@Suite struct SeriesBatchReadTests {
    @Test func fileByFileBatchEqualsChipByChip() throws {
        let (_, dir, ds) = try SeriesLoaderTests.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x0 = 500_000.0, y1 = 4_000_060.0
        func chip(_ col: Int, _ row: Int) -> BoundingBox {
            BoundingBox(minX: x0 + Double(col) * 10, minY: y1 - Double(row + 3) * 10,
                        maxX: x0 + Double(col + 3) * 10, maxY: y1 - Double(row) * 10)
        }
        // Left of layer 1's edge, right of it, across it, overlapping each other, one repeated.
        let chips = [chip(0, 0), chip(4, 3), chip(2, 1), chip(1, 0), chip(4, 0), chip(0, 0)]
        for maxDates in [2, 5] {
            let series = try SeriesDataset(ds, maxDates: maxDates)
            for workers in [0, 1] {
                let loader = try GeoDataLoader(dataset: series, sampler: FixedChips(boxes: chips), batchSize: 6,
                                               workers: workers)
                let b = try #require(try loader.epoch(0).next())
                let info = try #require(b.series)
                for (k, c) in chips.enumerated() {
                    let alone = try series.sample(bounds: c).image!
                    let inBatch = try b.image!.select(dim: 0, index: k)
                    let a = try alone.doubles(), m = try inBatch.doubles()
                    #expect(a.count == m.count && zip(a, m).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                            "chip \(k), max_dates \(maxDates), workers \(workers)")
                    let one = try series.series(bounds: c)
                    #expect(info.dates[k].map { $0?.start } == one.dates.map { $0?.start } + Array(
                        repeating: nil, count: maxDates - one.dates.count), "dates of chip \(k)")
                }
                // Chips right of layer 1 meet 3 dates, the others 4: with 5 slots the batch mixes two paddings.
                let real = try info.dateMask.to(.int64).sum(dim: 1).toArray(Int64.self)
                #expect(Set(real) == (maxDates == 2 ? [2] : [3, 4]), "\(real)")
            }
        }
    }
}
