import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

/// Real multi-date data opened directly (no STAC): every OSCD city's two dates of per-band Sentinel-2 files as a
/// 2-date series, dates from the dataset's metadata (each city's dates.txt, given per file: the old-format product
/// names of imgs_1 carry the processing date, not the acquisition date), pixels checked against the files
/// (gdal_translate); the imgs_2 names (`T22LHH_20171015T133221_B01.tif`) do carry the acquisition date and a file
/// name regex reads it; the Taizhou Landsat pair with years from its file names.
@Suite struct RealSeriesTests {
    @Test(.enabled(if: SharedData.shouldRun)) func oscdPairsAreTwoDateSeriesWithDatesFromMetadata() throws {
        let tmp = try SharedData.tempDir("oscd-series")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let root = try SharedData.path("oscd/images")
        let cities = try FileManager.default.contentsOfDirectory(atPath: root).filter {
            FileManager.default.fileExists(atPath: "\(root)/\($0)/dates.txt")
        }.sorted()
        #expect(cities.count >= 7)
        for city in cities {
            let text = try String(contentsOfFile: "\(root)/\(city)/dates.txt", encoding: .utf8)
            let want = text.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
            var given: [String: TimeSpan] = [:]
            for (k, folder) in ["imgs_1", "imgs_2"].enumerated() {
                let t = TemporalTests.utc(want[k])
                for f in try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(city)/\(folder)") {
                    given["\(root)/\(city)/\(folder)/\(f)"] = TimeSpan(start: t, end: t)
                }
            }
            let ds = try RasterDataset(paths: ["\(root)/\(city)/imgs_1", "\(root)/\(city)/imgs_2"], filenameGlob: "*.tif",
                                       filenameRegex: Real.s2Regex, bands: ["B04", "B08"], resampling: .nearest,
                                       time: .given(given))
            let second = try RasterDataset(paths: ["\(root)/\(city)/imgs_2"], filenameGlob: "*.tif",
                                           filenameRegex: #"_(?<date>\d{8})T\d{6}_(?<band>B[0-9A]{2})\.tif$"#)
            #expect(second.count == 1 && second.index.entries[0].minT == TemporalTests.utc(want[1]), "\(city)")
            #expect(ds.count == 2, "\(city)")
            let b04 = try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(city)/imgs_1")
                .first { $0.hasSuffix("_B04.tif") }!
            let r = try Raster(path: "\(root)/\(city)/imgs_1/\(b04)")
            let grid = try r.grid.subgrid(PixelWindow(x: 10, y: 20, width: 40, height: 30))
            let s = try ds.series(bounds: grid.bounds, maxDates: 2)
            #expect(s.dates.map { $0?.start } == want.map { TemporalTests.utc($0) }, "\(city)")
            #expect(s.image.shape == [2, 2, 30, 40])
            let got = try s.image.select(dim: 0, index: 0).select(dim: 0, index: 0).doubles()
            let oracle = try Tool.raw("gdal_translate", ["-srcwin", "10", "20", "40", "30", "\(root)/\(city)/imgs_1/\(b04)"],
                                      type: "Float32", in: tmp)
            #expect(got == oracle, "\(city): date 1 B04 equals the file")
        }
    }

    @Test(.enabled(if: SharedData.shouldRun)) func taizhouPairIsATwoDateSeriesWithYearsFromFileNames() throws {
        let tmp = try SharedData.tempDir("taizhou-series")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let dir = try SharedData.path("landsat-taizhou/derived")
        let ds = try RasterDataset(paths: [dir], filenameGlob: "*.tif", filenameRegex: #"^taizhou_(?<date>\d{4})TM\.tif$"#,
                                   dateFormat: "yyyy")
        let g = try Raster(path: "\(dir)/taizhou_2003TM.tif").grid.subgrid(PixelWindow(x: 5, y: 7, width: 32, height: 24))
        let s = try ds.series(bounds: g.bounds, maxDates: 2)
        #expect(s.dates.map { $0?.start } == [TemporalTests.utc("20000101"), TemporalTests.utc("20030101")])
        let plane = 6 * 24 * 32
        let got = try s.image.doubles()
        for (k, year) in ["2000", "2003"].enumerated() {
            let want = try Tool.raw("gdal_translate", ["-srcwin", "5", "7", "32", "24", "\(dir)/taizhou_\(year)TM.tif"],
                                    type: "Float32", in: tmp)
            #expect(Array(got[(k * plane)..<((k + 1) * plane)]) == want, "\(year)")
        }
    }
}
