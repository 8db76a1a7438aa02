import CGDAL
import Foundation

/// Short, readable summaries of raster and vector files (what `strata info <file>` prints): a compact `gdalinfo`
/// / `ogrinfo -so`.
public enum GeoInfo {
    /// Summarises a raster, a vector file, or both for containers like GeoPackage holding either.
    public static func summary(path: String) throws -> String {
        GDAL.initialize()
        let isVirtual = path.hasPrefix("/vsi") || path.contains(":") && !path.hasPrefix("/")
        if !isVirtual && !FileManager.default.fileExists(atPath: path) {
            throw GeoError("file not found", path: path, hint: "check the path")
        }
        let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        let probe = try GDAL.call("cannot open", path: path,
                                  hint: "pass a raster or vector file GDAL can read (GeoTIFF, VRT, Shapefile, GeoPackage, GeoJSON, …)") {
            GDALOpenEx(path, flags, nil, nil, nil)
        }
        let hasRaster = GDALGetRasterCount(probe) > 0, hasVector = GDALDatasetGetLayerCount(probe) > 0
        GDALClose(probe)
        var parts: [String] = []
        if hasRaster { parts.append(try summary(of: Raster(path: path))) }
        if hasVector { parts.append(try summary(of: VectorSource(path: path))) }
        if parts.isEmpty { throw GeoError("file holds neither raster bands nor vector layers", path: path, hint: "check the file") }
        return parts.joined(separator: "\n")
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.6g", v)
    }
    static func coord(_ v: Double, geographic: Bool) -> String {
        if geographic { return String(format: "%.6f", v) }
        // Int(v) traps on infinities and beyond Int's range (a corrupt geotransform): those print with %g.
        return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: abs(v) < 1e15 ? "%.3f" : "%.6g", v)
    }
    static func box(_ b: BoundingBox, geographic: Bool) -> String {
        "[\([b.minX, b.minY, b.maxX, b.maxY].map { coord($0, geographic: geographic) }.joined(separator: ", "))] (minX, minY, maxX, maxY)"
    }
    static func crsLine(_ crs: CRS?) -> String {
        guard let crs else { return "none" }
        return "\(crs.name)\(crs.epsg.map { " (EPSG:\($0))" } ?? ""), \(crs.units)"
    }
    static func lonLat(_ b: BoundingBox, _ crs: CRS?) -> String? {
        guard let crs, !crs.isGeographic, let ll = try? crs.transform(b, to: .wgs84) else { return nil }
        return box(ll, geographic: true)
    }

    /// A raster's summary: driver, size, CRS, resolution, bounds, structure and one line per band.
    public static func summary(of r: Raster) -> String {
        let geo = r.crs?.isGeographic ?? false
        var lines = ["Raster:      \(r.path)",
                     "Driver:      \(r.driver)",
                     "Size:        \(r.width) × \(r.height) pixels, \(r.bandCount) band\(r.bandCount == 1 ? "" : "s")",
                     "CRS:         \(crsLine(r.crs))"]
        if let gt = r.geoTransform {
            let res = gt.resolution
            lines.append("Resolution:  \(number(res.x)) × \(number(res.y))\(r.crs.map { " \($0.units)" } ?? "")\(gt.isNorthUp ? "" : " (rotated)")")
            lines.append("Bounds:      \(box(r.bounds, geographic: geo))")
            if let ll = lonLat(r.bounds, r.crs) { lines.append("Lon/lat:     \(ll)") }
        } else {
            lines.append("Georeference: none (pixel coordinates only)")
        }
        var structure: [String] = []
        // A file may repeat a key (the first one wins; uniqueKeysWithValues would trap).
        let image = Dictionary(GDAL.strings(GDALGetMetadata(r.handle, "IMAGE_STRUCTURE")).compactMap { item -> (String, String)? in
            guard let eq = item.firstIndex(of: "=") else { return nil }
            return (String(item[..<eq]), String(item[item.index(after: eq)...]))
        }, uniquingKeysWith: { first, _ in first })
        if let b = r.bands.first {
            structure.append(b.blockHeight == 1 || b.blockWidth == r.width && b.blockHeight < r.height ? "strips of \(b.blockHeight) rows"
                             : "blocks \(b.blockWidth)×\(b.blockHeight)")
        }
        if let c = image["COMPRESSION"] { structure.append("compression \(c)") }
        if let l = image["LAYOUT"] { structure.append("layout \(l)") }
        if let i = image["INTERLEAVE"] { structure.append("interleave \(i.lowercased())") }
        lines.append("Structure:   \(structure.joined(separator: ", "))")
        lines.append("Bands:")
        for b in r.bands {
            var s = "  \(String(b.index).padding(toLength: 3, withPad: " ", startingAt: 0))\(b.gdalType.padding(toLength: 8, withPad: " ", startingAt: 0))"
            s += "nodata \(b.nodata.map(number) ?? "none")"
            if !b.description.isEmpty { s += "  \"\(b.description)\"" }
            if b.colorInterpretation != "Undefined" && b.colorInterpretation != "Gray" { s += "  \(b.colorInterpretation.lowercased())" }
            if b.scale != 1 || b.offset != 0 { s += "  scale \(number(b.scale)) offset \(number(b.offset))" }
            if !b.unit.isEmpty { s += "  unit \(b.unit)" }
            if b.overviewCount > 0 { s += "  overviews \(b.overviewCount)" }
            if let ct = b.colorTable { s += "  colour table (\(ct.count) entries)" }
            if !b.categoryNames.isEmpty {
                let shown = b.categoryNames.enumerated().filter { !$0.element.isEmpty }.prefix(8).map { "\($0.offset)=\($0.element)" }
                s += "  classes \(shown.joined(separator: ", "))\(b.categoryNames.count > 8 ? ", …" : "")"
            }
            lines.append(s)
        }
        return lines.joined(separator: "\n")
    }

    /// A vector file's summary: driver and, per layer, geometry type, feature count, CRS, extent and fields.
    public static func summary(of v: VectorSource) throws -> String {
        var lines = ["Vector:      \(v.path)", "Driver:      \(v.driver)"]
        for l in try v.layers {
            lines.append("Layer \"\(l.name)\": \(l.geometryType), \(l.featureCount) feature\(l.featureCount == 1 ? "" : "s")")
            lines.append("  CRS:       \(crsLine(l.crs))")
            if let e = l.extent {
                lines.append("  Extent:    \(box(e, geographic: l.crs?.isGeographic ?? false))")
                if let ll = lonLat(e, l.crs) { lines.append("  Lon/lat:   \(ll)") }
            }
            lines.append("  Fields:    \(l.fields.isEmpty ? "none" : l.fields.map { "\($0.name) (\($0.type))" }.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}
