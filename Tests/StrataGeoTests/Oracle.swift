import Foundation
import StrataTensor
import StrataTestSupport
@testable import StrataGeo

/// Runs GDAL's command-line tools (installed by scripts/setup) as the reference, writing raw ENVI output whose bytes
/// are read back with Foundation only — the oracle never goes through StrataGeo's reader.
enum Oracle {
    struct ToolFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a GDAL tool and returns its stdout; throws with stderr when it fails.
    @discardableResult
    static func run(_ tool: String, _ args: [String], pam: Bool = false) throws -> String {
        try Subprocess.gdal(tool, args, pam: pam)
    }

    /// Element types of raw ENVI files.
    enum Raw { case uint8, uint16, int16, int32, float32, float64 }

    /// Reads a raw band-sequential file (ENVI .bin/.img written by `-of ENVI`) as doubles.
    static func readRaw(_ path: String, _ type: Raw) throws -> [Double] {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        return d.withUnsafeBytes { b -> [Double] in
            switch type {
            case .uint8: return b.bindMemory(to: UInt8.self).map(Double.init)
            case .uint16: return b.bindMemory(to: UInt16.self).map(Double.init)
            case .int16: return b.bindMemory(to: Int16.self).map(Double.init)
            case .int32: return b.bindMemory(to: Int32.self).map(Double.init)
            case .float32: return b.bindMemory(to: Float.self).map(Double.init)
            case .float64: return Array(b.bindMemory(to: Double.self))
            }
        }
    }

    /// `-te xmin ymin xmax ymax -ts w h -t_srs <wkt>` arguments for a grid.
    static func gridArgs(_ g: GeoGrid) -> [String] {
        let b = g.bounds
        return ["-te", "\(b.minX)", "\(b.minY)", "\(b.maxX)", "\(b.maxY)", "-ts", "\(g.width)", "\(g.height)",
                "-t_srs", g.crs.epsg.map { "EPSG:\($0)" } ?? g.crs.wkt]
    }

    /// Largest |a − b| / max(|b|, 1) over two equal-length arrays (∞ when lengths differ).
    static func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        var m = 0.0
        for (x, y) in zip(a, b) { m = Swift.max(m, abs(x - y) / Swift.max(abs(y), 1)) }
        return m
    }

    /// Count of positions where the arrays differ.
    static func mismatches(_ a: [Double], _ b: [Double]) -> Int {
        guard a.count == b.count else { return Int.max }
        return zip(a, b).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }
}

/// Paths into ../shared/data used by several suites.
enum RealData {
    static func rgb() throws -> String { try SharedData.path("rasterio/RGB.byte.tif") }
    static func box() throws -> String { try SharedData.path("rasterio/box.shp") }
    static let oscdBands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
    static let benBands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]

    /// The per-band OSCD files of one city and date, in `oscdBands` order.
    static func oscd(_ city: String = "paris", date: Int = 1) throws -> [String] {
        let dir = try SharedData.path("oscd/images/\(city)/imgs_\(date)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        return try oscdBands.map { b in
            guard let f = files.first(where: { $0.hasSuffix("_\(b).tif") }) else {
                throw Oracle.ToolFailed(description: "no *_\(b).tif in \(dir)")
            }
            return "\(dir)/\(f)"
        }
    }

    /// The per-band BigEarthNet files of one patch, in `benBands` order.
    static func bigEarthNet(_ patch: String = "S2A_MSIL2A_20170613T101031_87_48") throws -> [String] {
        try benBands.map { try SharedData.path("bigearthnet/BigEarthNet-S2-Example/\(patch)/\(patch)_\($0).tif") }
    }
}
