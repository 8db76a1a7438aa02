import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

/// Time on RasterDataset: acquisition times from file names, GDAL metadata or given per file; time windows on
/// queries and samplers; per-pixel compositing against NumPy (scripts/fixtures/compositing.py); series samples.
@Suite struct TemporalTests {
    struct Fixture: Decodable {
        let shape: [Int]
        let nodata: Double
        let cloud_values: [Double]
        let dates: [String], names: [String]
        let cover_cols: [Int]
        let x: [Double], valid: [Int]
        let latest: [Double], earliest: [Double], first_valid: [Double], median: [Double]
    }

    static func fixture() throws -> Fixture {
        let url = SharedData.fixtures("StrataDataTests").appendingPathComponent("compositing.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func utc(_ yyyyMMdd: String) -> Double {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC"); f.dateFormat = "yyyyMMdd"
        return f.date(from: yyyyMMdd)!.timeIntervalSince1970
    }

    /// Writes the fixture's layers as GeoTIFFs `<name>_<date>.tif` (EPSG:32631, 10 m) into `dir`.
    static func writeLayers(_ f: Fixture, in dir: URL) throws {
        let (t, c, h, w) = (f.shape[0], f.shape[1], f.shape[2], f.shape[3])
        let all = try Tensor(f.x, shape: [t, c, h, w]).to(.float32)
        for k in 0..<t {
            let cols = f.cover_cols[k]
            let layer = try all.select(dim: 0, index: k).slice(dim: 2, start: 0, end: cols).contiguous()
            let grid = GeoGrid(crs: try CRS(epsg: 32631),
                               transform: GeoTransform(originX: 500_000, originY: 4_000_060, resX: 10, resY: 10),
                               width: cols, height: h)
            try RasterWriter.write(layer, to: dir.appendingPathComponent("\(f.names[k])_\(f.dates[k]).tif").path,
                                   grid: grid, options: WriteOptions(format: .geoTIFF, nodata: f.nodata, overviews: .none))
        }
    }

    static func dataset(_ dir: URL) throws -> RasterDataset {
        try RasterDataset(paths: [dir.path], filenameGlob: "*.tif", filenameRegex: #"^[a-d]_(?<date>\d{8})\.tif$"#,
                          allBands: ["B1", "B2", "B3", "QA"])
    }

    @Test func compositingEqualsNumPy() throws {
        let f = try Self.fixture()
        let dir = try SharedData.tempDir("composite")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeLayers(f, in: dir)
        let ds = try Self.dataset(dir)
        #expect(ds.count == 4)
        let q = BoundingBox(minX: 500_000, minY: 4_000_000, maxX: 500_070, maxY: 4_000_060)
        let mask = CloudMask(band: "QA", values: f.cloud_values)
        let cases: [(RasterDataset.Compositing, [Double])] = [(.latest, f.latest), (.earliest, f.earliest),
                                                               (.firstValid, f.first_valid), (.median, f.median)]
        for (method, want) in cases {
            let s = try ds.composite(bounds: q, method: method, cloudMask: mask)
            #expect(s.image?.shape == [4, 6, 7] && s.image?.dtype == .float32)
            let got = try s.image!.doubles()
            // Integers below 2^24 and half-integers (median) are exact in float32.
            #expect(got == want, "\(method)")
        }
        // Without the cloud mask, clouded pixels count: latest differs where the latest date was clouded.
        let plain = try ds.composite(bounds: q, method: .latest).image!.doubles()
        #expect(plain != f.latest)
        // Earliest and first-valid really differ (path order ≠ date order).
        #expect(f.earliest != f.first_valid)
    }

    @Test func compositeRuleOnTensorsMatchesNumPy() throws {
        let f = try Self.fixture()
        let s = f.shape
        let x = try Tensor(f.x, shape: s)
        let v = try Tensor(f.valid.map { $0 != 0 }, shape: [s[0], s[2], s[3]])
        #expect(try TemporalComposite.composite(x, valid: v, rule: .last, fill: f.nodata).doubles() == f.latest)
        #expect(try TemporalComposite.composite(x, valid: v, rule: .first, fill: f.nodata).doubles() == f.earliest)
        let med = try TemporalComposite.composite(x, valid: v, rule: .median, fill: f.nodata).doubles()
        #expect(Tool.maxRelativeError(med, f.median) < 1e-12)
    }

    @Test func seriesIsDateOrderedPaddedAndTimeWindowed() throws {
        let f = try Self.fixture()
        let dir = try SharedData.tempDir("series")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeLayers(f, in: dir)
        let ds = try Self.dataset(dir)
        let q = BoundingBox(minX: 500_000, minY: 4_000_000, maxX: 500_070, maxY: 4_000_060)
        let s = try ds.series(bounds: q, maxDates: 6, cloudMask: CloudMask(band: "QA", values: f.cloud_values))
        #expect(s.image.shape == [6, 4, 6, 7] && s.valid.shape == [6, 6, 7])
        #expect(s.dates.map { $0?.start } == f.dates.map { Self.utc($0) } + [nil, nil])
        #expect(try s.dateMask.to(.int64).toArray(Int64.self).map { $0 != 0 } == [true, true, true, true, false, false])
        let plane = 4 * 6 * 7
        let img = try s.image.doubles()
        // Layers 0, 2, 3 are the fixture's arrays; layer 1 (4 columns on disk) reads nodata beyond its file.
        #expect(Array(img[0..<4 * plane]) == f.x)
        #expect(Array(img[(4 * plane)...]).allSatisfy { $0 == f.nodata })
        let valid = try s.valid.to(.int64).toArray(Int64.self).map { $0 != 0 }
        let real = Array(valid[0..<(4 * 42)]), pad = Array(valid[(4 * 42)...])
        #expect(real == f.valid.map { $0 != 0 } && !pad.contains(true))
        // A time window: March–June only.
        var w = q
        w.minT = Self.utc("20200301"); w.maxT = Self.utc("20200630")
        let mid = try ds.series(bounds: w, maxDates: 2)
        #expect(mid.dates.map { $0?.start } == [Self.utc(f.dates[1]), Self.utc(f.dates[2])])
        #expect(mid.omittedDates == 0 && s.omittedDates == 0)
        let firstTwo = try ds.series(bounds: q, maxDates: 2)
        #expect(firstTwo.omittedDates == 2 && firstTwo.dates.map { $0?.start } == [Self.utc(f.dates[0]), Self.utc(f.dates[1])])
        #expect(try mid.image.doubles() == Array(f.x[plane..<3 * plane]))
        #expect(throws: DataError.self) { try ds.series(bounds: q, maxDates: 0) }
        // Samplers honour the window too: their chips meet only the files dated inside it (sorted paths a, b, c, d
        // hold layers 1, 3, 0, 2, so entries 0 and 3).
        let sampler = try GridGeoSampler(ds, size: 3, timeRange: TimeSpan(start: w.minT, end: w.maxT))
        let met = Set(sampler.chips(epoch: 0).flatMap { ds.index.query($0) })
        #expect(met == [0, 3])
    }

    /// Intersection intersects the operands' time intervals (an undated operand spans all time), union keeps each
    /// entry's; a time window on a query then selects among them.
    @Test func intersectionAndUnionKeepTime() throws {
        let f = try Self.fixture()
        let dir = try SharedData.tempDir("combined-time")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeLayers(f, in: dir)
        let dated = try Self.dataset(dir)
        let undatedDir = dir.appendingPathComponent("mask")
        try FileManager.default.createDirectory(at: undatedDir, withIntermediateDirectories: true)
        let grid = GeoGrid(crs: try CRS(epsg: 32631),
                           transform: GeoTransform(originX: 500_000, originY: 4_000_060, resX: 10, resY: 10), width: 7, height: 6)
        try RasterWriter.write(try Tensor.ones([1, 6, 7]), to: undatedDir.appendingPathComponent("m.tif").path, grid: grid,
                               options: WriteOptions(format: .geoTIFF, overviews: .none))
        let mask = try RasterDataset(paths: [undatedDir.path], isImage: false)
        let inter = try IntersectionDataset(dated, mask)
        let dates = dated.index.entries.map(\.minT)
        #expect(inter.index.entries.map(\.minT) == dates && inter.index.entries.map(\.maxT) == dates)
        let plainDir = dir.appendingPathComponent("plain")
        try FileManager.default.createDirectory(at: plainDir, withIntermediateDirectories: true)
        try RasterWriter.write(try Tensor.ones([4, 6, 7]), to: plainDir.appendingPathComponent("p.tif").path, grid: grid,
                               options: WriteOptions(format: .geoTIFF, overviews: .none))
        let union = try UnionDataset(dated, try RasterDataset(paths: [plainDir.path], allBands: ["B1", "B2", "B3", "QA"]))
        #expect(union.index.entries.map(\.minT) == dates + [nil])
        // March–June: entries 0 (a, 2020-03-10) and 3 (d, 2020-06-15); in the union also the undated file.
        let w = (Self.utc("20200301"), Self.utc("20200630"))
        #expect(inter.index.query(timeFrom: w.0, to: w.1) == [0, 3])
        #expect(union.index.query(timeFrom: w.0, to: w.1) == [0, 3, 4])
        // Two dated operands whose dates never meet do not intersect.
        let one = try RasterDataset(paths: [dir.appendingPathComponent("c_20200105.tif").path], filenameRegex: #"_(?<date>\d{8})\.tif$"#)
        let other = try RasterDataset(paths: [dir.appendingPathComponent("d_20200615.tif").path], filenameRegex: #"_(?<date>\d{8})\.tif$"#)
        #expect(throws: DataError.self) { try IntersectionDataset(one, other) }
        // A chip of the intersection at one date reads that date's layer.
        var q = grid.bounds
        q.minT = Self.utc("20200615"); q.maxT = q.minT
        let s = try inter.sample(bounds: q)
        let plane = 4 * 42
        #expect(try s.image!.doubles() == Array(f.x[(2 * plane)..<(3 * plane)]))
    }

    @Test func acquisitionTimeFromGDALMetadataAndGiven() throws {
        let dir = try SharedData.tempDir("metatime")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grid = GeoGrid(crs: try CRS(epsg: 32631),
                           transform: GeoTransform(originX: 500_000, originY: 4_000_040, resX: 10, resY: 10), width: 4, height: 4)
        let base = dir.appendingPathComponent("base.tif").path
        try RasterWriter.write(try Tensor.ones([1, 4, 4]), to: base, grid: grid, options: WriteOptions(format: .geoTIFF, overviews: .none))
        let tiff = dir.appendingPathComponent("tifftag.tif").path
        let acq = dir.appendingPathComponent("acq.tif").path
        let none = dir.appendingPathComponent("none.tif").path
        try Tool.run("gdal_translate", ["-q", "-mo", "TIFFTAG_DATETIME=2019:07:04 10:20:30", base, tiff])
        try Tool.run("gdal_translate", ["-q", "-mo", "ACQUISITIONDATETIME=2021-06-01T10:30:00.250Z", base, acq])
        try Tool.run("gdal_translate", ["-q", base, none])
        try FileManager.default.removeItem(atPath: base)
        #expect(try Raster(path: tiff).acquisitionTime() == AcquisitionTime(instant: 1_562_235_630))
        #expect(try Raster(path: acq).acquisitionTime() == AcquisitionTime(instant: 1_622_543_400.25))
        #expect(try Raster(path: none).acquisitionTime() == nil)

        let ds = try RasterDataset(paths: [dir.path], filenameGlob: "*.tif", time: .metadata)
        // files sorted: acq, none, tifftag
        #expect(ds.index.entries.map(\.minT) == [1_622_543_400.25, nil, 1_562_235_630])
        // A 2019 window meets the 2019 file and the undated one (it spans all time).
        #expect(ds.index.query(timeFrom: Self.utc("20190101"), to: Self.utc("20191231")) == [1, 2])
        // Without a time source the same files are undated (existing behaviour).
        #expect(try RasterDataset(paths: [dir.path], filenameGlob: "*.tif").index.entries.allSatisfy { $0.minT == nil })
        // Given explicitly, by file name.
        let given = try RasterDataset(paths: [dir.path], filenameGlob: "*.tif",
                                      time: .given(["none.tif": TimeSpan(start: 10, end: 20)]))
        #expect(given.index.entries.map(\.minT) == [nil, 10, nil] && given.index.entries.map(\.maxT) == [nil, 20, nil])
        #expect(throws: DataError.self) {
            try RasterDataset(paths: [dir.path], filenameGlob: "*.tif", time: .given(["none.tif": TimeSpan(start: 20, end: 10)]))
        }
        // A bad date in metadata names the key.
        let bad = dir.appendingPathComponent("bad.tif").path
        try Tool.run("gdal_translate", ["-q", "-mo", "ACQUISITIONDATETIME=yesterday", none, bad])
        #expect { try Raster(path: bad).acquisitionTime() } throws: { "\($0)".contains("ACQUISITIONDATETIME") }
    }

    @Test func parsesCommonDateForms() {
        #expect(AcquisitionTime.parse("2018-08-03") == 1_533_254_400)
        #expect(AcquisitionTime.parse("20180803") == 1_533_254_400)
        #expect(AcquisitionTime.parse("2018:08:03 00:00:10") == 1_533_254_410)
        #expect(AcquisitionTime.parse("2018-08-03T02:00:00+02:00") == 1_533_254_400)
        #expect(AcquisitionTime.parse("2018-08-03T00:00:00.123456789Z").map { abs($0 - 1_533_254_400.123456) < 1e-3 } == true)
        #expect(AcquisitionTime.parse("August 3rd") == nil)
    }
}
