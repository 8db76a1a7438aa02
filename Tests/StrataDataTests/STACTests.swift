import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

/// STAC catalogs as RasterDatasets. The catalog over the shared OSCD Paris pair and Taizhou Landsat pair is written
/// at test time by scripts/fixtures/stac_catalog.py (it references the shared files by absolute path); pixels read
/// through it are compared with gdal_translate of the same windows of the files.
@Suite struct STACTests {
    static func utc(_ yyyyMMdd: String) -> Double { TemporalTests.utc(yyyyMMdd) }

    /// Writes the catalog into a fresh temporary folder.
    static func catalog() throws -> URL {
        let dir = try SharedData.tempDir("stac")
        let script = SharedData.repoRoot.appendingPathComponent("scripts/fixtures/stac_catalog.py").path
        let r = try Subprocess.run("/usr/bin/env", ["python3", script, dir.path, SharedData.root.path])
        guard r.status == 0 else { throw Tool.Failed(description: "stac_catalog.py failed: \(r.stderr)") }
        return dir
    }

    @Test(.enabled(if: SharedData.shouldRun)) func catalogReadsBackTheFilesPixelsAsTwoDateSeries() throws {
        let dir = try Self.catalog()
        defer { try? FileManager.default.removeItem(at: dir) }
        let items = try STACCatalog.items(at: dir.appendingPathComponent("catalog.json").path)
        #expect(items.map(\.id) == ["paris_t1", "paris_t2", "taizhou_2000", "taizhou_2003"])
        #expect(items[0].assets["stack13"]?.bands.count == 13 && items[0].assets["B04"]?.bands.first?.commonName == "red")

        // OSCD Paris: the 13-band stacks, a 64 × 48 window at (50, 60).
        let oscd = try RasterDataset(stac: dir.appendingPathComponent("oscd/collection.json").path, assets: ["stack13"])
        #expect(oscd.count == 2 && oscd.crs.epsg == 4326 && oscd.bandNames == Real.oscdBands)
        let t1 = try SharedData.path("oscd/derived/paris_t1_13band_10m.tif")
        let t2 = try SharedData.path("oscd/derived/paris_t2_13band_10m.tif")
        let grid = try Raster(path: t1).grid.subgrid(PixelWindow(x: 50, y: 60, width: 64, height: 48))
        let s = try oscd.series(bounds: grid.bounds, maxDates: 2)
        #expect(s.image.shape == [2, 13, 48, 64])
        #expect(s.dates.map { $0?.start } == [Self.utc("20161130"), Self.utc("20171107")])
        #expect(try s.dateMask.to(.int64).toArray(Int64.self).map { $0 != 0 } == [true, true])
        let got = try s.image.doubles(), half = got.count / 2
        let win = ["-srcwin", "50", "60", "64", "48"]
        #expect(Array(got[..<half]) == (try Tool.raw("gdal_translate", win + [t1], type: "Float32", in: dir)))
        #expect(Array(got[half...]) == (try Tool.raw("gdal_translate", win + [t2], type: "Float32", in: dir)))
        // A time window picks one date.
        var later = grid.bounds
        later.minT = Self.utc("20170101")
        #expect(try oscd.sample(bounds: later).image!.doubles() == Array(got[half...]))

        // Bands by eo:bands common name pick the per-band assets (10 m files on the stack's grid).
        let rn = try RasterDataset(stac: dir.appendingPathComponent("oscd/collection.json").path, assets: ["red", "nir"])
        #expect(rn.bandNames == ["red", "nir"])
        let folder = try SharedData.path("oscd/images/paris/imgs_2")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let b04 = "\(folder)/\(files.first { $0.hasSuffix("_B04.tif") }!)", b08 = "\(folder)/\(files.first { $0.hasSuffix("_B08.tif") }!)"
        var second = grid.bounds
        second.minT = Self.utc("20170101")
        let want = try Tool.raw("gdal_translate", win + [b04], type: "Float32", in: dir)
            + Tool.raw("gdal_translate", win + [b08], type: "Float32", in: dir)
        #expect(try rn.sample(bounds: second).image!.doubles() == want)

        // Taizhou: Landsat 2000 / 2003, red nir swir16 = bands 3 4 5 of each file.
        let tz = try RasterDataset(stac: dir.appendingPathComponent("taizhou/collection.json").path,
                                   assets: ["red", "nir", "swir16"])
        #expect(tz.count == 2 && tz.crs.epsg == 32651 && tz.resolution.x == 30)
        let f2000 = try SharedData.path("landsat-taizhou/derived/taizhou_2000TM.tif")
        let f2003 = try SharedData.path("landsat-taizhou/derived/taizhou_2003TM.tif")
        let g = try Raster(path: f2000).grid.subgrid(PixelWindow(x: 123, y: 45, width: 100, height: 70))
        let ts = try tz.series(bounds: g.bounds, maxDates: 3)
        #expect(ts.image.shape == [3, 3, 70, 100])
        #expect(ts.dates.map { $0?.start } == [Self.utc("20000317"), Self.utc("20030206"), nil])
        let tzWin = ["-srcwin", "123", "45", "100", "70", "-b", "3", "-b", "4", "-b", "5"]
        let tzGot = try ts.image.doubles(), plane = 3 * 70 * 100
        #expect(Array(tzGot[..<plane]) == (try Tool.raw("gdal_translate", tzWin + [f2000], type: "Float32", in: dir)))
        #expect(Array(tzGot[plane..<2 * plane]) == (try Tool.raw("gdal_translate", tzWin + [f2003], type: "Float32", in: dir)))
        #expect(try ts.valid.to(.int64).toArray(Int64.self).map { $0 != 0 }.suffix(70 * 100).allSatisfy { !$0 })
    }

    /// `strata stac index` writes a GeoPackage of the catalog's items; reopened from it, the OSCD and Taizhou
    /// series read the same pixels as through the JSON catalog (itself checked against the files above).
    @Test(.enabled(if: SharedData.shouldRun)) func geoPackageIndexReopensTheCatalog() throws {
        let dir = try Self.catalog()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gpkg = dir.appendingPathComponent("index.gpkg").path
        let r = try StrataBinary.run(["stac", "index", dir.appendingPathComponent("catalog.json").path, "--output", gpkg])
        #expect(r.status == 0, "\(r.output)")
        let viaJSON = try STACCatalog.items(at: dir.appendingPathComponent("catalog.json").path)
        let viaIndex = try STACCatalog.items(at: gpkg)
        #expect(viaIndex.map(\.id) == viaJSON.map(\.id) && viaIndex.map(\.start) == viaJSON.map(\.start))
        #expect(viaIndex.map(\.end) == viaJSON.map(\.end))
        // Footprints in EPSG:4326 make the index a layer GIS tools can query.
        let info = try VectorSource(path: gpkg).info(layer: STACIndex.layer)
        #expect(info.featureCount == 4 && info.crs?.epsg == 4326)
        // Per collection (each selects its own assets): the same pixels through the index as through the JSON.
        let oscdJSON = dir.appendingPathComponent("oscd/collection.json").path
        let oscdIndex = dir.appendingPathComponent("oscd.gpkg").path
        try STACIndex.write(try STACCatalog.items(at: oscdJSON), to: oscdIndex)
        let a = try RasterDataset(stac: oscdJSON, assets: ["stack13"])
        let b = try RasterDataset(stac: oscdIndex, assets: ["stack13"])
        #expect(a.count == 2 && b.count == 2 && a.bandNames == b.bandNames)
        let t1 = try SharedData.path("oscd/derived/paris_t1_13band_10m.tif")
        let g = try Raster(path: t1).grid.subgrid(PixelWindow(x: 50, y: 60, width: 64, height: 48))
        let sa = try a.series(bounds: g.bounds, maxDates: 2), sb = try b.series(bounds: g.bounds, maxDates: 2)
        #expect(try sa.image.doubles() == sb.image.doubles() && sa.dates.map { $0?.start } == sb.dates.map { $0?.start })
        let tzIndex = dir.appendingPathComponent("taizhou.gpkg").path
        try STACIndex.write(try STACCatalog.items(at: dir.appendingPathComponent("taizhou/collection.json").path),
                            to: tzIndex)
        let tz = try RasterDataset(stac: tzIndex, assets: ["red", "nir", "swir16"])
        #expect(tz.count == 2 && tz.crs.epsg == 32651)
        #expect { try STACIndex.items(at: dir.appendingPathComponent("catalog.json").path) } throws: { _ in true }
    }

    /// proj:epsg / proj:transform / proj:shape index an item without opening its file; without them the file is
    /// opened (and a missing one is named).
    @Test func projFieldsIndexWithoutOpeningFiles() throws {
        let dir = try SharedData.tempDir("stac-proj")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, proj: Bool) throws -> String {
            var asset: [String: Any] = ["href": "./missing.tif", "eo:bands": [["name": "B1", "common_name": "red"],
                                                                              ["name": "B2", "common_name": "nir"]]]
            if proj {
                asset["proj:epsg"] = 32631
                asset["proj:transform"] = [10.0, 0.0, 500_000.0, 0.0, -10.0, 4_000_000.0]
                asset["proj:shape"] = [30, 20]
            }
            let item: [String: Any] = ["type": "Feature", "stac_version": "1.1.0", "id": name,
                                       "properties": ["start_datetime": "2020-01-01T00:00:00Z",
                                                      "end_datetime": "2020-01-31T23:59:59Z", "datetime": NSNull()],
                                       "assets": ["data": asset], "links": []]
            let p = dir.appendingPathComponent("\(name).json").path
            try JSONSerialization.data(withJSONObject: item).write(to: URL(fileURLWithPath: p))
            return p
        }
        let ds = try RasterDataset(stac: try write("with-proj", proj: true), assets: ["nir"])
        #expect(ds.bandNames == ["nir"] && ds.crs.epsg == 32631)
        #expect(ds.bounds.minX == 500_000 && ds.bounds.maxX == 500_200 && ds.bounds.minY == 3_999_700 && ds.bounds.maxY == 4_000_000)
        #expect(ds.bounds.minT == Self.utc("20200101") && ds.bounds.maxT == Self.utc("20200131") + 86_399)
        #expect(ds.files == [dir.appendingPathComponent("missing.tif").path])
        #expect(throws: (any Error).self) { try ds.sample(bounds: ds.bounds) }   // only reading opens the file
        #expect { try RasterDataset(stac: try write("no-proj", proj: false), assets: ["nir"]) } throws: {
            "\($0)".contains("missing.tif")
        }
        // STAC 1.1: `bands` with `eo:common_name`, `proj:code`; remote hrefs go through /vsicurl/.
        let v11: [String: Any] = [
            "type": "Feature", "stac_version": "1.1.0", "id": "v11", "properties": ["datetime": "2021-05-06T07:08:09Z"],
            "assets": ["refl": ["href": "https://example.com/a.tif", "proj:code": "EPSG:32632",
                                "proj:transform": [20.0, 0.0, 300_000.0, 0.0, -20.0, 5_000_000.0], "proj:shape": [5, 6],
                                "bands": [["name": "b4", "eo:common_name": "red"], ["name": "b8", "eo:common_name": "nir"]]]],
            "links": []]
        let p11 = dir.appendingPathComponent("v11.json").path
        try JSONSerialization.data(withJSONObject: v11).write(to: URL(fileURLWithPath: p11))
        let item = try #require(try STACCatalog.items(at: p11).first)
        #expect(item.start == 1_620_284_889 && item.end == 1_620_284_889)
        #expect(item.assets["refl"]?.href == "/vsicurl/https://example.com/a.tif")
        let remote = try RasterDataset(stac: p11, assets: ["nir", "red"])
        #expect(remote.bandNames == ["nir", "red"] && remote.crs.epsg == 32632 && remote.resolution.x == 20)
        #expect(remote.bounds.maxX == 300_120 && remote.bounds.minY == 4_999_900)
        #expect { try RasterDataset(stac: try write("with-proj2", proj: true), assets: ["swir16"]) } throws: {
            "\($0)".contains("swir16") && "\($0)".contains("data (red, nir)")
        }
    }
}
