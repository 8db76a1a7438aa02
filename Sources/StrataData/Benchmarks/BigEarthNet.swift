import Foundation
import StrataGeo
import StrataTensor

/// BigEarthNet v1 Sentinel-2 (Sumbul et al. 2019): 590,326 patches of 1.2 × 1.2 km with multi-label CORINE land-cover
/// labels, read from the dataset's own published files.
///
/// Layout: one folder per patch, `<root>/<patch>/<patch>_B01.tif … _B12.tif, _B8A.tif` (single-band UInt16 L2A
/// GeoTIFFs at their native 10 m (120 px), 20 m (60 px) or 60 m (20 px)) and `<patch>_labels_metadata.json`
/// (`"labels"`: CORINE class names). The root may also be the folder holding `BigEarthNet-v1.0/` (the archive's own
/// folder).
///
/// Every band is read onto the patch's 10 m 120 × 120 grid with GDAL's RasterIO resampling (`.bilinear` by
/// default): the same call rasterio makes for TorchGeo's `read(out_shape=(120, 120), out_dtype='int32',
/// resampling=Resampling.bilinear)`, so values equal TorchGeo's (integers, as float32). Bands come out in
/// TorchGeo's order B01, B02, B03, B04, B05, B06, B07, B08, B8A, B09, B11, B12 (or the order asked for). Each chip
/// keeps its UTM CRS and bounds.
///
/// Labels: `.classes19` (default; the official 43 → 19 mapping, classes without a counterpart dropped) or
/// `.classes43`, as multi-hot vectors. Splits: the official split CSVs (`bigearthnet-{train,val,test}.csv` as TorchGeo
/// names them, or `{train,val,test}.csv` from the BigEarthNet models repositories; first column = S2 patch name) in
/// `splitDirectory`, else in the root or the patch folder; patches listed but absent are skipped (counted in
/// `missingFromSplit`). Without split files: a seeded stratified split (by each patch's rarest class).
public final class BigEarthNet: ChipDataset {
    public enum Nomenclature: Int, Sendable, CaseIterable {
        case classes19 = 19, classes43 = 43
    }

    /// The 12 Sentinel-2 bands, in TorchGeo's order.
    public static let allBandNames = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]
    /// Side of the 10 m grid every band is read onto.
    public static let imageSize = 120
    static let splitFileSets: [[DatasetSplit: String]] = [
        [.train: "bigearthnet-train.csv", .val: "bigearthnet-val.csv", .test: "bigearthnet-test.csv"],
        [.train: "train.csv", .val: "val.csv", .test: "test.csv"],
    ]
    static let layouts = ["", "BigEarthNet-v1.0", "BigEarthNet-S2-v1.0", "BigEarthNet-S2"]

    static let downloadHint = """
        Download BigEarthNet-S2 v1.0 (BigEarthNet-S2-v1.0.tar.gz, 66 GB) from https://zenodo.org/records/12687186 \
        (or https://bigearth.net) and extract it into the root, so that <root>/BigEarthNet-v1.0/<patch>/ (or \
        <root>/<patch>/) exist; the official split CSVs (train.csv, val.csv, test.csv) are in \
        https://git.tu-berlin.de/rsim/BigEarthNet-S2_19-classes_models (splits/) — put them in the root
        """

    public let root: String
    /// The folder holding the patch folders.
    public let patchFolder: String
    public let split: DatasetSplit
    public let nomenclature: Nomenclature
    public let bandNames: [String]
    public let resampling: Resampling
    /// Patch names of this split, in order.
    public let patches: [String]
    /// Patches named by the split file but not found on disk (0 without split files).
    public let missingFromSplit: Int
    /// How the split was chosen.
    public let splitSource: String
    let cachedLabels: [ChipLabel]?
    public var classNames: [String] { nomenclature == .classes19 ? BigEarthNetLabels.names19 : BigEarthNetLabels.names43 }
    public var task: TaskKind { .multilabel }
    public var count: Int { patches.count }

    /// - Parameters:
    ///   - root: the dataset folder (see the layout above).
    ///   - split: which part to use (`.all`: every patch found).
    ///   - classes: 19- or 43-class labels.
    ///   - bands: band names in the order wanted (nil = all 12).
    ///   - resampling: the kernel for the 20 m and 60 m bands (`.bilinear` as TorchGeo; `.nearest` keeps raw values).
    ///   - splitDirectory: where the split CSVs are; nil = the root, then the patch folder.
    ///   - fractions, seed: the stratified split used when there are no split files.
    public init(root: String, split: DatasetSplit = .all, classes: Nomenclature = .classes19, bands: [String]? = nil,
                resampling: Resampling = .bilinear, splitDirectory: String? = nil,
                fractions: SplitFractions = .standard, seed: UInt64 = 0) throws {
        let rootPath = ChipFiles.absolute(root)
        guard ChipFiles.isDirectory(rootPath) else {
            throw DatasetError(.notFound, "BigEarthNet: no folder at \(rootPath). \(Self.downloadHint)")
        }
        guard let folder = Self.locate(rootPath) else {
            throw DatasetError(.notFound, "BigEarthNet: no patch folders (<patch>/<patch>_labels_metadata.json) under \(rootPath). \(Self.downloadHint)")
        }
        guard resampling.isRasterIOKernel else {
            throw DatasetError(.invalidArgument, "BigEarthNet: resampling \(resampling.rawValue) is not available; use nearest, bilinear, cubic, cubicspline, lanczos or average")
        }
        let (names, _) = try ChipFiles.bandIndices(bands, available: Self.allBandNames, dataset: "BigEarthNet")
        self.root = rootPath
        self.patchFolder = folder
        self.split = split
        self.nomenclature = classes
        self.bandNames = names
        self.resampling = resampling

        // Official split file?
        if split != .all {
            let dirs = splitDirectory.map { [ChipFiles.absolute($0)] } ?? (folder == rootPath ? [rootPath] : [rootPath, folder])
            for dir in dirs {
                for set in Self.splitFileSets {
                    let present = set.filter { ChipFiles.isFile((dir as NSString).appendingPathComponent($0.value)) }
                    if present.isEmpty { continue }
                    guard let name = present[split] else {
                        throw DatasetError(.notFound, "BigEarthNet: \(dir) has split files \(present.values.sorted().joined(separator: ", ")) but no \(set[split]!); add it, or remove the split files to use a seeded stratified split")
                    }
                    let path = (dir as NSString).appendingPathComponent(name)
                    let listed = try Self.readSplitFile(path)
                    let found = listed.filter { ChipFiles.isFile(Self.labelPath(folder, $0)) }
                    guard !found.isEmpty else {
                        throw DatasetError(.inconsistent, "BigEarthNet: none of the \(listed.count) patches in \(path) is in \(folder); check that the split file and the data belong together")
                    }
                    self.patches = found
                    self.missingFromSplit = listed.count - found.count
                    self.splitSource = "split file \(path)"
                    self.cachedLabels = nil
                    return
                }
            }
            if let splitDirectory {
                throw DatasetError(.notFound, "BigEarthNet: no split CSVs (bigearthnet-{train,val,test}.csv or {train,val,test}.csv) in \(splitDirectory)")
            }
        }
        // Every patch; a stratified split needs every label.
        let all = Self.listPatches(folder)
        self.missingFromSplit = 0
        if split == .all {
            self.patches = all
            self.splitSource = "all patches"
            self.cachedLabels = nil
        } else {
            let labels = try all.map { try Self.readLabel(folder, $0, classes) }
            let idx = StratifiedSplit.indices(of: split, strata: StratifiedSplit.strata(of: labels), fractions: fractions, seed: seed)
            self.patches = idx.map { all[$0] }
            self.cachedLabels = idx.map { labels[$0] }
            self.splitSource = "seeded stratified split (seed \(seed), \(fractions))"
        }
    }

    /// The folder holding BigEarthNet patch folders under `root`, nil when there is none.
    public static func locate(_ root: String) -> String? {
        for sub in layouts {
            let dir = sub.isEmpty ? root : (root as NSString).appendingPathComponent(sub)
            guard ChipFiles.isDirectory(dir) else { continue }
            // A few entries suffice: the full listing of 590k folders is only made when needed.
            // (A Sentinel-1 patch folder has a label file too, but no B02.)
            if DirectoryPeek.names(in: dir, limit: 64).contains(where: {
                ChipFiles.isFile(labelPath(dir, $0)) && ChipFiles.isFile("\(dir)/\($0)/\($0)_B02.tif")
            }) { return dir }
        }
        return nil
    }

    static func labelPath(_ folder: String, _ patch: String) -> String {
        "\(folder)/\(patch)/\(patch)_labels_metadata.json"
    }

    /// Every patch folder (one holding its label file), sorted.
    static func listPatches(_ folder: String) -> [String] {
        DirectoryPeek.names(in: folder, limit: .max).filter { ChipFiles.isFile(labelPath(folder, $0)) }.sorted()
    }

    static func readSplitFile(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DatasetError(.badFile, "BigEarthNet: cannot read split file \(path) as UTF-8 text")
        }
        var seen = Set<String>(), out: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let name = String(line.split(separator: ",")[0]).trimmingCharacters(in: .whitespaces)
            if seen.insert(name).inserted { out.append(name) }
        }
        return out
    }

    private struct LabelFile: Decodable { let labels: [String] }

    static func readLabel(_ folder: String, _ patch: String, _ classes: Nomenclature) throws -> ChipLabel {
        let path = labelPath(folder, patch)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.notFound, "BigEarthNet: label file \(path) is missing")
        }
        let names: [String]
        do { names = try JSONDecoder().decode(LabelFile.self, from: data).labels } catch {
            throw DatasetError(.badFile, "BigEarthNet: \(path) is not a BigEarthNet label file (a JSON object with a \"labels\" array of CORINE class names): \(error)")
        }
        var idx: [Int] = []
        for n in names {
            guard let i = BigEarthNetLabels.index43(of: n) else {
                throw DatasetError(.badFile, "BigEarthNet: \(path) has label '\(n)', which is not one of BigEarthNet's 43 CORINE classes")
            }
            idx.append(i)
        }
        return .multiple(classes == .classes19 ? BigEarthNetLabels.to19(idx) : Array(Set(idx)).sorted())
    }

    public func label(at index: Int) throws -> ChipLabel {
        try checkIndex(index)
        if let cachedLabels { return cachedLabels[index] }
        return try Self.readLabel(patchFolder, patches[index], nomenclature)
    }

    public func id(at index: Int) -> String { index >= 0 && index < count ? patches[index] : "#\(index)" }

    /// The file of one band of a patch.
    public func bandPath(patch: String, band: String) -> String { "\(patchFolder)/\(patch)/\(patch)_\(band).tif" }

    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        let patch = patches[index]
        let size = Self.imageSize
        var planes: [Tensor] = []
        var geo: ChipGeoreference? = nil
        for band in bandNames {
            let path = bandPath(patch: patch, band: band)
            do {
                let c = try ChipFile.read(path, bands: [1], as: .int32, outputSize: (size, size), resampling: resampling)
                if let b = geo?.bounds, let o = c.bounds {
                    guard abs(o.minX - b.minX) < 1e-3, abs(o.maxX - b.maxX) < 1e-3, abs(o.minY - b.minY) < 1e-3, abs(o.maxY - b.maxY) < 1e-3 else {
                        throw DatasetError(.badFile, "BigEarthNet: \(path) covers \(o), other bands of patch \(patch) cover \(b)")
                    }
                } else if geo == nil, let o = c.bounds {
                    geo = ChipGeoreference(bounds: o, crsOf: path)
                }
                planes.append(c.image)
            } catch let e as GeoError {
                throw DatasetError(.badFile, "BigEarthNet: cannot read band \(band) of patch \(patch) (\(path)): \(e)")
            }
        }
        let image = try (planes.count == 1 ? planes[0] : Tensor.cat(planes)).to(.float32)
        return ChipSample(image: image, label: try label(at: index), georeference: geo, bandNames: bandNames,
                          index: index, id: patch)
    }
}

extension Resampling {
    /// True for the kernels GDAL's RasterIO offers (those a resampled window read can use).
    var isRasterIOKernel: Bool {
        [.nearest, .bilinear, .cubic, .cubicSpline, .lanczos, .average, .mode, .rms].contains(self)
    }
}
