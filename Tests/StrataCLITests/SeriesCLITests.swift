import Foundation
import StrataData
import StrataGeo
import StrataTestSupport
import Testing

/// A temporal model trained end to end on a 2-date OSCD series and mapping the whole scene, as a user runs it.
///
/// Data: OSCD Paris, the shared 13-band 10 m stacks of both dates (`oscd/derived/paris_t{1,2}_13band_10m.tif`),
/// opened through VRTs in a temporary folder that add `ACQUISITIONDATETIME` from the city's `dates.txt` (the files
/// themselves carry no date), so `data.series.dates: metadata` reads the dates. Labels: OSCD's own change map
/// (`train_labels/paris/cm/paris-cm.tif`: 1 = no change, 2 = change; it has no georeferencing, so it is given the
/// stacks' grid, which it matches pixel for pixel) polygonised with gdal_polygonize into a GeoPackage, attribute
/// `change`. Model: `unet-ltae-resnet18` (per-date ResNet-18, L-TAE over the 2 dates). `strata predict` with the
/// two dates as two inputs (time order) writes one map of the scene.
@Suite(.serialized) struct SeriesCLITests {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func tool(_ name: String, _ args: [String]) throws {
        let r = try Subprocess.run("/usr/bin/env", [name] + args)
        guard r.status == 0 else { throw Failure(description: "\(name) failed: \(r.stderr)") }
    }

    @Test(.enabled(if: SharedData.shouldRun)) func temporalModelTrainsOnOSCDSeriesAndMapsTheScene() throws {
        let dir = try SharedData.tempDir("strata-series-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let t1 = try SharedData.path("oscd/derived/paris_t1_13band_10m.tif")
        let t2 = try SharedData.path("oscd/derived/paris_t2_13band_10m.tif")
        let dates = try String(contentsOfFile: try SharedData.path("oscd/images/paris/dates.txt"), encoding: .utf8)
        #expect(dates.contains("20161130") && dates.contains("20171107"))
        let v1 = dir.appendingPathComponent("paris_t1.vrt").path, v2 = dir.appendingPathComponent("paris_t2.vrt").path
        try Self.tool("gdal_translate", ["-q", "-of", "VRT", "-mo", "ACQUISITIONDATETIME=2016-11-30T00:00:00Z", t1, v1])
        try Self.tool("gdal_translate", ["-q", "-of", "VRT", "-mo", "ACQUISITIONDATETIME=2017-11-07T00:00:00Z", t2, v2])
        let scene = try Raster(path: t1)
        let b = try scene.grid.bounds
        let cm = dir.appendingPathComponent("cm.tif").path, gpkg = dir.appendingPathComponent("cm.gpkg").path
        try Self.tool("gdal_translate", ["-q", "-a_srs", "EPSG:4326", "-a_ullr", "\(b.minX)", "\(b.maxY)", "\(b.maxX)",
                                         "\(b.minY)", try SharedData.path("oscd/train_labels/paris/cm/paris-cm.tif"), cm])
        try Self.tool("gdal_polygonize.py", ["-q", cm, "-f", "GPKG", gpkg, "cm", "change"])

        let config = dir.appendingPathComponent("series.yaml")
        try """
        task: segmentation
        data:
          dataset: raster
          images: [\(v2), \(v1)]
          labels: \(gpkg)
          label_attribute: change
          series: {max_dates: 2, dates: metadata}
          chip_size: 64
          sampling: extent
          chips_per_epoch: 16
          val_chips: 8
          batch_size: 4
          workers: 1
        model: {name: unet-ltae-resnet18}
        trainer:
          epochs: 2
          seed: 0
          threads: 2
          optimizer: {name: adamw, lr: 1.0e-3}
        output: \(dir.appendingPathComponent("run").path)
        """.write(to: config, atomically: true, encoding: .utf8)
        let train = try StrataBinary.run(["train", "--config", config.path, "--no-progress"])
        #expect(train.status == 0, "strata train failed:\n\(train.output)")
        let run = dir.appendingPathComponent("run")
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let m = try JSONDecoder().decode([String: Double].self, from: Data(line.utf8))
            #expect(m["train_loss"].map(\.isFinite) == true && m["val_miou"] != nil, "\(m)")
        }
        // The card: 2 dates × 13 bands, date-major, in time order whatever the order of data.images.
        let card = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(card.contains("series"))

        // One map of the whole scene from the two dates.
        let map = dir.appendingPathComponent("map.tif").path
        let predict = try StrataBinary.run(["predict", "--checkpoint", run.appendingPathComponent("best.ckpt").path,
                                            "--input", v1, "--input", v2, "--output", map, "--stac-item",
                                            "--no-progress"])
        #expect(predict.status == 0, "strata predict failed:\n\(predict.output)")
        let out = try Raster(path: map)
        #expect(out.width == scene.width && out.height == scene.height)
        #expect(out.bands.first?.categoryNames == ["1", "2"])
        let px = try out.read(window: PixelWindow(width: out.width, height: out.height)).toArray(UInt8.self)
        #expect(px.allSatisfy { $0 < 2 }, "every pixel of the scene is mapped to one of the two classes")
        // The STAC item beside the map: the series' time span, proj fields; read back as a dataset it gives the map.
        let itemPath = dir.appendingPathComponent("map.json").path
        let item = try #require(try STACCatalog.items(at: itemPath).first)
        #expect(item.start == 1_480_464_000 && item.end == 1_510_012_800)   // 2016-11-30, 2017-11-07
        #expect(item.assets["map"]?.epsg == 4326 && item.assets["map"]?.shape == [out.height, out.width])
        let viaSTAC = try RasterDataset(stac: itemPath, assets: ["map"])
        let read = try viaSTAC.sample(bounds: viaSTAC.bounds).image!.doubles()
        #expect(read == px.map(Double.init))
        // One date only is not a series for this model: a clear error naming the fix.
        let one = try StrataBinary.run(["predict", "--checkpoint", run.appendingPathComponent("best.ckpt").path,
                                        "--input", v1, "--output", dir.appendingPathComponent("one.tif").path,
                                        "--no-progress"])
        #expect(one.status != 0 && one.output.contains("series of 2 dates"), "\(one.output)")
    }
}
