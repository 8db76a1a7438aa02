import Foundation
import StrataGeo
import StrataTensor

/// Pairs of semantic-change chips: two image folders and one or two label folders, files matched by name.
/// Shared by `SECOND` and `HiUCD`, which differ in how labels are coded.
struct SemanticChangeFolders: Sendable {
    struct Pair: Sendable { let a: String, b: String, labels: [String], id: String }
    let pairs: [Pair]

    /// - Parameter labelDirs: one folder (Hi-UCD's 3-channel masks) or two (SECOND's `label1`, `label2`).
    init(imageA: String, imageB: String, labelDirs: [String], dataset: String, hint: String) throws {
        let fm = FileManager.default
        for d in [imageA, imageB] + labelDirs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
                throw DatasetError(.notFound, "\(dataset): folder \(d) not found. \(hint)")
            }
        }
        func index(_ folder: String) throws -> [String: String] {
            var out: [String: String] = [:]
            for f in try fm.contentsOfDirectory(atPath: folder)
            where PairedChipFolders.imageExtensions.contains((f as NSString).pathExtension.lowercased()) {
                out[(f as NSString).deletingPathExtension] = (folder as NSString).appendingPathComponent(f)
            }
            return out
        }
        let a = try index(imageA), b = try index(imageB)
        let labels = try labelDirs.map(index)
        pairs = try labels[0].keys.sorted().map { id in
            guard let pa = a[id], let pb = b[id] else {
                throw DatasetError(.inconsistent, "\(dataset): label \(id) has no image in "
                    + "\(a[id] == nil ? imageA : imageB); every label needs both dates' images of the same name")
            }
            let ls = try labels.enumerated().map { i, l in
                guard let p = l[id] else {
                    throw DatasetError(.inconsistent, "\(dataset): \(id) is in \(labelDirs[0]) but not in "
                        + "\(labelDirs[i])")
                }
                return p
            }
            return Pair(a: pa, b: pb, labels: ls, id: id)
        }
        guard !pairs.isEmpty else {
            throw DatasetError(.notFound, "\(dataset): no labelled pairs in \(labelDirs[0]). \(hint)")
        }
    }

    /// Both dates as float32 `[3, H, W]` (0…255), checked to be RGB and equally sized.
    static func images(_ p: Pair, dataset: String) throws -> (Tensor, Tensor) {
        func image(_ path: String) throws -> Tensor {
            let chip = try ChipFile.read(path, as: .float32)
            guard chip.bandCount >= 3 else {
                throw DatasetError(.badFile, "\(dataset): \(path) has \(chip.bandCount) band(s); images must be RGB")
            }
            return chip.bandCount == 3 ? chip.image : try chip.image.narrow(dim: 0, start: 0, length: 3)
        }
        let a = try image(p.a), b = try image(p.b)
        guard a.shape == b.shape else {
            throw DatasetError(.inconsistent, "\(dataset): \(p.id): the two dates differ in size (\(a.shape) vs "
                + "\(b.shape)); both images of a pair must be the same size")
        }
        return (a, b)
    }

    /// A label file's first three bands as int64 `[3, H, W]`, checked to cover `size` pixel for pixel.
    static func label(_ path: String, size: [Int], id: String, dataset: String) throws -> Tensor {
        let chip = try ChipFile.read(path, as: .uint8)
        guard chip.bandCount >= 3 else {
            throw DatasetError(.badFile, "\(dataset): \(path) has \(chip.bandCount) band(s); labels are 3-channel PNGs")
        }
        let rgb = try chip.image.narrow(dim: 0, start: 0, length: 3).to(.int64)
        guard Array(rgb.shape.suffix(2)) == size else {
            throw DatasetError(.inconsistent, "\(dataset): \(id): label is \(Array(rgb.shape.suffix(2))) but the "
                + "images are \(size); the label must cover the image pixel for pixel")
        }
        return rgb
    }
}

/// SECOND (Yang et al. 2021, "Asymmetric Siamese networks for semantic change detection"): 4,662 aerial pairs of
/// 512 × 512 px, 6 land-cover classes labelled only where the land cover changed.
///
/// Layout as published: `<root>/{train,test}/{im1,im2,label1,label2}/*.png`. Labels are RGB-coded
/// (Bi-SRNet's `ST_COLORMAP`): white (255,255,255) = 0 no change, (0,0,255) = 1 water, (128,128,128) = 2 ground,
/// (0,128,0) = 3 low vegetation, (0,255,0) = 4 tree, (128,0,0) = 5 building, (255,0,0) = 6 sports field.
/// Samples: `semanticA`/`semanticB` int64 class indices (0 = no change), `change` = `semanticA ≠ 0` (0/1, as
/// Bi-SRNet derives it). A colour outside the table is an error naming the file and the colour (Bi-SRNet maps it
/// to 0 silently).
public final class SECOND: ChangeChipDataset, @unchecked Sendable {
    public static let classNames = ["no change", "water", "ground", "low vegetation", "tree", "building",
                                    "sports field"]
    public static let colours: [(UInt8, UInt8, UInt8)] = [(255, 255, 255), (0, 0, 255), (128, 128, 128),
                                                           (0, 128, 0), (0, 255, 0), (128, 0, 0), (255, 0, 0)]
    static let hint = "Download SECOND (https://captain-whu.github.io/SCD/) and unzip it so that "
        + "<root>/<split>/im1, im2, label1 and label2 exist"

    public let root: String
    public let split: DatasetSplit
    let folders: [SemanticChangeFolders]
    let locations: [(folder: Int, pair: Int)]

    public init(root: String, split: DatasetSplit = .train) throws {
        guard split != .val else {
            throw DatasetError(.invalidArgument, "SECOND has no val split; use train, test or all")
        }
        self.root = root
        self.split = split
        let splits: [DatasetSplit] = split == .all ? [.train, .test] : [split]
        var found: [SemanticChangeFolders] = []
        for s in splits {
            let dir = (root as NSString).appendingPathComponent(s.rawValue)
            if split == .all && !FileManager.default.fileExists(atPath: dir) { continue }
            func sub(_ n: String) -> String { (dir as NSString).appendingPathComponent(n) }
            found.append(try SemanticChangeFolders(imageA: sub("im1"), imageB: sub("im2"),
                                                   labelDirs: [sub("label1"), sub("label2")], dataset: "SECOND",
                                                   hint: Self.hint))
        }
        guard !found.isEmpty else { throw DatasetError(.notFound, "SECOND: no split folders under \(root). \(Self.hint)") }
        folders = found
        locations = found.enumerated().flatMap { f, folder in folder.pairs.indices.map { (f, $0) } }
    }

    public var count: Int { locations.count }
    public var bandNames: [String] { ["red", "green", "blue"] }
    public func id(at index: Int) -> String { let l = locations[index]; return folders[l.folder].pairs[l.pair].id }

    /// RGB label `[3, H, W]` int64 → class indices `[H, W]`; throws on a colour outside the table.
    public static func classIndices(_ rgb: Tensor, file: String) throws -> Tensor {
        let code = try (rgb.select(dim: 0, index: 0) * 65536) + (rgb.select(dim: 0, index: 1) * 256)
            + rgb.select(dim: 0, index: 2)
        var out = try Tensor.fullLike(code, -1)
        for (i, c) in colours.enumerated() {
            let v = Double(Int(c.0) * 65536 + Int(c.1) * 256 + Int(c.2))
            out = try out.maskedFill(code.eq(v), Double(i))
        }
        let unknown = try out.lt(0)
        if try unknown.any().item() != 0 {
            let first = try code.maskedSelect(unknown).narrow(dim: 0, start: 0, length: 1).itemInt()
            throw DatasetError(.badFile, "SECOND: \(file) holds the colour (\(first >> 16), \((first >> 8) & 255), "
                + "\(first & 255)), which is not one of SECOND's 7 label colours; labels must be the published RGB "
                + "PNGs (no resampling or lossy compression)")
        }
        return out
    }

    public func sample(at index: Int) throws -> ChangeSample {
        guard index >= 0 && index < count else {
            throw DatasetError(.invalidArgument, "SECOND: index \(index) is out of range 0..<\(count)")
        }
        let l = locations[index], p = folders[l.folder].pairs[l.pair]
        let (a, b) = try SemanticChangeFolders.images(p, dataset: "SECOND")
        let size = Array(a.shape.suffix(2))
        let sa = try Self.classIndices(SemanticChangeFolders.label(p.labels[0], size: size, id: p.id,
                                                                   dataset: "SECOND"), file: p.labels[0])
        let sb = try Self.classIndices(SemanticChangeFolders.label(p.labels[1], size: size, id: p.id,
                                                                   dataset: "SECOND"), file: p.labels[1])
        return ChangeSample(imageA: a, imageB: b, change: try sa.ne(0).to(.int64), semanticA: sa, semanticB: sb,
                            bandNames: bandNames, index: index, id: p.id)
    }
}
