import Foundation
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// Training (a `RasterDataset` sampled as `GeoDataLoader` does) and prediction (the `Predictor`'s chip reader) read
/// the same pixels from a raster whose bands have different nodata (−9999 and 0), resampled onto a 20 m grid: every
/// pixel prediction marks valid has the same values in both, and the pixels it marks invalid are exactly those
/// where training sees a band's own nodata.
@Suite struct TrainPredictPixelsTests {
    @Test func trainingAndPredictionReadIdenticalPixels() throws {
        let dir = try SharedData.tempDir("train-predict-pixels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try MultiNodataRaster.write(in: dir)
        // Another UTM zone than the file's, so both sides reproject with GDAL's warper (a read in the file's own CRS
        // would be a windowed RasterIO read on the training side).
        let crs = try CRS("EPSG:32632"), res = 20.0

        // Training: the dataset the segmentation experiment builds (float32), averaging onto 20 m.
        let dataset = try RasterDataset(paths: [path], crs: crs, resolution: Resolution(x: res, y: res),
                                        dtype: .float32, resampling: .average)
        let b = dataset.bounds
        let w = Int((b.width / res).rounded(.down)), h = Int((b.height / res).rounded(.down))
        #expect(w >= 4 && h >= 4)
        let box = BoundingBox(minX: b.minX, minY: b.maxY - Double(h) * res, maxX: b.minX + Double(w) * res, maxY: b.maxY)
        let image = try #require(try dataset.sample(bounds: box).image)
        #expect(image.shape == [2, h, w])
        let trained = try image.toArray(Float.self)

        // Prediction: the chip reader over the same grid, identity normalisation.
        let grid = try GeoGrid(crs: crs, bounds: box, resolution: res)
        let raster = try Raster(path: path)
        let info = InputInfo(grid: try raster.grid, names: ["a", "b"], nodata: raster.bands.map(\.nodata), bandCount: 2)
        let reader = try ChipReader(inputs: [PredictionInput(path: path)], infos: [info],
                                    sources: [BandSource(input: 0, band: 1), BandSource(input: 0, band: 2)], grid: grid,
                                    scale: [1, 1], offset: [0, 0], resampling: .average)
        let plane = w * h
        var predicted = [Float](repeating: .nan, count: 2 * plane)
        var valid = [UInt8](repeating: 9, count: plane)
        try predicted.withUnsafeMutableBufferPointer { p in
            try valid.withUnsafeMutableBufferPointer { v in
                try reader.read(PixelWindow(width: w, height: h), into: p.baseAddress!, valid: v.baseAddress!)
            }
        }

        var invalid = 0
        for i in 0..<plane {
            let training = (trained[i], trained[plane + i])
            let missing = training.0 == -9999 || training.1 == 0
            #expect((valid[i] == 0) == missing, "pixel \(i): prediction valid \(valid[i]), training \(training)")
            if valid[i] == 0 { invalid += 1; continue }
            #expect(predicted[i] == training.0 && predicted[plane + i] == training.1,
                    "pixel \(i): prediction (\(predicted[i]), \(predicted[plane + i])), training \(training)")
        }
        #expect(invalid < plane, "some pixels hold data in both bands")
    }
}
