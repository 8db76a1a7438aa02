import Foundation
import StrataGeo
import StrataModels
import StrataTensor

/// Zero-shot maps of whole scenes through the whole-scene engine (`Predictor`): the classifier becomes a
/// scene-classification `PredictionModel` over windows of the scene's RGB bands, each window preprocessed as a chip
/// (scaled, resized to the model's size, normalised) and classified; the class map has one cell per window
/// stride and the probabilities are `softmax(exp(logit_scale) · cos)` per window.
///
/// SenCLIP's calibration needs the whole evaluated set before the first prediction, which the streaming engine
/// does not have; scenes are mapped without it.
public enum ZeroShotScene {
    /// The `PredictionModel` of `classifier` reading bands `bands` (R, G, B by name) in windows of `window` pixels.
    public static func predictionModel(_ classifier: ZeroShotClassifier, preprocessing: CLIPPreprocessing,
                                       bands: [String] = CLIPPreprocessing.sentinel2RGB, window: Int,
                                       name: String = "zero-shot CLIP") throws -> PredictionModel {
        guard bands.count == 3 else {
            throw ZeroShotError("zero-shot maps read three bands (R, G, B), got \(bands.count): \(bands)")
        }
        let device = classifier.model.logitScale.device
        return PredictionModel(kind: .classification, classNames: classifier.classes.classNames, channels: 3,
                               bands: bands, inputSize: [window, window], device: device, name: name) { x in
            try classifier.logits(images: preprocessing(x))
        }
    }

    /// The output grid for windows at `resolution` metres: the first input's CRS when it is projected in metres,
    /// else the UTM zone of the input's centre (WGS 84); its extent snapped outwards to whole pixels.
    public static func grid(for path: String, resolution: Double) throws -> GeoGrid {
        guard resolution > 0, resolution.isFinite else {
            throw ZeroShotError("--resolution must be a positive number of metres, got \(resolution)")
        }
        let raster = try Raster(path: path)
        let src = try raster.grid.crs
        let crs: CRS
        if src.isProjected, let m = src.metresPerUnit, abs(m - 1) < 1e-9 {
            crs = src
        } else {
            let b = try src.transform(raster.bounds, to: .wgs84)
            let lon = (b.minX + b.maxX) / 2, lat = (b.minY + b.maxY) / 2
            let zone = min(60, max(1, Int(((lon + 180) / 6).rounded(.down)) + 1))
            crs = try CRS(epsg: (lat >= 0 ? 32600 : 32700) + zone)
        }
        let b = try src.transform(raster.bounds, to: crs)
        let box = BoundingBox(minX: (b.minX / resolution).rounded(.down) * resolution,
                              minY: (b.minY / resolution).rounded(.down) * resolution,
                              maxX: (b.maxX / resolution).rounded(.up) * resolution,
                              maxY: (b.maxY / resolution).rounded(.up) * resolution)
        return try GeoGrid(crs: crs, bounds: box, resolution: resolution)
    }
}
