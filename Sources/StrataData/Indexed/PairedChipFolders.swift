import Foundation
import StrataGeo
import StrataTensor

/// The file layout most binary change-detection benchmarks ship in: three folders of same-named images, one per
/// date and one for the label (`A/`, `B/`, `label/` for LEVIR-CD, LEVIR-CD+ and the BIT/ChangeFormer crops;
/// `t1/`, `t2/`, `mask/` for the original DSIFN), optionally with split lists (`list/train.txt`, one file name per
/// line). Shared by the benchmark files in `Benchmarks/`; reads every image through GDAL (`ChipFile`).
///
/// A pair is a name present in the label folder; it must also exist (with any of the accepted extensions) in both
/// image folders. Images in the image folders without a label (LEVIR's sample figure `test_113_0256.png`) are not
/// pairs and are listed in `unlabelled`.
struct PairedChipFolders: Sendable {
    let folderA: String, folderB: String, labelFolder: String
    /// Per pair: (A path, B path, label path, id), sorted by id.
    let pairs: [(a: String, b: String, label: String, id: String)]
    let unlabelled: [String]

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"]

    /// - Parameters:
    ///   - names: the ids to keep, in this order (a split list); nil = every labelled pair.
    ///   - dataset: the dataset's name for error messages; `hint`: where to get it and how to lay it out.
    init(root: String, a: String, b: String, label: String, names: [String]?, dataset: String, hint: String) throws {
        let fm = FileManager.default
        func dir(_ sub: String) throws -> String {
            let p = (root as NSString).appendingPathComponent(sub)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue else {
                throw DatasetError(.notFound, "\(dataset): folder \(p) not found. \(hint)")
            }
            return p
        }
        folderA = try dir(a)
        folderB = try dir(b)
        labelFolder = try dir(label)
        func index(_ folder: String) throws -> [String: String] {
            var out: [String: String] = [:]
            for f in try fm.contentsOfDirectory(atPath: folder)
            where Self.imageExtensions.contains((f as NSString).pathExtension.lowercased()) {
                out[(f as NSString).deletingPathExtension] = (folder as NSString).appendingPathComponent(f)
            }
            return out
        }
        let filesA = try index(folderA), filesB = try index(folderB), labels = try index(labelFolder)
        var ids = labels.keys.sorted()
        if let names {
            let wanted = names.map { ($0 as NSString).deletingPathExtension }
            let missing = wanted.filter { labels[$0] == nil }
            guard missing.isEmpty else {
                throw DatasetError(.notFound, "\(dataset): \(missing.count) pair(s) of the split list have no label "
                    + "in \(labelFolder) (first: \(missing[0])). \(hint)")
            }
            ids = wanted
        }
        let (dirA, dirB) = (folderA, folderB)
        pairs = try ids.map { id in
            guard let pa = filesA[id], let pb = filesB[id] else {
                let which = filesA[id] == nil ? dirA : dirB
                throw DatasetError(.inconsistent, "\(dataset): label \(id) has no image in \(which); every label "
                    + "needs an image of the same name in \(dirA) and \(dirB)")
            }
            return (pa, pb, labels[id]!, id)
        }
        unlabelled = Set(filesA.keys).union(filesB.keys).subtracting(labels.keys).sorted()
    }

    /// Reads a split list: one file name (or path; its last component is used) per non-empty line.
    static func readList(_ path: String, dataset: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DatasetError(.notFound, "\(dataset): split list \(path) not found or not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.map { ($0 as NSString).lastPathComponent }
    }

    /// What a label file says: the change mask `[H, W]` (0/1, `ChangeSample.ignoreIndex` unlabelled) and, for
    /// semantic change, both dates' class maps.
    typealias Labels = (change: Tensor, semanticA: Tensor?, semanticB: Tensor?)

    /// Reads pair `index`: both images as float32 `[3, H, W]` (the first three bands; RGB) and the labels as
    /// `decode` reads them from the label file (binary benchmarks: `binaryLabels`); georeferenced from the first
    /// date's file when it has a geotransform (GeoTIFF chips; the PNG benchmarks have none).
    func sample(at index: Int, dataset: String,
                decode: (_ labelPath: String, _ id: String) throws -> Labels) throws -> ChangeSample {
        let p = pairs[index]
        var georeference: ChipGeoreference? = nil
        func image(_ path: String) throws -> Tensor {
            let chip = try ChipFile.read(path, as: .float32)
            if path == p.a, let bounds = chip.bounds { georeference = ChipGeoreference(bounds: bounds, crsOf: path) }
            guard chip.bandCount >= 3 else {
                throw DatasetError(.badFile, "\(dataset): \(path) has \(chip.bandCount) band(s); the pairs are RGB "
                    + "images with 3 bands")
            }
            return chip.bandCount == 3 ? chip.image : try chip.image.narrow(dim: 0, start: 0, length: 3)
        }
        let a = try image(p.a), b = try image(p.b)
        guard a.shape == b.shape else {
            throw DatasetError(.inconsistent, "\(dataset): \(p.id): the two dates differ in size (\(a.shape) vs "
                + "\(b.shape)); both images of a pair must be the same size")
        }
        let labels = try decode(p.label, p.id)
        for m in [labels.change, labels.semanticA, labels.semanticB].compactMap({ $0 }) {
            guard Array(m.shape) == Array(a.shape.suffix(2)) else {
                throw DatasetError(.inconsistent, "\(dataset): \(p.id): label is \(m.shape) but the images are "
                    + "\(Array(a.shape.suffix(2))); the label must cover the image pixel for pixel")
            }
        }
        return ChangeSample(imageA: a, imageB: b, change: labels.change, semanticA: labels.semanticA,
                            semanticB: labels.semanticB, georeference: georeference,
                            bandNames: ["red", "green", "blue"], index: index, id: p.id)
    }

    /// A one-band 0/255 change mask as int64 0/1; any other value is an error naming the file.
    static func binaryLabels(_ path: String, dataset: String) throws -> Labels {
        let mask = try ChipFile.read(path, bands: [1], as: .uint8).image.squeeze(dim: 0)
        let isChange = try mask.eq(255), isNoChange = try mask.eq(0)
        guard try isChange.logicalOr(isNoChange).all().item() != 0 else {
            throw DatasetError(.badFile, "\(dataset): \(path) holds values other than 0 (no change) and 255 "
                + "(change); binary change masks must be 0/255 (re-export it without anti-aliasing or compression)")
        }
        return (try isChange.to(.int64), nil, nil)
    }
}

extension PairedChipFolders {
    /// Finds a benchmark's pairs for `split` in either of its two usual layouts:
    /// - per-split folders `<root>/<split>/<a|b|label>/` (the official downloads), tried for each folder naming in
    ///   `namings`;
    /// - one flat set of folders `<root>/<a|b|label>/` with split lists `<root>/list/<split>.txt` (the BIT /
    ///   ChangeFormer crops). `.all` takes every labelled pair of the flat folders, or of every split folder.
    static func resolve(root: String, split: DatasetSplit, splits: [DatasetSplit],
                        namings: [(a: String, b: String, label: String)], dataset: String,
                        hint: String) throws -> [PairedChipFolders] {
        let fm = FileManager.default
        func exists(_ sub: String) -> Bool {
            var isDir: ObjCBool = false
            let path = (root as NSString).appendingPathComponent(sub)
            return fm.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
        }
        guard split == .all || splits.contains(split) else {
            throw DatasetError(.invalidArgument, "\(dataset) has no \(split.rawValue) split; use one of "
                + "\(splits.map(\.rawValue).joined(separator: ", ")) or all")
        }
        for n in namings where exists(n.a) && exists(n.label) {
            var names: [String]? = nil
            if split != .all {
                let list = (root as NSString).appendingPathComponent("list/\(split.rawValue).txt")
                guard fm.fileExists(atPath: list) else {
                    throw DatasetError(.notFound, "\(dataset): \(root) holds one flat set of "
                        + "\(n.a)/\(n.b)/\(n.label) folders but no split list \(list); add "
                            + "list/\(split.rawValue).txt (one file name per line) or use split all")
                }
                names = try readList(list, dataset: dataset)
            }
            return [try PairedChipFolders(root: root, a: n.a, b: n.b, label: n.label, names: names, dataset: dataset,
                                          hint: hint)]
        }
        let wanted = split == .all ? splits : [split]
        var out: [PairedChipFolders] = []
        for s in wanted {
            guard let n = namings.first(where: { exists("\(s.rawValue)/\($0.a)") }) else {
                if split == .all { continue }
                throw DatasetError(.notFound, "\(dataset): no \(s.rawValue) pairs under \(root) (looked for "
                    + "\(namings.map { "\(s.rawValue)/\($0.a)" }.joined(separator: " or ")) and a flat "
                        + "\(namings[0].a)/ folder). \(hint)")
            }
            let splitRoot = (root as NSString).appendingPathComponent(s.rawValue)
            out.append(try PairedChipFolders(root: splitRoot, a: n.a, b: n.b, label: n.label, names: nil,
                                             dataset: dataset, hint: hint))
        }
        guard !out.isEmpty else { throw DatasetError(.notFound, "\(dataset): no pairs found under \(root). \(hint)") }
        return out
    }
}

/// The common body of the folder-of-pairs benchmarks: pairs from one or more `PairedChipFolders`, in order.
public class PairedChipDataset: ChangeChipDataset, @unchecked Sendable {
    public let root: String
    public let split: DatasetSplit
    let datasetName: String
    let folders: [PairedChipFolders]
    /// (folder, pair) per index.
    let locations: [(folder: Int, pair: Int)]

    init(root: String, split: DatasetSplit, name: String, folders: [PairedChipFolders]) {
        self.root = root
        self.split = split
        datasetName = name
        self.folders = folders
        locations = folders.enumerated().flatMap { f, folder in folder.pairs.indices.map { (f, $0) } }
    }

    public var count: Int { locations.count }
    public var bandNames: [String] { ["red", "green", "blue"] }
    /// Images without a label next to the pairs (not part of the dataset).
    public var unlabelled: [String] { folders.flatMap(\.unlabelled) }
    /// The (A, B, label) file paths of pair `index`.
    public func files(at index: Int) -> (a: String, b: String, label: String) {
        let l = locations[index], p = folders[l.folder].pairs[l.pair]
        return (p.a, p.b, p.label)
    }
    public func id(at index: Int) -> String { let l = locations[index]; return folders[l.folder].pairs[l.pair].id }

    public func sample(at index: Int) throws -> ChangeSample {
        guard index >= 0 && index < count else {
            throw DatasetError(.invalidArgument, "\(datasetName): index \(index) is out of range 0..<\(count)")
        }
        let l = locations[index]
        var s = try folders[l.folder].sample(at: l.pair, dataset: datasetName) { path, id in
            try labels(path, id: id)
        }
        s.index = index
        return s
    }

    /// Reads the labels of the pair whose label file is `path` (binary benchmarks: a 0/255 mask; semantic-change
    /// datasets override it).
    func labels(_ path: String, id: String) throws -> PairedChipFolders.Labels {
        try PairedChipFolders.binaryLabels(path, dataset: datasetName)
    }
}
