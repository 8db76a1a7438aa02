import Foundation

/// A two-band raster whose bands have different nodata values, written with GDAL's tools (no Strata code): 8 × 8
/// pixels of 10 m in EPSG:32631 with its top-left corner at (500000, 4000080).
///
/// - band 1 ("a"): `100 + 8·row + col`, nodata −9999 at (0, 0) and in the 2 × 2 block at rows 4–5, cols 4–5;
/// - band 2 ("b"): `1000 + 8·row + col`, nodata 0 at (0, 1), (1, 1) and in the block at rows 2–3, cols 6–7.
///
/// Each band is an ESRI ASCII grid turned into a GeoTIFF by `gdal_translate` with its own `-a_nodata`; the two are
/// stacked by `gdalbuildvrt -separate`, which keeps each band's nodata (a GeoTIFF holds one nodata for all bands).
public enum MultiNodataRaster {
    public static let size = 8
    public static let resolution = 10.0
    public static let originX = 500_000.0, originY = 4_000_080.0
    public static let nodata: [Double] = [-9999, 0]

    /// Band `b` (0-based) as a row-major `size × size` array, nodata included.
    public static func values(band b: Int) -> [Double] {
        (0..<size * size).map { i in
            let r = i / size, c = i % size
            if b == 0 { return (r == 0 && c == 0) || ((4...5).contains(r) && (4...5).contains(c)) ? -9999 : Double(100 + i) }
            return ((r <= 1 && c == 1) || ((2...3).contains(r) && (6...7).contains(c))) ? 0 : Double(1000 + i)
        }
    }

    /// The per-band mean of the valid pixels of each 2 × 2 block (GDAL's `average` onto a 20 m grid), or the
    /// band's nodata where the block has none: row-major 4 × 4 per band.
    public static func blockAverages(band b: Int) -> [Double] {
        let v = values(band: b), n = size / 2
        return (0..<n * n).map { k in
            let R = k / n, C = k % n
            let block = [(0, 0), (0, 1), (1, 0), (1, 1)].map { v[(2 * R + $0.0) * size + 2 * C + $0.1] }
            let valid = block.filter { $0 != nodata[b] }
            return valid.isEmpty ? nodata[b] : valid.reduce(0, +) / Double(valid.count)
        }
    }

    /// Writes the raster into `dir`; returns the path of the stacked two-band VRT.
    public static func write(in dir: URL) throws -> String {
        var bands: [String] = []
        for b in 0..<2 {
            let v = values(band: b)
            var text = "ncols \(size)\nnrows \(size)\nxllcorner \(originX)\nyllcorner \(originY - Double(size) * resolution)\n"
            text += "cellsize \(resolution)\nNODATA_value \(Int(nodata[b]))\n"
            for r in 0..<size { text += (0..<size).map { String(Int(v[r * size + $0])) }.joined(separator: " ") + "\n" }
            let asc = dir.appendingPathComponent("band\(b + 1).asc")
            try text.write(to: asc, atomically: true, encoding: .utf8)
            let tif = dir.appendingPathComponent("band\(b + 1).tif").path
            try Subprocess.gdal("gdal_translate", ["-q", "-of", "GTiff", "-ot", "Float32", "-a_srs", "EPSG:32631",
                                                   "-a_nodata", "\(Int(nodata[b]))", asc.path, tif])
            bands.append(tif)
        }
        let vrt = dir.appendingPathComponent("multi-nodata.vrt").path
        try Subprocess.gdal("gdalbuildvrt", ["-q", "-separate", vrt] + bands)
        return vrt
    }
}
