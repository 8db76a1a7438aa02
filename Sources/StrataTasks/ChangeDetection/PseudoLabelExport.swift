import Foundation
import StrataData
import StrataGeo
import StrataTensor

/// `strata pseudo-labels`: per-date land-cover pseudo-labels (`SpectralPseudoLabels`) and their semantic change for a
/// pair of multispectral scenes, written as georeferenced class maps and, cut into tiles, as a semantic-change
/// dataset in the Hi-UCD and SECOND formats (`SCDLabelFormats`) — so ClearSCD and other SCD models can be trained on
/// real imagery when no labelled SCD data is at hand. The labels are a spectral rule, not ground truth: every output
/// says so in its name (`pseudo`) and in `pseudo-labels.json`.
///
/// The second date is read onto the first date's grid (GDAL warper, nearest), so dates in different CRSs,
/// resolutions or extents line up; pixels the second date does not cover are nodata there, hence unlabelled.
public enum PseudoLabelExport {
    public enum Output: String, CaseIterable, Sendable {
        /// `<name>_t1_pseudo.tif`, `<name>_t2_pseudo.tif` (classes), `<name>_change_pseudo.tif` (0/1): COGs on the
        /// first date's grid, colour tables and class names, nodata 255.
        case maps
        /// `hiucd/image/t1/`, `hiucd/image/t2/` (RGB PNG tiles), `hiucd/mask/t1_t2/` (3-channel label PNGs).
        case hiucd
        /// `second/im1/`, `second/im2/` (RGB PNG tiles), `second/label1/`, `second/label2/` (RGB-coded labels).
        case second
    }

    public struct Options: Sendable {
        /// Names for the bands of the inputs (nil: the files' band descriptions, or the 13 Sentinel-2 L1C bands
        /// B01…B8A…B12 when a file has 13 bands and no descriptions).
        public var bandNames: [String]?
        /// Reflectance = value × scale (Sentinel-2 L1C/L2A DN: 1/10 000).
        public var scale: Double = 1e-4
        /// Tile size of the dataset copies; only whole tiles inside the scene are written.
        public var tileSize = 128
        /// Minimum fraction of labelled pixels (both dates) for a tile to be written.
        public var minLabelled = 0.5
        /// The stem of output names (default: the first file's name without extension).
        public var name: String?
        public var outputs: Set<Output> = Set(Output.allCases)
        /// Reflectance shown as 255 in the RGB tiles (a plain true-colour stretch).
        public var rgbMax = 0.3
        public var thresholds = SpectralPseudoLabels.Thresholds()
        public init() {}
    }

    public struct Summary: Codable, Sendable {
        public var name: String
        public var width: Int, height: Int
        /// Fraction of pixels per class, and unlabelled, for each date.
        public var classFractions: [[String: Double]]
        /// Of the pixels labelled on both dates: the fraction that changed class.
        public var changedFraction: Double
        public var labelledFraction: Double
        public var tiles: Int
        public var files: [String]
        public var note: String
    }

    static let s2Bands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]

    /// Classifies both dates, writes the requested outputs under `folder` (created) and returns what was done.
    public static func run(before: String, after: String, to folder: String, options o: Options = .init(),
                           progress: (String) -> Void = { _ in }) throws -> Summary {
        guard o.tileSize >= 16 else { throw DatasetError(.invalidArgument, "pseudo-labels: tile size \(o.tileSize) is below 16 px") }
        let r1 = try Raster(path: before)
        let r2 = try Raster(path: after)
        guard r1.bandCount == r2.bandCount else {
            throw DatasetError(.inconsistent, "pseudo-labels: \(before) has \(r1.bandCount) bands but \(after) has \(r2.bandCount); give two scenes with the same bands")
        }
        let names = try bandNames(r1, o.bandNames)
        let rule = SpectralPseudoLabels(bands: try .init(names: names), thresholds: o.thresholds)
        let grid = try r1.grid
        progress("reading \(before) and \(after) (onto the first date's grid)")
        let x1 = try r1.read(window: grid.fullWindow, as: .float32) * o.scale
        let x2 = try r2.read(onto: grid, resampling: .nearest, as: .float32, fill: 0) * o.scale
        let c1 = try rule.classify(x1), c2 = try rule.classify(x2)
        let change = try SpectralPseudoLabels.change(c1, c2)
        let stem = o.name ?? URL(fileURLWithPath: before).deletingPathExtension().lastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var files: [String] = []

        let classNames = SpectralPseudoLabels.LandClass.allCases.map(\.name)
        let colours = [RGBA(0, 102, 255), RGBA(34, 170, 34), RGBA(196, 160, 100), RGBA(220, 30, 30)]
        if o.outputs.contains(.maps) {
            let maps: [(String, Tensor, [String], [RGBA])] = [
                ("\(stem)_t1_pseudo.tif", c1, classNames, colours),
                ("\(stem)_t2_pseudo.tif", c2, classNames, colours),
                ("\(stem)_change_pseudo.tif", change, ["no change", "change"], [RGBA(240, 240, 240), RGBA(230, 0, 120)]),
            ]
            for (file, map, cats, ct) in maps {
                let path = (folder as NSString).appendingPathComponent(file)
                try RasterWriter.write(try map.to(.uint8).unsqueeze(0), to: path, grid: grid,
                                       options: .init(format: .cog, nodata: 255, colorTable: ct, categoryNames: cats))
                files.append(path)
            }
        }

        let h = grid.height, w = grid.width, t = o.tileSize
        var tiles = 0
        if !o.outputs.isDisjoint(with: [.hiucd, .second]) {
            let rgb1 = try rgbBytes(x1, rule.bands, o.rgbMax), rgb2 = try rgbBytes(x2, rule.bands, o.rgbMax)
            let a1 = try c1.toArray(Int64.self), a2 = try c2.toArray(Int64.self), ch = try change.toArray(Int64.self)
            for row in stride(from: 0, through: h - t, by: t) {
                for col in stride(from: 0, through: w - t, by: t) {
                    func cut<T>(_ a: [T], planes: Int) -> [T] {
                        var out: [T] = []
                        out.reserveCapacity(planes * t * t)
                        for p in 0..<planes {
                            for y in row..<(row + t) {
                                let base = p * h * w + y * w + col
                                out.append(contentsOf: a[base..<(base + t)])
                            }
                        }
                        return out
                    }
                    let l1 = cut(a1, planes: 1), l2 = cut(a2, planes: 1), lc = cut(ch, planes: 1)
                    let labelled = Double(lc.filter { $0 != SpectralPseudoLabels.unlabelled }.count) / Double(t * t)
                    guard labelled >= o.minLabelled else { continue }
                    let tile = "\(stem)_\(row)_\(col).png"
                    let i1 = cut(rgb1, planes: 3), i2 = cut(rgb2, planes: 3)
                    var writes: [(String, [UInt8])] = []
                    if o.outputs.contains(.hiucd) {
                        writes += [("hiucd/image/t1", i1), ("hiucd/image/t2", i2),
                                   ("hiucd/mask/t1_t2", SCDLabelFormats.hiUCDPlanes(before: l1, after: l2, change: lc))]
                    }
                    if o.outputs.contains(.second) {
                        writes += [("second/im1", i1), ("second/im2", i2),
                                   ("second/label1", SCDLabelFormats.secondPlanes(classes: l1, change: lc)),
                                   ("second/label2", SCDLabelFormats.secondPlanes(classes: l2, change: lc))]
                    }
                    for (dir, planes) in writes {
                        let d = (folder as NSString).appendingPathComponent(dir)
                        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
                        try ImageWriter.pngPending(planes: planes, width: t, height: t, bands: 3,
                                                   to: (d as NSString).appendingPathComponent(tile)).commit()
                    }
                    tiles += 1
                }
            }
            progress("\(tiles) tiles of \(t)×\(t) px with ≥ \(Int(o.minLabelled * 100)) % labelled pixels")
        }

        func fractions(_ c: Tensor) throws -> [String: Double] {
            let a = try c.toArray(Int64.self)
            var out: [String: Double] = [:]
            for k in SpectralPseudoLabels.LandClass.allCases {
                out[k.name] = Double(a.filter { $0 == Int64(k.rawValue) }.count) / Double(a.count)
            }
            out["unlabelled"] = Double(a.filter { $0 == SpectralPseudoLabels.unlabelled }.count) / Double(a.count)
            return out
        }
        let chA = try change.toArray(Int64.self)
        let labelledN = chA.filter { $0 != SpectralPseudoLabels.unlabelled }.count
        let summary = Summary(
            name: stem, width: w, height: h, classFractions: [try fractions(c1), try fractions(c2)],
            changedFraction: labelledN == 0 ? 0 : Double(chA.filter { $0 == 1 }.count) / Double(labelledN),
            labelledFraction: Double(labelledN) / Double(chA.count), tiles: tiles, files: files,
            note: "pseudo-labels from spectral-index thresholds (SpectralPseudoLabels), not ground truth; scores of a "
                + "model trained on them measure agreement with this rule")
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try enc.encode(summary),
                             to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("\(stem)_pseudo-labels.json")))
        return summary
    }

    static func bandNames(_ r: Raster, _ given: [String]?) throws -> [String] {
        if let given {
            guard given.count == r.bandCount else {
                throw DatasetError(.invalidArgument, "pseudo-labels: \(given.count) band names for \(r.bandCount) bands of \(r.path)")
            }
            return given
        }
        let described = r.bands.map(\.description)
        if described.allSatisfy({ !$0.isEmpty }) { return described }
        if r.bandCount == 13 { return s2Bands }
        throw DatasetError(.invalidArgument, "pseudo-labels: \(r.path) has \(r.bandCount) bands without names; name them with --bands (e.g. B02,B03,B04,B08,B11)")
    }

    /// Band-sequential RGB bytes (red, green, blue) of reflectance `[C, H, W]`, 0…`max` stretched to 0…255.
    static func rgbBytes(_ x: Tensor, _ b: SpectralPseudoLabels.Bands, _ max: Double) throws -> [UInt8] {
        let idx = try Tensor([b.red, b.green, b.blue])
        let rgb = try x.indexSelect(dim: 0, index: idx)
        let scaled = try (rgb * (255 / max)).clamp(min: 0, max: 255).round().to(.uint8)
        return try scaled.contiguous().toArray(UInt8.self)
    }
}
