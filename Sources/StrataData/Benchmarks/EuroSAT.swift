import Foundation
import StrataGeo
import StrataTensor

/// EuroSAT (Helber et al. 2019): 27,000 Sentinel-2 chips of 64 × 64 pixels in 10 land-use classes, read from the
/// dataset's own published files.
///
/// - `.multispectral`: the 13-band GeoTIFFs (`EuroSATallBands.zip` / `EuroSAT_MS.zip`), UInt16 L1C digital
///   numbers in EuroSAT's band order B01…B12, B8A, UTM-georeferenced (CRS and bounds kept). Accepted layouts:
///   `<root>/<Class>/<Class>_<n>.tif`, the official nested `<root>/ds/images/remote_sensing/otherDatasets/sentinel_2/tif/`,
///   and `<root>/EuroSAT_MS/`.
/// - `.rgb`: the RGB variant (`EuroSAT.zip` → `2750/<Class>/<Class>_<n>.jpg`, or `EuroSAT_RGB/`), read through GDAL;
///   `.jpg`, `.png` and `.tif` chips are accepted. Bands `red`, `green`, `blue` (8-bit display values, not
///   reflectance); not georeferenced.
///
/// Labels are the class folders' positions in `classNames` (alphabetical, as TorchGeo). Splits: the split files
/// `eurosat-{train,val,test}.txt` (TorchGeo's, from arXiv:1911.06721; entries are file names, `.jpg` or `.tif`,
/// matched by name without extension) in `splitDirectory`, else in the root or the image folder; without them, a
/// seeded stratified split.
public final class EuroSAT: ChipDataset {
    public enum Variant: String, Sendable, CaseIterable {
        case multispectral, rgb
    }

    /// The 13 bands of the multispectral GeoTIFFs, in file order.
    public static let allBandNames = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11", "B12", "B8A"]
    /// The bands of the RGB variant.
    public static let rgbBandNames = ["red", "green", "blue"]
    /// The 10 classes in label order.
    public static let classNames = ["AnnualCrop", "Forest", "HerbaceousVegetation", "Highway", "Industrial", "Pasture",
                                    "PermanentCrop", "Residential", "River", "SeaLake"]
    /// TorchGeo's split file names.
    public static let splitFileNames: [DatasetSplit: String] = [.train: "eurosat-train.txt", .val: "eurosat-val.txt",
                                                                .test: "eurosat-test.txt"]
    /// Sub-folders (of the given root) where the class folders may be, per variant.
    static let layouts: [Variant: [String]] = [
        .multispectral: ["", "ds/images/remote_sensing/otherDatasets/sentinel_2/tif", "EuroSAT_MS",
                         "EuroSATallBands/ds/images/remote_sensing/otherDatasets/sentinel_2/tif", "tif"],
        .rgb: ["", "2750", "EuroSAT_RGB", "EuroSAT/2750"],
    ]
    static let extensions: [Variant: Set<String>] = [.multispectral: ["tif", "tiff"], .rgb: ["jpg", "jpeg", "png", "tif", "tiff"]]

    static let downloadHint = """
        Download EuroSAT from https://zenodo.org/records/7711810 (EuroSAT_MS.zip: 13-band GeoTIFFs; EuroSAT_RGB.zip: \
        RGB JPEGs) or https://github.com/phelber/EuroSAT (EuroSATallBands.zip, EuroSAT.zip) and unzip it into the \
        root, so that <root>/<Class>/<Class>_<n>.tif (or the zip's own nested folders) exist; optional split files \
        eurosat-{train,val,test}.txt (TorchGeo's) go next to them
        """

    public let root: String
    /// The folder holding the class folders.
    public let imageFolder: String
    public let variant: Variant
    public let split: DatasetSplit
    public let bandNames: [String]
    /// The 1-based file bands read, in `bandNames` order.
    public let bandIndices: [Int]
    /// Absolute paths of the chips of this split.
    public let files: [String]
    public let classIndices: [Int]
    /// How the split was chosen.
    public let splitSource: String
    public let pixelType: PixelType
    public var classNames: [String] { Self.classNames }
    public var task: TaskKind { .classification }
    public var count: Int { files.count }

    /// - Parameters:
    ///   - root: the dataset folder (see the accepted layouts above).
    ///   - split: which part to use (`.all`: every chip).
    ///   - bands: band names in the order wanted (nil = all); multispectral: `allBandNames`; RGB: `rgbBandNames`.
    ///   - variant: nil = multispectral when its GeoTIFFs are found, else RGB.
    ///   - splitDirectory: where `eurosat-*.txt` are; nil = the root, then the image folder.
    ///   - fractions, seed: the stratified split used when there are no split files.
    ///   - pixelType: `.float32` (default; digital numbers as floats, like TorchGeo), `.native`, or a dtype.
    public init(root: String, split: DatasetSplit = .all, bands: [String]? = nil, variant: Variant? = nil,
                splitDirectory: String? = nil, fractions: SplitFractions = .standard, seed: UInt64 = 0,
                pixelType: PixelType = .float32) throws {
        let rootPath = ChipFiles.absolute(root)
        guard ChipFiles.isDirectory(rootPath) else {
            throw DatasetError(.notFound, "EuroSAT: no folder at \(rootPath). \(Self.downloadHint)")
        }
        let variants = variant.map { [$0] } ?? [.multispectral, .rgb]
        var found: (Variant, String)? = nil
        for v in variants { if let f = Self.locate(rootPath, variant: v) { found = (v, f); break } }
        guard let (v, folder) = found else {
            let what = variant.map { "the \($0.rawValue) variant" } ?? "EuroSAT"
            throw DatasetError(.notFound, "EuroSAT: \(what) not found under \(rootPath) (looked for class folders \(Self.classNames.prefix(3).joined(separator: ", ")), … holding .\(variants.flatMap { Self.extensions[$0]! }.sorted().joined(separator: "/.")) chips). \(Self.downloadHint)")
        }
        let available = v == .multispectral ? Self.allBandNames : Self.rgbBandNames
        let (names, indices) = try ChipFiles.bandIndices(bands, available: available, dataset: "EuroSAT")

        var all: [String] = [], labels: [Int] = []
        for (c, name) in Self.classNames.enumerated() {
            let f = ChipFiles.files(in: (folder as NSString).appendingPathComponent(name), extensions: Self.extensions[v]!)
            all += f
            labels += Array(repeating: c, count: f.count)
        }
        let keys = all.map { p -> (relative: String, stem: String) in
            let stem = ((p as NSString).lastPathComponent as NSString).deletingPathExtension
            let cls = ((p as NSString).deletingLastPathComponent as NSString).lastPathComponent
            return ("\(cls)/\(stem)", stem)
        }
        let (chosen, source) = try SplitSelection.select(split, keys: keys, strata: labels, fileNames: Self.splitFileNames,
                                                         searchIn: rootPath == folder ? [rootPath] : [rootPath, folder],
                                                         explicitDirectory: splitDirectory, fractions: fractions,
                                                         seed: seed, dataset: "EuroSAT")
        self.root = rootPath
        self.imageFolder = folder
        self.variant = v
        self.split = split
        self.bandNames = names
        self.bandIndices = indices
        self.files = chosen.map { all[$0] }
        self.classIndices = chosen.map { labels[$0] }
        self.splitSource = source
        self.pixelType = pixelType
    }

    /// The folder holding EuroSAT's class folders under `root` for `variant`, nil when there is none.
    public static func locate(_ root: String, variant: Variant) -> String? {
        for sub in layouts[variant]! {
            let dir = sub.isEmpty ? root : (root as NSString).appendingPathComponent(sub)
            guard ChipFiles.isDirectory(dir) else { continue }
            let hasChips = classNames.contains { c in
                !ChipFiles.files(in: (dir as NSString).appendingPathComponent(c), extensions: extensions[variant]!).isEmpty
            }
            if hasChips { return dir }
        }
        return nil
    }

    public func label(at index: Int) throws -> ChipLabel { try checkIndex(index); return .single(classIndices[index]) }
    public func id(at index: Int) -> String { index >= 0 && index < count ? files[index] : "#\(index)" }

    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        let path = files[index]
        let r = try ChipFiles.read(path, bands: bandIndices, as: pixelType, dataset: "EuroSAT")
        guard r.image.size(0) == bandIndices.count else {
            throw DatasetError(.badFile, "EuroSAT: chip \(path) read \(r.image.size(0)) bands, expected \(bandIndices.count)")
        }
        return ChipSample(image: r.image, label: .single(classIndices[index]), georeference: r.georeference,
                          bandNames: bandNames, index: index, id: path)
    }
}
