import Foundation

/// The from→to table of a semantic change map: for every pixel predicted as changed, its date-1 class (row) and
/// date-2 class (column), counted in pixels and hectares (each pixel's ground area from the grid: `PixelArea`,
/// planar in a projected CRS). The cells sum to the changed area; the diagonal holds changed pixels whose two
/// semantic predictions agree (the change head and the semantic heads disagree there). Written beside the maps as
/// JSON and Markdown.
public struct ChangeTransitions: Codable, Sendable {
    public var classes: [String]
    /// `pixels[from][to]`, `hectares[from][to]` over the pixels predicted as changed.
    public var pixels: [[Int]]
    public var hectares: [[Double]]
    public var changedPixels: Int
    public var changedHectares: Double
    /// Pixels with data, and their area.
    public var validPixels: Int
    public var validHectares: Double
    public var areaMethod: String
    public var areaExplanation: String
    /// How the from/to maps were written (`ChangeMapOutputs.Convention`).
    public var mapConvention: String

    public init(classes: [String], areaMethod: String, areaExplanation: String, mapConvention: String) {
        let k = classes.count
        self.classes = classes
        pixels = Array(repeating: Array(repeating: 0, count: k), count: k)
        hectares = Array(repeating: Array(repeating: 0, count: k), count: k)
        changedPixels = 0; changedHectares = 0; validPixels = 0; validHectares = 0
        self.areaMethod = areaMethod; self.areaExplanation = areaExplanation; self.mapConvention = mapConvention
    }

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(self)
    }

    public func markdown() -> String {
        let f = { (v: Double) in String(format: "%.2f", v) }
        var s = "# Semantic change: from → to (hectares)\n\n"
        s += "Pixels predicted as changed, by their date-1 class (rows) and date-2 class (columns). "
        s += "Changed: \(f(changedHectares)) ha (\(changedPixels) px) of \(f(validHectares)) ha with data.\n\n"
        s += "| from \\ to | " + classes.joined(separator: " | ") + " | total |\n"
        s += "|---|" + String(repeating: "---:|", count: classes.count + 1) + "\n"
        for (i, name) in classes.enumerated() {
            s += "| \(name) | " + hectares[i].map(f).joined(separator: " | ") + " | \(f(hectares[i].reduce(0, +))) |\n"
        }
        let cols = classes.indices.map { j in classes.indices.reduce(0.0) { $0 + hectares[$1][j] } }
        s += "| **total** | " + cols.map(f).joined(separator: " | ") + " | \(f(changedHectares)) |\n"
        s += "\nMaps: \(mapConvention). Area: \(areaMethod) — \(areaExplanation).\n"
        return s
    }
}
