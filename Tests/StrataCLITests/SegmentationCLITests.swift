import Foundation
import StrataGeo
import StrataTestSupport
import Testing

/// Segmentation from vector labels, as a user runs it: `strata train` on a raster ∩ label polygons, `strata predict`
/// over the whole scene, `strata evaluate --map` against the polygons.
@Suite(.serialized) struct SegmentationCLITests {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Two small polygons (20 × 20 px of open sea and of shallow turquoise water) over rasterio's RGB.byte.tif
    /// (UTM 18N, 300 m, nodata 0 around the rotated scene), in a GeoJSON in the raster's CRS.
    static func labels(in dir: URL, raster: Raster) throws -> String {
        let g = try #require(raster.geoTransform)
        func square(col: Double, row: Double) -> String {
            let (x0, y0) = g.world(pixel: col, line: row), (x1, y1) = g.world(pixel: col + 20, line: row + 20)
            return "[[[\(x0),\(y0)],[\(x1),\(y0)],[\(x1),\(y1)],[\(x0),\(y1)],[\(x0),\(y0)]]]"
        }
        let text = """
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32618"}},
         "features": [
          {"type": "Feature", "properties": {"cover": "sea"}, "geometry": {"type": "Polygon", "coordinates": \(square(col: 600, row: 400))}},
          {"type": "Feature", "properties": {"cover": "shallow"}, "geometry": {"type": "Polygon", "coordinates": \(square(col: 100, row: 500))}}
         ]}
        """
        let url = dir.appendingPathComponent("labels.geojson")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test(.enabled(if: SharedData.shouldRun)) func trainsFromPolygonsAndMapsTheScene() throws {
        let dir = try SharedData.tempDir("strata-seg-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scene = try SharedData.path("rasterio/RGB.byte.tif")
        let labels = try Self.labels(in: dir, raster: try Raster(path: scene))
        let config = dir.appendingPathComponent("seg.yaml")
        try """
        task: segmentation
        data:
          dataset: raster
          images: [\(scene)]
          labels: \(labels)
          label_attribute: cover
          chip_size: 64
          chips_per_epoch: 48
          val_chips: 16
          batch_size: 8
          workers: 1
          augment: [hflip, vflip]
        model: {name: unet-resnet18}
        trainer:
          epochs: 4
          seed: 0
          threads: 2
          monitor: val_miou
          optimizer: {name: adamw, lr: 1.0e-3}
        output: \(dir.appendingPathComponent("run").path)
        """.write(to: config, atomically: true, encoding: .utf8)

        let train = try StrataBinary.run(["train", "--config", config.path, "--no-progress"])
        #expect(train.status == 0, "strata train failed:\n\(train.output)")
        let run = dir.appendingPathComponent("run")
        let last = try #require(String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").last)
        let metrics = try JSONDecoder().decode([String: Double].self, from: Data(last.utf8))
        for key in ["val_miou", "val_oa", "val_kappa", "train_loss"] { #expect(metrics[key] != nil, "metrics.jsonl has \(key)") }
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("report.html").path))

        let map = dir.appendingPathComponent("map.tif").path
        let predict = try StrataBinary.run(["predict", "--checkpoint", run.appendingPathComponent("best.ckpt").path,
                                            "--input", scene, "--output", map, "--input-nodata", "0", "--no-progress"])
        #expect(predict.status == 0, "strata predict failed:\n\(predict.output)")
        let out = try Raster(path: map)
        #expect(out.bands.first?.categoryNames == ["sea", "shallow"])
        // The fill around the rotated scene (0 in every band) is nodata in the map; the scene's pixels are classes.
        let px = try out.read(window: PixelWindow(width: out.width, height: out.height)).toArray(UInt8.self)
        #expect(px[0] == 255 && px[out.width - 1] == 255, "corners outside the scene are nodata")
        #expect(px[360 * out.width + 400] < 2, "the scene's centre is mapped")

        // The map agrees with the polygons it was trained on (two spectrally distinct kinds of water).
        let json = dir.appendingPathComponent("accuracy.json").path
        let evaluate = try StrataBinary.run(["evaluate", "--map", map, "--labels", labels, "--attribute", "cover", "--json", json])
        #expect(evaluate.status == 0, "strata evaluate failed:\n\(evaluate.output)")
        let acc = try JSONDecoder().decode([String: Double].self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect((acc["oa"] ?? 0) >= 0.9, "map OA on the polygons: \(acc)")
        #expect((acc["miou"] ?? 0) >= 0.8, "map mIoU on the polygons: \(acc)")
    }
}
