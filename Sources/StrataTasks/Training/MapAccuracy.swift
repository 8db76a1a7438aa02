import Foundation
import StrataGeo
import StrataTensor

/// Accuracy assessment of a class map against reference polygons: the polygons are rasterised onto the map's
/// grid (class from an attribute, matched to the map's class names), and every labelled pixel is compared.
public enum MapAccuracy {
    public struct Result {
        public var confusion: ConfusionMatrix
        public var classNames: [String]
        public var labelledPixels: Int
    }

    /// - Parameters:
    ///   - map: a single-band class map (e.g. `strata predict` output) whose category names name the classes.
    ///   - labels: vector file; `attribute` holds class names (or indices when the map has no category names).
    public static func assess(map path: String, labels: String, attribute: String, layer: String? = nil) throws -> Result {
        let raster = try Raster(path: path)
        let grid = try raster.grid
        var names = raster.bands.first?.categoryNames ?? []
        let vector = try VectorSource(path: labels)
        let features = try vector.features(layer: layer)
        let values = Set(features.compactMap { f -> String? in f.attributes[attribute].map { "\($0)" } })
        guard !values.isEmpty else {
            throw GeoError("map accuracy", path: labels, hint: "no feature has the attribute '\(attribute)'")
        }
        if names.isEmpty { names = (0...(values.compactMap(Int.init).max() ?? 0)).map(String.init) }
        var classMap: [String: Int] = [:]
        for v in values {
            if let i = names.firstIndex(of: v) { classMap[v] = i } else if let i = Int(v), i < names.count { classMap[v] = i } else {
                throw GeoError("map accuracy", path: labels, hint: "class '\(v)' of attribute '\(attribute)' is not among the map's classes (\(names.joined(separator: ", ")))")
            }
        }
        let reference = try vector.rasterize(onto: grid, layer: layer, burn: .classMap(attribute: attribute, classMap),
                                             allTouched: false, fill: 255, dtype: .int64)
        let predicted = try raster.read(window: grid.fullWindow, bands: [1], as: .dtype(.int64))
        var cm = try ConfusionMatrix(numClasses: names.count, ignoreIndex: 255)
        try cm.update(predictions: predicted.flatten(), targets: reference.flatten())
        return Result(confusion: cm, classNames: names, labelledPixels: cm.total)
    }
}
