import Foundation
import StrataGeo
import StrataTensor

extension RasterDataset {
    /// The items of a local STAC catalog, collection or item file (`STACCatalog.items(at:)`) as one dataset: each
    /// item is a scene at its time (`datetime`, or `start_datetime`–`end_datetime`), its selected bands read through
    /// GDAL from the asset files (local paths or `/vsicurl/` hrefs).
    ///
    /// - `assets`: what to read, in channel order. Each entry is an asset key (all bands of that asset; channels
    ///   named after the key, or after its `eo:bands` names when it has several) or a band's `eo:bands` `name` or
    ///   `common_name` (`"red"`, `"nir"`, `"B04"`: that one band of whichever asset lists it). Every item must
    ///   provide every entry.
    /// - Grids come from `proj:epsg` (or `proj:code`), `proj:transform` and `proj:shape` when all three are
    ///   present (asset level first, then item properties) — the files are not opened to index them; otherwise
    ///   the file's header is read. Nodata comes from `raster:bands`, else `nodata:`.
    /// - The other options are `RasterDataset.init(paths:…)`'s.
    public convenience init(stac path: String, assets selection: [String], isImage: Bool = true, crs: CRS? = nil,
                            resolution: Resolution? = nil, origin: (x: Double, y: Double)? = nil,
                            nodata: Double? = nil, dtype: DType? = nil, resampling: Resampling? = nil,
                            merge: MergeMethod = .first, warpErrorThreshold: Double = 0.125) throws {
        guard !selection.isEmpty else {
            throw DataError("assets is empty: name the asset keys or band common names to read "
                + "(e.g. [\"red\", \"nir\"])")
        }
        let items = try STACCatalog.items(at: path)
        guard !items.isEmpty else { throw DataError("\(path) holds no STAC items (check its item/child links)") }
        var infos: [FileInfo] = [], names: [FileNameInfo] = []
        var headers: [String: FileInfo] = [:]
        var crsCache: [Int: CRS] = [:]
        var planeNames: [String]? = nil
        for item in items {
            var itemPlanes: [String] = []
            for sel in selection {
                for (asset, band, name) in try Self.planes(of: item, selecting: sel) {
                    let header: FileInfo
                    if let h = headers[asset.href] { header = h } else {
                        header = try Self.header(of: asset, crsCache: &crsCache)
                        headers[asset.href] = header
                    }
                    guard band <= header.bandCount else {
                        throw DataError("item \(item.id): asset \(asset.key) lists \(asset.bands.count) bands "
                            + "but \(asset.href) has \(header.bandCount); fix the item's eo:bands")
                    }
                    infos.append(header)
                    names.append(FileNameInfo(band: name, sceneKey: "\(item.source)#\(item.id)", minT: item.start,
                                              maxT: item.end, bandIndex: band))
                    itemPlanes.append(name)
                }
            }
            if let p = planeNames, p != itemPlanes {
                throw DataError("item \(item.id) yields channels \(itemPlanes) for \(selection) but earlier items "
                    + "yield \(p); select bands every item has the same way (by common name)")
            }
            planeNames = itemPlanes
        }
        guard Set(planeNames!).count == planeNames!.count else {
            throw DataError("assets \(selection) select a channel twice (\(planeNames!)); name each band once")
        }
        try self.init(infos: infos, names: names, separate: true, bands: planeNames, allBands: planeNames,
                      isImage: isImage, crs: crs, resolution: resolution, origin: origin, nodata: nodata, dtype: dtype,
                      resampling: resampling, merge: merge, warpErrorThreshold: warpErrorThreshold, sourceCRS: nil)
    }

    /// The (asset, 1-based band, channel name) triples one selection entry picks from an item.
    static func planes(of item: STACItem, selecting sel: String) throws -> [(STACAsset, Int, String)] {
        if let a = item.assets[sel] {
            if a.bands.count <= 1 { return [(a, 1, sel)] }
            return a.bands.enumerated().map { (a, $0.offset + 1, $0.element.name ?? "\(sel):\($0.offset + 1)") }
        }
        for key in item.assets.keys.sorted() {
            let a = item.assets[key]!
            if let i = a.bands.firstIndex(where: { $0.commonName == sel || $0.name == sel }) {
                return [(a, i + 1, sel)]
            }
        }
        let known = item.assets.keys.sorted().map { k -> String in
            let b = item.assets[k]!.bands.compactMap { $0.commonName ?? $0.name }
            return b.isEmpty ? k : "\(k) (\(b.joined(separator: ", ")))"
        }
        throw DataError("item \(item.id) has no asset or eo:bands band named \"\(sel)\"; "
            + "it has: \(known.joined(separator: "; "))")
    }

    /// An asset's header from its `proj:*` fields when complete, else from the file.
    static func header(of a: STACAsset, crsCache: inout [Int: CRS]) throws -> FileInfo {
        if let epsg = a.epsg, let t = a.geoTransform, let shape = a.shape, shape.count == 2 {
            let crs: CRS
            if let c = crsCache[epsg] { crs = c } else { crs = try CRS(epsg: epsg); crsCache[epsg] = crs }
            let n = max(1, a.bands.count)
            return FileInfo(path: a.href, width: shape[1], height: shape[0], bandCount: n, transform: t, crs: crs,
                            nodata: Array(repeating: a.nodata, count: n), descriptions: Array(repeating: "", count: n))
        }
        let r = try Raster(path: a.href)
        guard let c = r.crs, let t = r.geoTransform else {
            throw DataError("asset \(a.key) (\(a.href)) has no CRS or geotransform, and the item states no "
                + "proj:epsg/proj:transform/proj:shape")
        }
        return FileInfo(path: a.href, width: r.width, height: r.height, bandCount: r.bandCount, transform: t, crs: c,
                        nodata: r.bands.map { $0.nodata ?? a.nodata }, descriptions: r.bands.map(\.description))
    }
}
