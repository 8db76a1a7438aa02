import CGDAL

/// Class names stored in a band's own metadata, so they travel with the GeoTIFF: one item per named class,
/// `CLASS_<pixel value>=<name>` in the band's default domain. GDAL's GTiff and COG drivers keep band metadata in
/// the file (the `GDAL_METADATA` TIFF tag) and the colour table in the TIFF's `ColorMap` (Byte bands), but category
/// names only in the `.aux.xml` sidecar, which QGIS reads for its attribute table and which is lost when the `.tif`
/// is copied alone. `RasterWriter` writes both; `Raster` reads the sidecar's names and falls back to these items.
///
/// ```
/// $ gdalinfo map.tif
///   Metadata:
///     CLASS_0=water
///     CLASS_1=forest
/// ```
public enum ClassMetadata {
    public static let keyPrefix = "CLASS_"

    /// `CLASS_<i>=<name>` for every non-empty name.
    public static func items(_ names: [String]) -> [(key: String, value: String)] {
        names.enumerated().filter { !$0.element.isEmpty }.map { ("\(keyPrefix)\($0.offset)", $0.element) }
    }

    /// Names indexed by pixel value from `KEY=VALUE` metadata items (empty strings for values without a name);
    /// items other than `CLASS_<non-negative integer>` are ignored.
    public static func names(fromItems items: [String]) -> [String] {
        var byIndex: [Int: String] = [:]
        for item in items {
            guard item.hasPrefix(keyPrefix), let eq = item.firstIndex(of: "=") else { continue }
            guard let i = Int(item[item.index(item.startIndex, offsetBy: keyPrefix.count)..<eq]), i >= 0, i < 65_536
            else { continue }
            byIndex[i] = String(item[item.index(after: eq)...])
        }
        guard let last = byIndex.keys.max() else { return [] }
        return (0...last).map { byIndex[$0] ?? "" }
    }

    /// Sets the items of `names` on `band`.
    static func write(_ names: [String], to band: GDALRasterBandH) {
        for (k, v) in items(names) { GDALSetMetadataItem(band, k, v, nil) }
    }

    /// The names stored on `band` (empty when none).
    static func read(_ band: GDALRasterBandH) -> [String] {
        names(fromItems: GDAL.strings(GDALGetMetadata(band, nil)))
    }
}
