import Foundation
import StrataTensor

/// LCZC-GES2 (DF4LCZ, Wu et al. 2024; spec: methods.md §1.2–1.3): pairs of a Sentinel-2 patch and the segment graph
/// of the matching Google Earth patch, labelled with one of the 17 local climate zones — in the layout of the
/// authors' repository:
///
/// ```
/// <root>/sen2_img_patches/sen2_image_<i>.npz   image [32, 32, 10] (H, W, bands), label (LCZ 1…17)
/// <root>/gg_nodes_refine/graph_<i>.npz         x [n, 5], a [n, n] (centre distances), e, y
/// <root>/patches_split/partition_random.npz    a *pickle* (despite the name): {"train": [i…], "validation": […],
///                                              "test": […]}
/// ```
///
/// Each sample is the Sentinel-2 chip channels-first as float32 `[10, 32, 32]` (stored values, unscaled), its label
/// `label − 1` (0-based, LCZ 1–10 then A–G) and ``ChipSample/graph``: the graph with `A = (a > 0)` normalised as
/// Spektral's `NormalizeAdj` (DF4LCZ's loader; see ``SegmentGraph/init(x:adjacency:label:areas:)``). `e` (edge
/// features) is never read: DF4LCZ's GCSConv uses none. `y` is not read either: the label is the patch's.
///
/// Which ten Sentinel-2 bands the patches hold is not stated in DF4LCZ's code (UNVERIFIED in the spec); they are
/// named as So2Sat LCZ42's (`B02 … B12`), the spec's guess, which is also what the stand-in builder
/// (`strata lcz-standin`) writes.
public final class LCZCGES2: ChipDataset {
    public static let patchFolder = "sen2_img_patches", graphFolder = "gg_nodes_refine"
    /// The split file DF4LCZ's code uses (relative to the root).
    public static let defaultPartition = "patches_split/partition_random.npz"
    /// The pickle keys of the splits.
    public static let splitKeys: [DatasetSplit: String] = [.train: "train", .val: "validation", .test: "test"]
    /// The ten Sentinel-2 bands, named as So2Sat's `sen2` (an assumption, see above).
    public static let allBandNames = So2Sat.sen2BandNames
    public static let classNames = So2Sat.classNames

    static let downloadHint = """
        LCZC-GES2 is in the DF4LCZ repository (https://github.com/ctrlovefly/DF4LCZ: sen2_img_patches/, \
        gg_nodes_refine/, patches_split/); clone it (≈ 640 MB) and pass its folder as the root
        """

    public let root: String
    public let split: DatasetSplit
    /// The sample numbers `i` of this split (file names), in the split file's order.
    public let sampleNumbers: [Int]
    /// Class index (0-based) of each sample.
    public let classIndices: [Int]
    public let bandNames: [String]
    /// Where the split came from, and the samples of the split file skipped for a missing file.
    public let splitSource: String
    public let skipped: [Int]
    let channels: [Int]
    public var classNames: [String] { Self.classNames }
    public var task: TaskKind { .classification }
    public var count: Int { sampleNumbers.count }

    /// - Parameters:
    ///   - root: the folder holding `sen2_img_patches/`, `gg_nodes_refine/` and the split file.
    ///   - split: `.train`, `.val` (the pickle's `validation`), `.test`, or `.all` (the three, in that order).
    ///   - bands: channel names in the order wanted (from ``allBandNames``; nil = all ten).
    ///   - partition: the split pickle, relative to `root` or absolute (DF4LCZ's other split is
    ///     `patches_split/partition_polygons_1125.npz`).
    ///   - skipMissing: skip split entries whose patch or graph file is missing (counted in ``skipped``) instead
    ///     of failing.
    public init(root: String, split: DatasetSplit = .train, bands: [String]? = nil,
                partition: String = LCZCGES2.defaultPartition, skipMissing: Bool = false) throws {
        let rootPath = ChipFiles.absolute(root)
        guard ChipFiles.isDirectory((rootPath as NSString).appendingPathComponent(Self.patchFolder)),
              ChipFiles.isDirectory((rootPath as NSString).appendingPathComponent(Self.graphFolder)) else {
            throw DatasetError(.notFound, "LCZC-GES2: \(rootPath) has no \(Self.patchFolder)/ and "
                + "\(Self.graphFolder)/ folders. \(Self.downloadHint)")
        }
        let (names, idx) = try ChipFiles.bandIndices(bands ?? Self.allBandNames, available: Self.allBandNames,
                                                   dataset: "LCZC-GES2")
        let partitionPath = partition.hasPrefix("/") ? partition
            : (rootPath as NSString).appendingPathComponent(partition)
        guard ChipFiles.isFile(partitionPath) else {
            throw DatasetError(.notFound, "LCZC-GES2: no split file at \(partitionPath) (DF4LCZ's "
                + "\(Self.defaultPartition), a pickled {train, validation, test} dict); set data.partition")
        }
        let lists: [String: [Int]]
        do { lists = try PythonPickle.loadIndexLists(partitionPath) } catch {
            throw DatasetError(.badFile, "LCZC-GES2: cannot read the split file: \(error)")
        }
        var numbers: [Int] = []
        for s in split == .all ? [DatasetSplit.train, .val, .test] : [split] {
            let key = Self.splitKeys[s]!
            guard let list = lists[key] else {
                throw DatasetError(.badFile, "LCZC-GES2: \(partitionPath) has no '\(key)' list; it holds "
                    + "\(lists.keys.sorted())")
            }
            numbers += list
        }
        var kept: [Int] = [], missing: [Int] = [], labels: [Int] = []
        for i in numbers {
            let p = Self.patchPath(rootPath, i), g = Self.graphPath(rootPath, i)
            guard ChipFiles.isFile(p), ChipFiles.isFile(g) else { missing.append(i); continue }
            kept.append(i)
            labels.append(try Self.readLabel(p))
        }
        if !missing.isEmpty && !skipMissing {
            throw DatasetError(.notFound, "LCZC-GES2: \(missing.count) of the \(numbers.count) samples of the "
                + "\(split.rawValue) split lack their patch or graph file (first: sample \(missing[0]), "
                + "\(Self.patchPath(rootPath, missing[0])) / \(Self.graphPath(rootPath, missing[0]))); "
                + "set data.skip_missing: true to leave them out")
        }
        self.root = rootPath
        self.split = split
        sampleNumbers = kept
        classIndices = labels
        bandNames = names
        channels = idx.map { $0 - 1 }  // bandIndices counts from 1 (GDAL band numbers)
        skipped = missing
        splitSource = "split file \(partitionPath)"
            + (missing.isEmpty ? "" : ", \(missing.count) samples without files skipped")
    }

    static func patchPath(_ root: String, _ i: Int) -> String { "\(root)/\(patchFolder)/sen2_image_\(i).npz" }
    static func graphPath(_ root: String, _ i: Int) -> String { "\(root)/\(graphFolder)/graph_\(i).npz" }

    /// The 0-based class of a patch file (`label` 1…17).
    static func readLabel(_ path: String) throws -> Int {
        let t: Tensor
        do { t = try NPZ.read(path, keys: ["label"])["label"]! } catch {
            throw DatasetError(.badFile, "LCZC-GES2: cannot read 'label' of \(path): \(error)")
        }
        let value = t.count == 1 ? try t.item() : .nan
        guard value.rounded() == value else {
            throw DatasetError(.badFile, "LCZC-GES2: 'label' of \(path) is \(t.dtype) \(t.shape); expected one "
                + "integer LCZ label 1…17")
        }
        let v = Int(value)
        guard (1...17).contains(v) else {
            throw DatasetError(.badFile, "LCZC-GES2: 'label' of \(path) is \(v); LCZC-GES2 labels run 1…17")
        }
        return v - 1
    }

    public func label(at index: Int) throws -> ChipLabel { try checkIndex(index); return .single(classIndices[index]) }
    public func id(at index: Int) -> String {
        index >= 0 && index < count ? Self.patchPath(root, sampleNumbers[index]) : "#\(index)"
    }

    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        let i = sampleNumbers[index]
        let p = Self.patchPath(root, i), g = Self.graphPath(root, i)
        let image: Tensor, graph: SegmentGraph
        do {
            let hwc = try NPZ.read(p, keys: ["image"])["image"]!
            guard hwc.rank == 3, hwc.size(2) == Self.allBandNames.count else {
                throw DatasetError(.badFile, "LCZC-GES2: 'image' of \(p) is \(hwc.shape); expected [H, W, 10] "
                    + "(channels last, as DF4LCZ stores 32 × 32 × 10 patches)")
            }
            image = try hwc.permute(2, 0, 1).indexSelect(dim: 0, index: Tensor(channels)).to(.float32).contiguous()
        } catch let e as DatasetError { throw e } catch {
            throw DatasetError(.badFile, "LCZC-GES2: cannot read 'image' of \(p): \(error)")
        }
        do {
            let arrays = try NPZ.read(g, keys: ["x", "a"])
            let x = arrays["x"]!, a = arrays["a"]!
            guard x.rank == 2, x.size(0) > 0 else {
                throw DatasetError(.badFile, "LCZC-GES2: 'x' of \(g) is \(x.shape); expected node features "
                    + "[n ≥ 1, F]")
            }
            graph = try SegmentGraph(x: x, adjacency: a, label: classIndices[index])
        } catch let e as DatasetError { throw e } catch {
            throw DatasetError(.badFile, "LCZC-GES2: cannot read graph \(g): \(error)")
        }
        return ChipSample(image: image, label: .single(classIndices[index]), bandNames: bandNames, index: index,
                          id: p, graph: graph)
    }
}
