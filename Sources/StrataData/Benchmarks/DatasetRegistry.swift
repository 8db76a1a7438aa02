import Foundation
import StrataGeo
import StrataTensor

/// A dataset Strata reads: what it is, how it must lie on disk, and where to get it.
public struct DatasetInfo: Sendable, Hashable {
    /// The key used in configs and on the command line (`eurosat`, `so2sat`, …).
    public let name: String
    public let title: String
    public let summary: String
    public let task: TaskKind
    /// Classes (BigEarthNet: 19 by default, 43 on request).
    public let classCount: Int
    /// The bands a sample can carry, in default order (empty: from the files).
    public let bandNames: [String]
    /// Chip side in pixels (nil: from the files).
    public let chipSize: Int?
    /// The expected on-disk layout.
    public let layout: String
    /// Where to download it and where to put it.
    public let download: String
}

/// A dataset found on disk by `Datasets.find(under:)`.
public struct FoundDataset: Sendable, Hashable {
    /// Registry name (`DatasetInfo.name`).
    public let name: String
    /// The folder (or file) to pass as `root`.
    public let path: String
    /// What was seen there (chip count, split files, …).
    public let detail: String
}

/// Options for opening a registered dataset by name (what a config file sets).
public struct DatasetOptions: Sendable {
    public var split: DatasetSplit
    /// Band names in the order wanted (nil: the dataset's default bands).
    public var bands: [String]?
    /// Where split files are (nil: the dataset's default places).
    public var splitDirectory: String?
    /// The stratified split used when there are no split files.
    public var fractions: SplitFractions
    public var seed: UInt64
    /// BigEarthNet: 19 (default) or 43.
    public var classes: Int?
    /// So2Sat: "2" (default), "3_random", "3_block" or "3_culture_10".
    public var version: String?
    /// So2Sat version 3: the validation share of training.h5.
    public var valFraction: Double
    /// BigEarthNet: the kernel bringing 20 m / 60 m bands onto the 10 m grid.
    public var resampling: Resampling
    /// LCZC-GES2: the split pickle (relative to the root; nil: DF4LCZ's `patches_split/partition_random.npz`).
    public var partition: String? = nil
    /// LCZC-GES2: leave out split entries whose patch or graph file is missing instead of failing.
    public var skipMissing = false

    public init(split: DatasetSplit = .all, bands: [String]? = nil, splitDirectory: String? = nil,
                fractions: SplitFractions = .standard, seed: UInt64 = 0, classes: Int? = nil, version: String? = nil,
                valFraction: Double = 0.2, resampling: Resampling = .bilinear) {
        self.split = split; self.bands = bands; self.splitDirectory = splitDirectory; self.fractions = fractions
        self.seed = seed; self.classes = classes; self.version = version; self.valFraction = valFraction
        self.resampling = resampling
    }
}

/// The datasets Strata knows: a registry (`known`), a finder (`find(under:)`) and a factory (`open`).
public enum Datasets {
    public static let known: [DatasetInfo] = [
        DatasetInfo(
            name: "eurosat", title: "EuroSAT (multispectral)",
            summary: "27,000 Sentinel-2 L1C chips, 10 land-use classes, 13 bands, UTM-georeferenced GeoTIFFs",
            task: .classification, classCount: 10, bandNames: EuroSAT.allBandNames, chipSize: 64,
            layout: "<root>/<Class>/<Class>_<n>.tif (or the zip's <root>/ds/images/remote_sensing/otherDatasets/sentinel_2/tif/, or <root>/EuroSAT_MS/); optional eurosat-{train,val,test}.txt",
            download: "https://zenodo.org/records/7711810 (EuroSAT_MS.zip) or https://github.com/phelber/EuroSAT (EuroSATallBands.zip); unzip into <root>"),
        DatasetInfo(
            name: "eurosat-rgb", title: "EuroSAT (RGB)",
            summary: "the same 27,000 chips as 8-bit RGB JPEGs (PNG/TIFF also read), not georeferenced",
            task: .classification, classCount: 10, bandNames: EuroSAT.rgbBandNames, chipSize: 64,
            layout: "<root>/<Class>/<Class>_<n>.jpg (or the zip's <root>/2750/, or <root>/EuroSAT_RGB/); optional eurosat-{train,val,test}.txt",
            download: "https://zenodo.org/records/7711810 (EuroSAT_RGB.zip) or https://github.com/phelber/EuroSAT (EuroSAT.zip); unzip into <root>"),
        DatasetInfo(
            name: "so2sat", title: "So2Sat LCZ42",
            summary: "400,673 co-registered Sentinel-1/2 chips, 17 local climate zones, HDF5",
            task: .classification, classCount: 17, bandNames: So2Sat.allBandNames, chipSize: 32,
            layout: "<root>/training.h5, validation.h5, testing.h5 (version 2) or <root>/{random,block,culture_10}/{training,testing}.h5 (version 3); each with sen1 [N,32,32,8], sen2 [N,32,32,10], label [N,17]",
            download: "https://mediatum.ub.tum.de/1483140 (version 2) or https://mediatum.ub.tum.de/1613658 (version 3); put the .h5 files in <root>"),
        DatasetInfo(
            name: "bigearthnet", title: "BigEarthNet-S2 v1",
            summary: "590,326 Sentinel-2 L2A patches, multi-label CORINE classes (19 or 43), 12 bands at 10/20/60 m read onto 10 m",
            task: .multilabel, classCount: 19, bandNames: BigEarthNet.allBandNames, chipSize: 120,
            layout: "<root>/<patch>/<patch>_B01.tif … _B8A.tif + <patch>_labels_metadata.json (or <root>/BigEarthNet-v1.0/<patch>/); optional split CSVs {train,val,test}.csv or bigearthnet-{train,val,test}.csv",
            download: "https://zenodo.org/records/12687186 (BigEarthNet-S2-v1.0.tar.gz) or https://bigearth.net; extract into <root>. Splits: https://git.tu-berlin.de/rsim/BigEarthNet-S2_19-classes_models (splits/)"),
        DatasetInfo(
            name: "lczc-ges2", title: "LCZC-GES2 (DF4LCZ)",
            summary: "Sentinel-2 32×32×10 patches paired with segment graphs of 320×320 Google Earth patches, 17 local climate zones",
            task: .classification, classCount: 17, bandNames: LCZCGES2.allBandNames, chipSize: 32,
            layout: "<root>/sen2_img_patches/sen2_image_<i>.npz (image, label), <root>/gg_nodes_refine/graph_<i>.npz (x, a, e, y), <root>/patches_split/partition_random.npz (pickled {train, validation, test} index lists)",
            download: "https://github.com/ctrlovefly/DF4LCZ (the data is in the repository); or build a stand-in from OSCD with `strata lcz-standin`"),
        DatasetInfo(
            name: "folder", title: "Folder of class folders",
            summary: "any chips sorted into one folder per class; bands and georeferencing from the files",
            task: .classification, classCount: 0, bandNames: [], chipSize: nil,
            layout: "<root>/<class>/<chip>.tif|png|jpg; optional train.txt, val.txt, test.txt",
            download: "your own data"),
    ]

    /// The registry entry called `name` (case-insensitive).
    public static func info(named name: String) -> DatasetInfo? {
        known.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Opens the registered dataset `name` at `root`.
    public static func open(_ name: String, root: String, options o: DatasetOptions = .init()) throws -> any ChipDataset {
        guard let info = info(named: name) else {
            throw DatasetError(.invalidArgument, "unknown dataset '\(name)'; known datasets: \(known.map(\.name).joined(separator: ", "))")
        }
        switch info.name {
        case "eurosat", "eurosat-rgb":
            return try EuroSAT(root: root, split: o.split, bands: o.bands, variant: info.name == "eurosat" ? .multispectral : .rgb,
                               splitDirectory: o.splitDirectory, fractions: o.fractions, seed: o.seed)
        case "so2sat":
            let v = o.version ?? "2"
            guard let version = So2Sat.Version(rawValue: v) else {
                throw DatasetError(.invalidArgument, "So2Sat: unknown version '\(v)'; use one of \(So2Sat.Version.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try So2Sat(root: root, split: o.split, version: version, bands: o.bands, valFraction: o.valFraction,
                              fractions: o.fractions, seed: o.seed)
        case "bigearthnet":
            let k = o.classes ?? 19
            guard let classes = BigEarthNet.Nomenclature(rawValue: k) else {
                throw DatasetError(.invalidArgument, "BigEarthNet: classes must be 19 or 43, got \(k)")
            }
            return try BigEarthNet(root: root, split: o.split, classes: classes, bands: o.bands, resampling: o.resampling,
                                   splitDirectory: o.splitDirectory, fractions: o.fractions, seed: o.seed)
        case "lczc-ges2":
            return try LCZCGES2(root: root, split: o.split, bands: o.bands,
                                partition: o.partition ?? LCZCGES2.defaultPartition, skipMissing: o.skipMissing)
        default:
            return try ClassFolderDataset(root: root, split: o.split, bands: o.bands, splitDirectory: o.splitDirectory,
                                          fractions: o.fractions, seed: o.seed)
        }
    }

    /// The registered datasets lying under `roots` (each root itself and its sub-folders up to `maxDepth` levels
    /// down; a folder recognised as a dataset is not searched further; folders of more than 5,000 entries are
    /// not descended into). Missing roots are skipped. The generic `folder` dataset is never reported (any folder
    /// would match).
    public static func find(under roots: [String], maxDepth: Int = 3) -> [FoundDataset] {
        var out: [FoundDataset] = []
        var visited = Set<String>()
        for root in roots {
            var queue: [(String, Int)] = [(ChipFiles.absolute(root), 0)]
            while !queue.isEmpty {
                let (dir, depth) = queue.removeFirst()
                guard visited.insert(dir).inserted else { continue }
                if ChipFiles.isFile(dir) {
                    if dir.lowercased().hasSuffix(".h5"), let f = detectSo2SatFile(dir) { out.append(f) }
                    continue
                }
                guard ChipFiles.isDirectory(dir) else { continue }
                let here = detect(dir)
                if !here.isEmpty { out += here; continue }
                guard depth < maxDepth else { continue }
                let entries = DirectoryPeek.names(in: dir, limit: 5001)
                guard entries.count <= 5000 else { continue }
                for name in entries.sorted() {
                    let p = (dir as NSString).appendingPathComponent(name)
                    if ChipFiles.isDirectory(p) { queue.append((p, depth + 1)) }
                }
            }
        }
        return out
    }

    /// The registered datasets whose root is exactly `dir`.
    public static func detect(_ dir: String) -> [FoundDataset] {
        var out: [FoundDataset] = []
        let ms = EuroSAT.locate(dir, variant: .multispectral)
        if let ms { out.append(FoundDataset(name: "eurosat", path: dir, detail: eurosatDetail(dir, ms, .multispectral))) }
        if ms == nil, let rgb = EuroSAT.locate(dir, variant: .rgb) {
            out.append(FoundDataset(name: "eurosat-rgb", path: dir, detail: eurosatDetail(dir, rgb, .rgb)))
        }
        if let s = detectSo2Sat(dir) { out.append(s) }
        let patches = (dir as NSString).appendingPathComponent(LCZCGES2.patchFolder)
        if ChipFiles.isDirectory(patches), ChipFiles.isDirectory((dir as NSString).appendingPathComponent(LCZCGES2.graphFolder)) {
            let n = DirectoryPeek.names(in: patches, limit: .max).filter { $0.hasSuffix(".npz") }.count
            let split = ChipFiles.isFile((dir as NSString).appendingPathComponent(LCZCGES2.defaultPartition))
            out.append(FoundDataset(name: "lczc-ges2", path: dir,
                                    detail: "\(n) patches; split file: \(split ? LCZCGES2.defaultPartition : "none")"))
        }
        if let folder = BigEarthNet.locate(dir) {
            let n = DirectoryPeek.names(in: folder, limit: .max).count
            let splits = BigEarthNet.splitFileSets.flatMap { $0.values }.filter { ChipFiles.isFile((dir as NSString).appendingPathComponent($0)) }
            out.append(FoundDataset(name: "bigearthnet", path: dir,
                                    detail: "\(n) patch folders in \(folder); split files: \(splits.isEmpty ? "none (seeded stratified split)" : splits.sorted().joined(separator: ", "))"))
        }
        return out
    }

    static func eurosatDetail(_ root: String, _ folder: String, _ v: EuroSAT.Variant) -> String {
        var n = 0, classes = 0
        for c in EuroSAT.classNames {
            let k = ChipFiles.files(in: (folder as NSString).appendingPathComponent(c), extensions: EuroSAT.extensions[v]!).count
            n += k
            if k > 0 { classes += 1 }
        }
        let splits = Set([root, folder]).flatMap { d in
            EuroSAT.splitFileNames.values.filter { ChipFiles.isFile((d as NSString).appendingPathComponent($0)) }
        }
        return "\(n) chips in \(classes) of 10 classes (\(folder)); split files: \(splits.isEmpty ? "none (seeded stratified split)" : splits.sorted().joined(separator: ", "))"
    }

    static func detectSo2Sat(_ dir: String) -> FoundDataset? {
        var parts: [String] = []
        let v2 = ["training.h5", "validation.h5", "testing.h5"].filter { ChipFiles.isFile((dir as NSString).appendingPathComponent($0)) }
        if !v2.isEmpty { parts.append("version 2: " + v2.map { "\($0) (\(rowCount((dir as NSString).appendingPathComponent($0))))" }.joined(separator: ", ")) }
        for v in So2Sat.Version.allCases {
            guard let sub = v.subfolder else { continue }
            let files = ["training.h5", "testing.h5"].filter { ChipFiles.isFile("\(dir)/\(sub)/\($0)") }
            if !files.isEmpty { parts.append("version \(v.rawValue): \(sub)/" + files.joined(separator: ", \(sub)/")) }
        }
        return parts.isEmpty ? nil : FoundDataset(name: "so2sat", path: dir, detail: parts.joined(separator: "; "))
    }

    static func detectSo2SatFile(_ path: String) -> FoundDataset? {
        guard let f = try? HDF5File(path: path), f.exists("label"), f.exists("sen2") else { return nil }
        return FoundDataset(name: "so2sat", path: path, detail: "single file, \(rowCount(path)); seeded stratified split")
    }

    static func rowCount(_ path: String) -> String {
        guard let f = try? HDF5File(path: path), let s = try? f.shape(of: "label"), let n = s.first else { return "unreadable" }
        return "\(n) chips"
    }
}
