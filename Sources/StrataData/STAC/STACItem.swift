import Foundation
import StrataGeo

/// One STAC item as Strata reads it: its time, and its assets with the `eo` and `proj` extension fields.
///
/// Read from STAC 1.0 / 1.1 JSON (`STACCatalog.items(at:)`). Relative asset hrefs are resolved against the
/// folder of the item's JSON file; `/vsi…` and absolute paths are kept; `http(s)://` hrefs become `/vsicurl/…`.
public struct STACItem: Sendable {
    public var id: String
    /// The item JSON's path (unique across collections, unlike ids).
    public var source: String
    /// `datetime`, or `start_datetime` / `end_datetime` (seconds since 1970; nil: open).
    public var start: Double?, end: Double?
    public var assets: [String: STACAsset]
}

/// One asset of an item: where its file is, its bands, and (when stated) its grid.
public struct STACAsset: Sendable {
    public var key: String
    /// Path GDAL opens.
    public var href: String
    public var roles: [String]
    /// `eo:bands` (STAC 1.0) or `bands` (STAC 1.1): name and common name per band (empty when not stated).
    public var bands: [(name: String?, commonName: String?)]
    /// `proj:epsg` (or `proj:code` "EPSG:n"), `proj:transform` (affine a b c d e f), `proj:shape` [rows, cols] —
    /// asset-level values override the item's properties.
    public var epsg: Int?
    public var transform: [Double]?
    public var shape: [Int]?
    /// `raster:bands[0].nodata` (or `nodata` in 1.1 bands), when stated.
    public var nodata: Double?

    /// The GDAL geotransform of `proj:transform` (nil when absent or not 6/9 numbers).
    public var geoTransform: GeoTransform? {
        guard let t = transform, t.count == 6 || t.count == 9 else { return nil }
        return GeoTransform([t[2], t[0], t[1], t[5], t[3], t[4]])
    }
}

/// Reading STAC JSON files (catalogs, collections, items, feature collections of items) from local paths.
public enum STACCatalog {
    /// Every item reachable from `path`: an item file itself, or a catalog / collection whose `child` and `item`
    /// links are followed recursively (relative hrefs against each file's folder). Items come in link order.
    /// A GeoPackage written by `STACIndex.write` (`strata stac index`) is read as its items.
    public static func items(at path: String) throws -> [STACItem] {
        if (path as NSString).pathExtension.lowercased() == "gpkg" { return try STACIndex.items(at: path) }
        var out: [STACItem] = []
        var seen = Set<String>()
        try collect(path, into: &out, seen: &seen)
        return out
    }

    static func collect(_ path: String, into out: inout [STACItem], seen: inout Set<String>) throws {
        let p = (path as NSString).standardizingPath
        guard seen.insert(p).inserted else { return }
        let json = try load(p)
        let dir = (p as NSString).deletingLastPathComponent
        switch json["type"] as? String {
        case "Feature":
            out.append(try item(json, source: p))
        case "FeatureCollection":
            for f in json["features"] as? [[String: Any]] ?? [] { out.append(try item(f, source: p)) }
        case "Catalog", "Collection":
            for link in json["links"] as? [[String: Any]] ?? [] {
                guard let rel = link["rel"] as? String, rel == "child" || rel == "item",
                      let href = link["href"] as? String
                else { continue }
                if href.hasPrefix("http://") || href.hasPrefix("https://") {
                    throw DataError("\(p) links to \(href); only local catalogs are read "
                        + "(download the catalog, or point at its items' JSON files)")
                }
                try collect(resolve(href, in: dir), into: &out, seen: &seen)
            }
        default:
            let type = json["type"].map { "\($0)" } ?? "missing"
            throw DataError("\(p) is not a STAC catalog, collection or item (its \"type\" is \(type))")
        }
    }

    static func load(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("STAC file not found: \(path) (check the catalog path and its links)")
        }
        do {
            guard let d = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw DataError("\(path) is not a JSON object")
            }
            return d
        } catch let e as DataError { throw e } catch {
            throw DataError("\(path) is not valid JSON (\(error.localizedDescription))")
        }
    }

    static func resolve(_ href: String, in dir: String) -> String {
        var h = href
        if h.hasPrefix("file://") { h = String(h.dropFirst(7)) }
        if h.hasPrefix("http://") || h.hasPrefix("https://") { return "/vsicurl/" + h }
        if h.hasPrefix("/") { return h }
        return ((dir as NSString).appendingPathComponent(h) as NSString).standardizingPath
    }

    static func item(_ j: [String: Any], source: String) throws -> STACItem {
        let id = j["id"] as? String ?? (source as NSString).lastPathComponent
        let props = j["properties"] as? [String: Any] ?? [:]
        func time(_ k: String) throws -> Double? {
            guard let s = props[k] as? String else { return nil }
            guard let t = AcquisitionTime.parse(s) else {
                throw DataError("item \(id) (\(source)): \(k) \"\(s)\" is not an RFC 3339 date-time")
            }
            return t
        }
        var start = try time("start_datetime"), end = try time("end_datetime")
        if let t = try time("datetime") { start = start ?? t; end = end ?? t }
        let dir = (source as NSString).deletingLastPathComponent
        var assets: [String: STACAsset] = [:]
        for (key, value) in j["assets"] as? [String: Any] ?? [:] {
            guard let a = value as? [String: Any], let href = a["href"] as? String else { continue }
            func field(_ k: String) -> Any? { a[k] ?? props[k] }
            var bands: [(String?, String?)] = []
            let list = (a["eo:bands"] ?? a["bands"]) as? [[String: Any]] ?? []
            for b in list { bands.append((b["name"] as? String, (b["eo:common_name"] ?? b["common_name"]) as? String)) }
            var epsg = (field("proj:epsg") as? NSNumber)?.intValue
            if epsg == nil, let code = field("proj:code") as? String, code.uppercased().hasPrefix("EPSG:") {
                epsg = Int(code.dropFirst(5))
            }
            let nodataList = (a["raster:bands"] ?? a["bands"]) as? [[String: Any]]
            let nodata = nodataList?.first.flatMap { ($0["nodata"] ?? $0["raster:nodata"]) as? NSNumber }?.doubleValue
            assets[key] = STACAsset(key: key, href: resolve(href, in: dir), roles: a["roles"] as? [String] ?? [],
                                    bands: bands, epsg: epsg,
                                    transform: (field("proj:transform") as? [NSNumber])?.map(\.doubleValue),
                                    shape: (field("proj:shape") as? [NSNumber])?.map(\.intValue), nodata: nodata)
        }
        return STACItem(id: id, source: source, start: start, end: end, assets: assets)
    }
}
