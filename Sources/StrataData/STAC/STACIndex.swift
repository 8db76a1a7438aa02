import Foundation
import StrataGeo

/// A GeoPackage index of STAC items, for reopening a large catalog without walking its JSON files: one polygon
/// per item (its first gridded asset's footprint, in EPSG:4326), with columns `id`, `source` (the item's JSON
/// path), `start_datetime` / `end_datetime` (seconds since 1970 UTC, null when open) and `item` (the item as
/// STAC JSON with absolute hrefs and its `eo`/`proj`/`raster` fields). `STACCatalog.items(at:)` and
/// `RasterDataset(stac:assets:)` read such a file like a catalog.
public enum STACIndex {
    public static let layer = "stac_items"

    /// Writes the index of `items` to `path` (a `.gpkg`, replaced atomically). Items whose assets state no
    /// `proj:*` grid have their first asset's file header read for the footprint.
    public static func write(_ items: [STACItem], to path: String) throws {
        guard !items.isEmpty else { throw DataError("no STAC items to index") }
        let wgs84 = try CRS(epsg: 4326)
        var features: [VectorWriter.BoxFeature] = []
        var crsCache: [Int: CRS] = [:]
        for item in items {
            guard let key = item.assets.keys.sorted().first else {
                throw DataError("item \(item.id) (\(item.source)) has no assets to index")
            }
            let header = try RasterDataset.header(of: item.assets[key]!, crsCache: &crsCache)
            let box = header.bounds
            let footprint = header.crs == wgs84 ? box : try header.crs.transform(box, to: wgs84)
            let json = try JSONSerialization.data(withJSONObject: item.json(), options: [.sortedKeys])
            features.append(VectorWriter.BoxFeature(box: footprint, attributes: [
                "id": .string(item.id), "source": .string(item.source),
                "start_datetime": item.start.map(AttributeValue.double) ?? .null,
                "end_datetime": item.end.map(AttributeValue.double) ?? .null,
                "item": .string(String(decoding: json, as: UTF8.self))]))
        }
        try VectorWriter.writeBoxes(features, fields: [("id", .string("")), ("source", .string("")),
                                                       ("start_datetime", .double(0)), ("end_datetime", .double(0)),
                                                       ("item", .string(""))],
                                    crs: wgs84, layer: layer, to: path)
    }

    /// The items of an index written by `write(_:to:)`, in its order.
    public static func items(at path: String) throws -> [STACItem] {
        let source = try VectorSource(path: path)
        let features = try source.features(layer: layer)
        return try features.map { f in
            guard case .string(let text)? = f.attributes["item"], case .string(let origin)? = f.attributes["source"],
                  let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw DataError("\(path): feature \(f.fid) of \(layer) lacks its item JSON; rewrite the index with "
                    + "strata stac index")
            }
            var item = try STACCatalog.item(json, source: origin)
            item.start = f.attributes["start_datetime"]?.number
            item.end = f.attributes["end_datetime"]?.number
            return item
        }
    }
}

extension STACItem {
    /// The item as STAC 1.0 JSON (what Strata reads back: times, assets with hrefs, `eo:bands`, `proj:*`,
    /// `raster:bands` nodata). Times are written with millisecond precision.
    public func json() -> [String: Any] {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func iso(_ t: Double?) -> Any { t.map { f.string(from: Date(timeIntervalSince1970: $0)) } ?? NSNull() }
        var props: [String: Any] = [:]
        if let s = start, s == end { props["datetime"] = iso(s) } else {
            props["datetime"] = NSNull()
            props["start_datetime"] = iso(start)
            props["end_datetime"] = iso(end)
        }
        var assets: [String: Any] = [:]
        for (k, a) in self.assets {
            var j: [String: Any] = ["href": a.href, "roles": a.roles]
            if !a.bands.isEmpty {
                j["eo:bands"] = a.bands.map { b -> [String: Any] in
                    var d: [String: Any] = [:]
                    if let n = b.name { d["name"] = n }
                    if let c = b.commonName { d["common_name"] = c }
                    return d
                }
            }
            if let e = a.epsg { j["proj:epsg"] = e }
            if let t = a.transform { j["proj:transform"] = t }
            if let s = a.shape { j["proj:shape"] = s }
            if let n = a.nodata { j["raster:bands"] = [["nodata": n]] }
            assets[k] = j
        }
        return ["type": "Feature", "stac_version": "1.0.0", "id": id, "properties": props, "assets": assets,
                "links": [Any]()]
    }
}
