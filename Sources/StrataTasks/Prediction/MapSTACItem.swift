import Foundation
import StrataData
import StrataGeo
import StrataTensor

/// A STAC 1.0 item describing one predicted class map (`strata predict --stac-item`), written atomically beside it.
///
/// - `properties.datetime` (or `start_datetime`/`end_datetime` for several inputs, e.g. a series): the inputs'
///   acquisition times (`Raster.acquisitionTime`); when no input states one, `datetime` is the prediction time and
///   `strata:datetime_source` says `"prediction"`.
/// - Asset `map`: relative href, `proj:epsg` (or `proj:wkt2` for CRSs without a code), `proj:transform`,
///   `proj:shape`, `raster:bands` (uint8, nodata), `classification:classes` (value → class name); asset
///   `probabilities` when written. `bbox`/`geometry` are the map's footprint in EPSG:4326.
public enum MapSTACItem {
    public static func write(map: String, probabilities: String?, grid: GeoGrid, classNames: [String], nodata: UInt8,
                             inputs: [String], model: String, to path: String) throws {
        var times: [AcquisitionTime] = []
        for p in inputs { if let t = try Raster(path: p).acquisitionTime() { times.append(t) } }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func date(_ t: Double) -> String { iso.string(from: Date(timeIntervalSince1970: t)) }
        var props: [String: Any] = ["strata:model": model, "strata:inputs": inputs]
        if let lo = times.map(\.start).min(), let hi = times.map(\.end).max() {
            if lo == hi { props["datetime"] = date(lo) } else {
                props["datetime"] = NSNull()
                props["start_datetime"] = date(lo)
                props["end_datetime"] = date(hi)
            }
        } else {
            props["datetime"] = date(Date().timeIntervalSince1970)
            props["strata:datetime_source"] = "prediction"
        }
        let wgs84 = try CRS(epsg: 4326)
        let b = grid.bounds
        let ll = grid.crs == wgs84 ? b : try grid.crs.transform(b, to: wgs84)
        let c = grid.transform.coefficients
        func proj(_ j: inout [String: Any]) {
            if let e = grid.crs.epsg { j["proj:epsg"] = e } else { j["proj:wkt2"] = grid.crs.wkt }
            j["proj:transform"] = [c[1], c[2], c[0], c[4], c[5], c[3]]
            j["proj:shape"] = [grid.height, grid.width]
        }
        let dir = (path as NSString).deletingLastPathComponent
        func href(_ p: String) -> String {
            let full = (p as NSString).standardizingPath, base = (dir.isEmpty ? "." : dir as NSString).standardizingPath
            return full.hasPrefix(base + "/") ? "./" + full.dropFirst(base.count + 1) : full
        }
        var mapAsset: [String: Any] = [
            "href": href(map), "type": "image/tiff; application=geotiff; profile=cloud-optimized", "roles": ["data"],
            "title": "class map", "raster:bands": [["data_type": "uint8", "nodata": Int(nodata)]],
            "classification:classes": classNames.enumerated().map { ["value": $0.offset, "name": $0.element] }]
        proj(&mapAsset)
        var assets: [String: Any] = ["map": mapAsset]
        if let probabilities {
            var p: [String: Any] = ["href": href(probabilities), "type": "image/tiff; application=geotiff",
                                    "roles": ["data"], "title": "class probabilities (0–255)",
                                    "raster:bands": classNames.map { _ in ["data_type": "uint8"] }]
            proj(&p)
            assets["probabilities"] = p
        }
        let id = ((map as NSString).lastPathComponent as NSString).deletingPathExtension
        let item: [String: Any] = [
            "type": "Feature", "stac_version": "1.0.0", "id": id,
            "stac_extensions": ["https://stac-extensions.github.io/projection/v1.1.0/schema.json",
                                "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
                                "https://stac-extensions.github.io/classification/v1.1.0/schema.json"],
            "bbox": [ll.minX, ll.minY, ll.maxX, ll.maxY],
            "geometry": ["type": "Polygon", "coordinates": [[[ll.minX, ll.minY], [ll.maxX, ll.minY], [ll.maxX, ll.maxY],
                                                             [ll.minX, ll.maxY], [ll.minX, ll.minY]]]],
            "properties": props, "assets": assets, "links": [Any]()]
        let data = try JSONSerialization.data(withJSONObject: item, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: URL(fileURLWithPath: path))
    }
}
