import Foundation
import StrataGeo
import StrataTensor

/// Any user's chips sorted into one folder per class: `<root>/<class>/*.tif|png|jpg` (TorchVision's ImageFolder
/// layout). Class names are the folder names in sorted order (or those given); bands come from the files (see
/// `bandNames`). GeoTIFF chips keep their CRS and bounds.
///
/// Splits: split files `train.txt`, `val.txt`, `test.txt` in `splitDirectory` (default: the root) listing one chip per
/// line (`<class>/<file>` or just the file name) are used when present; otherwise a seeded stratified split.
public final class ClassFolderDataset: ChipDataset {
    public static let defaultExtensions = ["tif", "tiff", "png", "jpg", "jpeg"]
    /// Split file names this dataset looks for.
    public static let splitFileNames: [DatasetSplit: String] = [.train: "train.txt", .val: "val.txt", .test: "test.txt"]

    public let root: String
    public let split: DatasetSplit
    public let classNames: [String]
    /// Names of the image channels: the files' band descriptions when every band has one, else their colour
    /// interpretation (`red`, `green`, `blue`), else `band1`, `band2`, … (taken from the first chip).
    public let bandNames: [String]
    /// The 1-based file bands read, in `bandNames` order.
    public let bandIndices: [Int]
    /// Absolute paths of the chips of this split.
    public let files: [String]
    /// Class index of each chip.
    public let classIndices: [Int]
    /// How the split was chosen (split file path, or the stratified split's seed and fractions).
    public let splitSource: String
    public let pixelType: PixelType
    /// True when the chips carry a scale or offset (judged from the first chip), applied for `.float32`.
    let applyScale: Bool
    public var task: TaskKind { .classification }
    public var count: Int { files.count }

    /// - Parameters:
    ///   - root: the folder holding one sub-folder per class.
    ///   - split: which part to use (`.all`: every chip).
    ///   - bands: band names to read, in order (nil = all bands of the files).
    ///   - extensions: file extensions counted as chips (case-insensitive).
    ///   - classNames: the classes (folder names) in label order; nil = every sub-folder holding chips, sorted.
    ///   - splitDirectory: where split files are; nil = the root.
    ///   - fractions, seed: the stratified split used when there are no split files.
    ///   - pixelType: `.float32` (default; the files' scale/offset applied when the first chip has one), `.native`,
    ///     or a dtype.
    public init(root: String, split: DatasetSplit = .all, bands: [String]? = nil,
                extensions: [String] = ClassFolderDataset.defaultExtensions, classNames: [String]? = nil,
                splitDirectory: String? = nil, fractions: SplitFractions = .standard, seed: UInt64 = 0,
                pixelType: PixelType = .float32) throws {
        let rootPath = ChipFiles.absolute(root)
        guard ChipFiles.isDirectory(rootPath) else {
            throw DatasetError(.notFound, "ClassFolderDataset: no folder at \(rootPath); put chips in <root>/<class>/<chip>.tif|png|jpg (one sub-folder per class) and pass that root")
        }
        let exts = Set(extensions.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) })
        let classes = classNames ?? ChipFiles.subdirectories(of: rootPath).filter {
            !ChipFiles.files(in: (rootPath as NSString).appendingPathComponent($0), extensions: exts).isEmpty
        }
        guard !classes.isEmpty else {
            throw DatasetError(.notFound, "ClassFolderDataset: \(rootPath) has no class sub-folders holding .\(exts.sorted().joined(separator: "/.")) files; expected <root>/<class>/<chip>")
        }
        var all: [String] = [], labels: [Int] = []
        for (c, name) in classes.enumerated() {
            let dir = (rootPath as NSString).appendingPathComponent(name)
            guard ChipFiles.isDirectory(dir) else {
                throw DatasetError(.notFound, "ClassFolderDataset: class folder \(dir) is missing")
            }
            let f = ChipFiles.files(in: dir, extensions: exts)
            all += f
            labels += Array(repeating: c, count: f.count)
        }
        guard let first = all.first else {
            throw DatasetError(.notFound, "ClassFolderDataset: the class folders under \(rootPath) hold no .\(exts.sorted().joined(separator: "/.")) files")
        }
        let available: [String], scaled: [Bool]
        do {
            let r = try Raster(path: first)
            available = ChipFiles.bandNames(of: r)
            scaled = r.bands.map { $0.scale != 1 || $0.offset != 0 }
        } catch let e as GeoError {
            throw DatasetError(.badFile, "ClassFolderDataset: cannot read chip \(first): \(e)")
        }
        let (names, indices) = try ChipFiles.bandIndices(bands, available: available, dataset: "ClassFolderDataset")

        let keys = all.map { p -> (relative: String, stem: String) in
            let rel = String(p.dropFirst(rootPath.count + 1))
            return (SplitSelection.stripExtension(rel), ((p as NSString).lastPathComponent as NSString).deletingPathExtension)
        }
        let (chosen, source) = try SplitSelection.select(split, keys: keys, strata: labels, fileNames: Self.splitFileNames,
                                                         searchIn: [rootPath], explicitDirectory: splitDirectory,
                                                         fractions: fractions, seed: seed, dataset: "ClassFolderDataset")
        self.root = rootPath
        self.split = split
        self.classNames = classes
        self.bandNames = names
        self.bandIndices = indices
        self.files = chosen.map { all[$0] }
        self.classIndices = chosen.map { labels[$0] }
        self.splitSource = source
        self.pixelType = pixelType
        self.applyScale = pixelType == .float32 && indices.contains { scaled[$0 - 1] }
    }

    public func label(at index: Int) throws -> ChipLabel { try checkIndex(index); return .single(classIndices[index]) }
    public func id(at index: Int) -> String { index >= 0 && index < count ? files[index] : "#\(index)" }

    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        let path = files[index]
        let r = try ChipFiles.read(path, bands: bandIndices, as: pixelType, dataset: "ClassFolderDataset", applyScale: applyScale)
        return ChipSample(image: r.image, label: .single(classIndices[index]), georeference: r.georeference,
                          bandNames: bandNames, index: index, id: path)
    }
}
