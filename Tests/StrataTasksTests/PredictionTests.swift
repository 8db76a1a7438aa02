import Foundation
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// Whole-scene prediction on a real Sentinel-2 scene (OSCD Bercy, 13 bands at 10 m, EPSG:4326, 360 × 395).
@Suite struct PredictionTests {
    static let scene = "oscd/derived/bercy_t1_13band_10m.tif"

    /// Mismatches between a map and the single-pass classes, counted only where the single pass's top-2 logit margin
    /// exceeds float noise (a near-tie may go either way after blending's rounding).
    static func mismatches(_ map: [UInt8], _ ref: (classes: [UInt8], margin: [Float])) -> (decided: Int, mismatched: Int) {
        var decided = 0, bad = 0
        for i in map.indices where ref.margin[i] > 1e-4 {
            decided += 1
            if map[i] != ref.classes[i] { bad += 1 }
        }
        return (decided, bad)
    }

    /// The acceptance test: a COG class map whose CRS, geotransform, size, colour table and class names GDAL
    /// reports as the input's, equal to one window over the whole scene everywhere (edges included), plus the
    /// probability COG, quick-look PNG and summary.
    @Test(.enabled(if: SharedData.shouldRun)) func blendedMapOnARealSceneEqualsOneWindowAndOpensInGDAL() throws {
        let path = try SharedData.path(Self.scene)
        let model = try TestModels.pointwise(channels: 13, classes: 5, seed: 7)
        let dir = try SharedData.tempDir("predict-oscd")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("map.tif").path
        let p = Predictor(model: model, options: .init(chip: [128, 128], overlap: 32, batchSize: 3, readers: 2))
        let run = try p.predict(inputs: [PredictionInput(path: path)],
                                outputs: .beside(out, probabilities: true, quicklook: true, summary: true))
        #expect(run.chips == 16 && run.batches == 6 && run.columnBlocks == 1)

        // GDAL's view of the map.
        let input = try GDALTool.info(path), info = try GDALTool.info(out)
        #expect(info["size"] as? [Int] == [360, 395])
        #expect(info["geoTransform"] as? [Double] == input["geoTransform"] as? [Double])
        #expect((info["stac"] as? [String: Any])?["proj:epsg"] as? Int == 4326)
        let md = (info["metadata"] as? [String: Any])?["IMAGE_STRUCTURE"] as? [String: String]
        #expect(md?["LAYOUT"] == "COG" && md?["COMPRESSION"] == "DEFLATE")
        let band = (info["bands"] as! [[String: Any]])[0]
        #expect(band["type"] as? String == "Byte" && band["noDataValue"] as? Double == 255)
        let colors = ClassPalette.colors(for: model.classNames)
        let ct = (band["colorTable"] as? [String: Any])?["entries"] as? [[Int]]
        #expect(ct?.prefix(5).map { $0 } == colors.map { [Int($0.r), Int($0.g), Int($0.b), Int($0.a)] })
        #expect(ct?[255] == [0, 0, 0, 0], "the nodata entry is transparent")
        let text = try GDALTool.run("gdalinfo", [out])
        #expect(text.contains("Categories:") && text.contains("class 4"), "class names for QGIS's legend: \(text)")

        // Equal to the single pass over the whole scene, everywhere.
        let ref = SinglePass.self
        let single = try ref.run(model, path: path)
        let map = try readBytes(out)
        let m = Self.mismatches(map, (single.classes, single.margin))
        #expect(m.mismatched == 0 && m.decided > 142_000, "\(m)")

        // Probabilities: one uint8 band per class, p × 255.
        let probs = try Raster(path: dir.appendingPathComponent("map_probabilities.tif").path)
        #expect(probs.bandCount == 5 && probs.bands[2].description == "p(class 2) × 255")
        let q = try probs.read(window: PixelWindow(width: 360, height: 395)).toArray(UInt8.self)
        var worst = 0
        for i in q.indices { worst = max(worst, abs(Int(q[i]) - Int((single.probs[i] * 255).rounded()))) }
        #expect(worst <= 1)

        // Summary: every pixel counted once; the area equals the scene's in an equal-area projection.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("map.json"))) as! [String: Any]
        let classes = json["classes"] as! [[String: Any]]
        #expect(classes.map { $0["pixels"] as! Int }.reduce(0, +) == 360 * 395)
        #expect(classes.map { $0["pixels"] as! Int } == (0..<5).map { k in single.classes.filter { $0 == k }.count } || m.decided < 360 * 395)
        let grid = try Raster(path: path).grid
        let b = grid.bounds
        let ring = try CRS.wgs84.transform(points: (0..<400).map { i -> (x: Double, y: Double) in
            let t = Double(i % 100) / 100
            switch i / 100 {
            case 0: return (b.minX + t * b.width, b.minY)
            case 1: return (b.maxX, b.minY + t * b.height)
            case 2: return (b.maxX - t * b.width, b.maxY)
            default: return (b.minX, b.maxY - t * b.height)
            }
        }, to: try CRS(epsg: 3035))
        var s = 0.0
        for i in ring.indices { let j = (i + 1) % ring.count; s += ring[i].x * ring[j].y - ring[j].x * ring[i].y }
        let hectares = json["totalHectares"] as! Double
        #expect(abs(hectares - abs(s) / 2 / 10_000) / hectares < 1e-4, "\(hectares) ha")
        #expect(json["areaMethod"] as? String == "ellipsoidal")
        let markdown = try String(contentsOf: dir.appendingPathComponent("map.md"), encoding: .utf8)
        #expect(markdown.contains("| 4 | class 4 |"))

        // Quick-look: the map above a legend whose boxes carry the class colours.
        let png = try GDALTool.info(dir.appendingPathComponent("map.png").path)
        #expect(png["driverShortName"] as? String == "PNG")
        let size = png["size"] as! [Int]
        #expect(size[0] >= 360 && size[1] > 395 + 5 * 20)
        let img = try Raster(path: dir.appendingPathComponent("map.png").path)
        let rgb = try img.read(window: PixelWindow(width: size[0], height: size[1])).toArray(UInt8.self)
        let plane = size[0] * size[1]
        for k in 0..<5 {
            let y = 395 + 8 + 20 * (k + 1) + 7, x = 16, i = y * size[0] + x
            #expect([rgb[i], rgb[plane + i], rgb[2 * plane + i]] == [colors[k].r, colors[k].g, colors[k].b], "legend box \(k)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix(".aux.xml") }.sorted()
        #expect(files == ["map.json", "map.md", "map.png", "map.tif", "map_probabilities.tif"], "no temporary files left: \(files)")
    }

    /// A model with context (conv3×3 → ReLU → conv1×1, zero padding) is exact wherever a pixel sits at least one
    /// pixel inside a chip; the cosine window gives a chip's inner border pixels weight 0, so the blended map equals
    /// the single pass everywhere — no seams, no off-by-one at the scene's edges. Splitting the scene into column
    /// blocks changes nothing, bit for bit.
    @Test(.enabled(if: SharedData.shouldRun)) func contextModelBlendsWithoutSeamsAndColumnBlocksAreExact() throws {
        let path = try SharedData.path(Self.scene)
        let model = try TestModels.conv3(channels: 13, classes: 4, seed: 11)
        let single = try SinglePass.run(model, path: path)
        let grid = try Raster(path: path).grid
        let whole = MemorySink(grid: grid, classes: 4)
        let run = try Predictor(model: model, options: .init(chip: [96, 96], overlap: 24, batchSize: 4))
            .predict(inputs: [PredictionInput(path: path)], sink: whole)
        #expect(run.columnBlocks == 1)
        #expect(whole.written.allSatisfy { $0 == 1 }, "every pixel written exactly once")
        let m = Self.mismatches(whole.map, (single.classes, single.margin))
        #expect(m.mismatched == 0 && m.decided > 142_000, "\(m)")
        var worst: Float = 0
        for i in whole.probabilities.indices { worst = max(worst, abs(whole.probabilities[i] - single.probs[i])) }
        #expect(worst < 1e-5, "probabilities differ by \(worst)")

        let blocks = MemorySink(grid: grid, classes: 4)
        let split = try Predictor(model: model, options: .init(chip: [96, 96], overlap: 24, batchSize: 5, stripBudgetBytes: 40_000))
            .predict(inputs: [PredictionInput(path: path)], sink: blocks)
        #expect(split.columnBlocks == 2)
        #expect(blocks.written.allSatisfy { $0 == 1 })
        #expect(blocks.map == whole.map && blocks.probabilities == whole.probabilities)
    }

    /// With a pointwise model every blend window reproduces the single pass (the weights cancel in the mean).
    @Test(.enabled(if: SharedData.shouldRun), arguments: [BlendWindow.gaussian(sigma: 0.125), .uniform])
    func everyBlendWindowIsAWeightedMean(_ blend: BlendWindow) throws {
        let path = try SharedData.path(Self.scene)
        let model = try TestModels.pointwise(channels: 13, classes: 3, seed: 3)
        let single = try SinglePass.run(model, path: path)
        let sink = MemorySink(grid: try Raster(path: path).grid, classes: 3)
        _ = try Predictor(model: model, options: .init(chip: [100, 120], overlap: 40, batchSize: 8, blend: blend, blendProbabilities: true))
            .predict(inputs: [PredictionInput(path: path)], sink: sink)
        #expect(Self.mismatches(sink.map, (single.classes, single.margin)).mismatched == 0)
        var worst: Float = 0
        for i in sink.probabilities.indices { worst = max(worst, abs(sink.probabilities[i] - single.probs[i])) }
        #expect(worst < 1e-5)
    }

    /// Nodata in → nodata out: pixels that are nodata in any band, and only those, are 255 in the map.
    @Test(.enabled(if: SharedData.shouldRun)) func nodataPixelsBecomeNodataInTheMap() throws {
        let src = try Raster(path: try SharedData.path(Self.scene))
        let grid = try src.grid
        var dn = try src.read(window: grid.fullWindow, as: .float32).floats()
        let (w, h) = (360, 395), plane = w * h
        for y in 40..<90 { for x in 30..<200 { dn[5 * plane + y * w + x] = 0 } }          // one band only
        for y in 300..<395 { for x in 0..<360 { for c in 0..<13 { dn[c * plane + y * w + x] = 0 } } }  // all bands
        let dir = try SharedData.tempDir("predict-nodata")
        defer { try? FileManager.default.removeItem(at: dir) }
        let holed = dir.appendingPathComponent("holed.tif").path
        try RasterWriter.write(try Tensor(dn, shape: [13, h, w]).to(.int16), to: holed, grid: grid,
                               options: .init(format: .geoTIFF, nodata: 0, overviews: .none))
        let model = try TestModels.pointwise(channels: 13, classes: 4, seed: 5)
        let sink = MemorySink(grid: grid, classes: 4)
        _ = try Predictor(model: model, options: .init(chip: [128, 128], overlap: 32)).predict(inputs: [PredictionInput(path: holed)], sink: sink)
        var wrong = 0
        for y in 0..<h {
            for x in 0..<w {
                let hole = (0..<13).contains { dn[$0 * plane + y * w + x] == 0 }
                if hole != (sink.map[y * w + x] == 255) { wrong += 1 }
            }
        }
        #expect(wrong == 0)
        #expect(sink.map.filter { $0 == 255 }.count >= 50 * 170 + 95 * 360)
    }

    /// Inputs in another CRS are aligned on the fly: bands 1–6 on the scene's own grid plus bands 7–13 reprojected to
    /// UTM 31N give the output grid of the first input, and the same map as the stack warped beforehand by gdalwarp.
    /// A `grid` target (3× coarser) reads every input onto it, matching gdalwarp's nearest-neighbour output exactly.
    @Test(.enabled(if: SharedData.shouldRun)) func inputsInOtherCRSsAndGridTargetsAlignOnTheFly() throws {
        let path = try SharedData.path(Self.scene)
        let grid = try Raster(path: path).grid
        let dir = try SharedData.tempDir("predict-align")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.tif").path, b = dir.appendingPathComponent("b_utm.tif").path
        let back = dir.appendingPathComponent("b_back.tif").path
        try GDALTool.run("gdal_translate", ["-q"] + (1...6).flatMap { ["-b", "\($0)"] } + [path, a])
        let b7 = dir.appendingPathComponent("b7.tif").path
        try GDALTool.run("gdal_translate", ["-q"] + (7...13).flatMap { ["-b", "\($0)"] } + [path, b7])
        try GDALTool.run("gdalwarp", ["-q", "-t_srs", "EPSG:32631", "-tr", "10", "10", "-r", "near", b7, b])
        let e = grid.bounds
        try GDALTool.run("gdalwarp", ["-q", "-t_srs", "EPSG:4326", "-te", "\(e.minX)", "\(e.minY)", "\(e.maxX)", "\(e.maxY)",
                                      "-ts", "360", "395", "-r", "near", b, back])
        let model = try TestModels.pointwise(channels: 13, classes: 4, seed: 9)
        let options = PredictionOptions(chip: [128, 128], overlap: 32, resampling: .nearest)
        let p = Predictor(model: model, options: options)
        #expect(try p.outputGrid(for: [PredictionInput(path: a), PredictionInput(path: b)]) == grid)
        let sink = MemorySink(grid: grid, classes: 4)
        _ = try p.predict(inputs: [PredictionInput(path: a), PredictionInput(path: b)], sink: sink)
        // Oracle: the stack pre-warped by gdalwarp, one window.
        let single = try SinglePass.run(model, paths: [a, back])
        var agree = 0, decided = 0
        for i in sink.map.indices where single.margin[i] > 1e-4 && sink.map[i] != 255 {
            decided += 1
            if sink.map[i] == single.classes[i] { agree += 1 }
        }
        #expect(decided > 130_000 && Double(agree) / Double(decided) > 0.99, "\(agree)/\(decided)")

        // A coarser target grid in the same CRS: nearest neighbour picks the same source pixels as gdalwarp.
        let r = grid.resolution
        let target = GeoGrid(crs: grid.crs, transform: GeoTransform(originX: e.minX, originY: e.maxY, resX: 3 * r.x, resY: 3 * r.y),
                             width: 120, height: 131)
        let coarse = MemorySink(grid: target, classes: 4)
        var o2 = options
        o2.grid = target
        _ = try Predictor(model: model, options: o2).predict(inputs: [PredictionInput(path: path)], sink: coarse)
        let warped = dir.appendingPathComponent("coarse.tif").path
        let t = target.bounds
        try GDALTool.run("gdalwarp", ["-q", "-te", "\(t.minX)", "\(t.minY)", "\(t.maxX)", "\(t.maxY)", "-ts", "120", "131",
                                      "-r", "near", "-dstnodata", "None", path, warped])
        let ref = try SinglePass.run(model, path: warped)
        let m = Self.mismatches(coarse.map, (ref.classes, ref.margin))
        #expect(m.mismatched == 0 && m.decided > 15_000, "\(m)")
    }

    /// Scene classification: each 32 × 32 window becomes one 320 m-ish cell of a georeferenced map; cells equal the
    /// model applied to the window read directly; windows mostly outside the scene are nodata.
    @Test(.enabled(if: SharedData.shouldRun)) func sceneClassifierMapsOneCellPerWindow() throws {
        let path = try SharedData.path(Self.scene)
        let model = try TestModels.meanLinear(channels: 13, classes: 6, window: 32, seed: 2)
        let dir = try SharedData.tempDir("predict-scene")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("lcz.tif").path
        let run = try Predictor(model: model, options: .init(batchSize: 16)).predict(
            inputs: [PredictionInput(path: path)], outputs: .beside(out, probabilities: true, summary: true))
        #expect(run.outputGrid.width == 12 && run.outputGrid.height == 13 && run.chips == 156)
        let info = try GDALTool.info(out), input = try GDALTool.info(path)
        let gt = input["geoTransform"] as! [Double]
        #expect(info["size"] as? [Int] == [12, 13])
        let got = info["geoTransform"] as! [Double]
        #expect(got[0] == gt[0] && got[3] == gt[3] && abs(got[1] / (32 * gt[1]) - 1) < 1e-12 && abs(got[5] / (32 * gt[5]) - 1) < 1e-12)
        let map = try readBytes(out)
        let src = try Raster(path: path)
        for r in 0..<13 {
            for c in 0..<12 {
                let cell = map[r * 12 + c]
                if c == 11 || r == 12 {
                    #expect(cell == 255, "edge window (\(r), \(c)) holds under half valid pixels")
                    continue
                }
                let x = try src.read(window: PixelWindow(x: c * 32, y: r * 32, width: 32, height: 32), as: .float32)
                let xn = try (x * 1e-4 - 0.1).unsqueeze(0)
                let k = try model.forward(xn).argmax(dim: 1).itemInt()
                #expect(Int(cell) == k, "cell (\(r), \(c))")
            }
        }
        let probs = try Raster(path: dir.appendingPathComponent("lcz_probabilities.tif").path)
        #expect(probs.bandCount == 6 && probs.width == 12)
    }

    /// A failing model leaves nothing behind; a model with the wrong output shape gets an error naming the shapes.
    @Test(.enabled(if: SharedData.shouldRun)) func failuresLeaveNoFilesAndNameTheProblem() throws {
        let path = try SharedData.path(Self.scene)
        let dir = try SharedData.tempDir("predict-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        var good = try TestModels.pointwise(channels: 13, classes: 3, seed: 1)
        let forward = good.forward
        final class Counter: @unchecked Sendable { var n = 0 }
        let calls = Counter()
        good.forward = { x in
            calls.n += 1
            if calls.n == 3 { throw PredictionError("model exploded") }
            return try forward(x)
        }
        let out = dir.appendingPathComponent("map.tif").path
        #expect(throws: PredictionError.self) {
            try Predictor(model: good, options: .init(chip: [64, 64], overlap: 16, batchSize: 2))
                .predict(inputs: [PredictionInput(path: path)], outputs: .beside(out, probabilities: true, quicklook: true, summary: true))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "no output and no temporary file")

        var bad = try TestModels.pointwise(channels: 13, classes: 3, seed: 1)
        bad.classNames = ["a", "b", "c", "d"]
        do {
            _ = try Predictor(model: bad, options: .init(chip: [64, 64], overlap: 16)).predict(inputs: [PredictionInput(path: path)], outputs: .beside(out))
            Issue.record("expected a shape error")
        } catch let e as PredictionError {
            #expect(e.message.contains("expected [8, 4, 64, 64]"), "\(e)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// A `GeoDataset` (here a `RasterDataset` over the scene, bands named) is an input like the raster itself: same
    /// grid, same map, bands picked by name.
    @Test(.enabled(if: SharedData.shouldRun)) func geoDatasetInputPredictsLikeTheRaster() throws {
        let path = try SharedData.path(Self.scene)
        let oscd = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
        var model = try TestModels.conv3(channels: 3, classes: 3, seed: 8)
        model.bands = ["B8", "B4", "B3"]
        let grid = try Raster(path: path).grid
        let p = Predictor(model: model, options: .init(chip: [128, 128], overlap: 32))
        let fromRaster = MemorySink(grid: grid, classes: 3)
        _ = try p.predict(inputs: [PredictionInput(path: path, bandNames: oscd)], sink: fromRaster)
        let ds = try RasterDataset(paths: [path], allBands: oscd)
        let fromDataset = MemorySink(grid: grid, classes: 3)
        let run = try p.predict(dataset: ds, sink: fromDataset)
        #expect(run.outputGrid.width == 360 && run.outputGrid.height == 395)
        #expect(abs(run.outputGrid.transform.originX - grid.transform.originX) < 1e-12)
        #expect(fromDataset.map == fromRaster.map && fromDataset.probabilities == fromRaster.probabilities)
    }

    /// Bands are picked by name from the model's metadata; unnamed bands that do not match the model's count are
    /// refused with a message saying how to name them.
    @Test(.enabled(if: SharedData.shouldRun)) func bandsArePickedByNameFromTheModelsMetadata() throws {
        let path = try SharedData.path(Self.scene)
        let dir = try SharedData.tempDir("predict-bands")
        defer { try? FileManager.default.removeItem(at: dir) }
        var model = try TestModels.pointwise(channels: 3, classes: 3, seed: 4)
        model.bands = ["B04", "B3", "b2"]
        let oscd = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
        do {
            _ = try Predictor(model: model).predict(inputs: [PredictionInput(path: path)], outputs: .beside(dir.appendingPathComponent("x.tif").path))
            Issue.record("expected a band error")
        } catch let e as PredictionError {
            #expect(e.message.contains("--input-bands"), "\(e)")
        }
        let grid = try Raster(path: path).grid
        let byName = MemorySink(grid: grid, classes: 3)
        _ = try Predictor(model: model, options: .init(chip: [128, 128])).predict(inputs: [PredictionInput(path: path, bandNames: oscd)], sink: byName)
        let rgb = dir.appendingPathComponent("rgb.tif").path
        try GDALTool.run("gdal_translate", ["-q", "-b", "4", "-b", "3", "-b", "2", path, rgb])
        let positional = MemorySink(grid: grid, classes: 3)
        _ = try Predictor(model: model, options: .init(chip: [128, 128])).predict(inputs: [PredictionInput(path: rgb)], sink: positional)
        #expect(byName.map == positional.map && byName.probabilities == positional.probabilities)
    }
}
