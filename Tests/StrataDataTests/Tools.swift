import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport

/// GDAL's command-line tools as the reference (outputs read back with Foundation only), and small helpers.
enum Tool {
    struct Failed: Error, CustomStringConvertible { let description: String }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        try Subprocess.gdal(tool, args)
    }

    /// gdal_translate/gdalwarp output written as raw band-sequential ENVI and read back as doubles.
    static func raw(_ tool: String, _ args: [String], type: String, in dir: URL) throws -> [Double] {
        let out = dir.appendingPathComponent("oracle-\(UUID().uuidString).bin").path
        try run(tool, ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", "-ot", type] + args + [out])
        let d = try Data(contentsOf: URL(fileURLWithPath: out))
        return d.withUnsafeBytes { b -> [Double] in
            switch type {
            case "Byte": return b.bindMemory(to: UInt8.self).map(Double.init)
            case "UInt16": return b.bindMemory(to: UInt16.self).map(Double.init)
            case "Float32": return b.bindMemory(to: Float.self).map(Double.init)
            default: return Array(b.bindMemory(to: Double.self))
            }
        }
    }

    /// `-te … -ts … -t_srs …` for a grid.
    static func gridArgs(_ g: GeoGrid) -> [String] {
        let b = g.bounds
        return ["-te", "\(b.minX)", "\(b.minY)", "\(b.maxX)", "\(b.maxY)", "-ts", "\(g.width)", "\(g.height)",
                "-t_srs", g.crs.epsg.map { "EPSG:\($0)" } ?? g.crs.wkt]
    }

    /// gdalwarp's `-wo XSCALE= -wo YSCALE=` for warping `src` onto `grid` with the fixed resampling scale Strata's
    /// warped readers use (source pixel size in the grid's units over the grid's pixel size).
    static func scaleArgs(_ src: String, _ grid: GeoGrid) throws -> [String] {
        let r = try WindowReader(path: src).suggestedResolution(in: grid.crs)
        return ["-wo", "XSCALE=\(r.x / grid.resolution.x)", "-wo", "YSCALE=\(r.y / grid.resolution.y)"]
    }

    static func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        var m = 0.0
        for (x, y) in zip(a, b) { m = Swift.max(m, abs(x - y) / Swift.max(abs(y), 1)) }
        return m
    }
}

enum Real {
    static let s2Regex = #"_(?<band>B[0-9A]{2})\.tif$"#
    static let oscdBands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
    static let benBands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]
    static func rgb() throws -> String { try SharedData.path("rasterio/RGB.byte.tif") }
}

/// Small rasters cut from real data with gdal_translate, in a temporary folder.
struct Crops {
    let dir: URL
    init(_ name: String = "crops") throws { dir = try SharedData.tempDir(name) }
    func remove() { try? FileManager.default.removeItem(at: dir) }

    /// `gdal_translate -srcwin x y w h [-b …] src dir/name`, tiled and compressed like real inputs.
    @discardableResult
    func crop(_ src: String, _ name: String, x: Int, y: Int, w: Int, h: Int, bands: [Int] = [],
              extra: [String] = []) throws -> String {
        let out = dir.appendingPathComponent(name).path
        try Tool.run("gdal_translate", ["-q", "-srcwin", "\(x)", "\(y)", "\(w)", "\(h)", "-co", "COMPRESS=DEFLATE"]
                     + bands.flatMap { ["-b", "\($0)"] } + extra + [src, out])
        return out
    }
}
