import Foundation
import StrataGeo

/// What a prediction produced: per-class pixel counts and areas, the output grid, the settings and the speed.
/// Written as JSON (`summary.json`) and Markdown.
public struct PredictionSummary: Codable, Sendable {
    public struct ClassArea: Codable, Sendable {
        public var index: Int
        public var name: String
        public var color: String
        public var pixels: Int
        public var hectares: Double
        /// Share of the pixels with data.
        public var percent: Double
    }
    public struct Grid: Codable, Sendable {
        public var crs: String
        public var epsg: Int?
        public var width: Int, height: Int
        public var geotransform: [Double]
    }

    public var model: String
    public var kind: String
    public var inputs: [String]
    public var outputs: [String]
    public var grid: Grid
    public var classes: [ClassArea]
    public var nodataPixels: Int
    public var nodataValue: Int
    public var totalHectares: Double
    public var areaMethod: String
    public var areaExplanation: String
    /// Segmentation: chip, overlap, blend; scene classification: window and stride.
    public var settings: [String: String]
    public var seconds: Double
    /// Input megapixels (output grid pixels for segmentation) per second, whole run.
    public var megapixelsPerSecond: Double

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(self)
    }

    public func markdown() -> String {
        var s = "# Prediction summary\n\n"
        s += "- model: `\(model)` (\(kind))\n"
        s += "- inputs: " + inputs.map { "`\($0)`" }.joined(separator: ", ") + "\n"
        s += "- map: \(grid.width) × \(grid.height) pixels, \(grid.epsg.map { "EPSG:\($0)" } ?? grid.crs), geotransform \(grid.geotransform)\n"
        s += "- settings: " + settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        s += String(format: "- time: %.2f s (%.2f MP/s)\n", seconds, megapixelsPerSecond)
        s += "- area method: \(areaMethod) — \(areaExplanation)\n\n"
        s += "| class | name | colour | pixels | hectares | % |\n|---:|---|---|---:|---:|---:|\n"
        for c in classes {
            s += "| \(c.index) | \(c.name) | \(c.color) | \(c.pixels) | \(String(format: "%.2f", c.hectares)) | \(String(format: "%.2f", c.percent)) |\n"
        }
        s += String(format: "| | **total** | | %d | %.2f | 100.00 |\n", classes.reduce(0) { $0 + $1.pixels }, totalHectares)
        s += "\nNodata (value \(nodataValue)): \(nodataPixels) pixels.\n"
        return s
    }
}
