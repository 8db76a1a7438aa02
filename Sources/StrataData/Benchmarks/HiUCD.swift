import Foundation
import StrataGeo
import StrataTensor

/// Hi-UCD / Hi-UCD mini (Tian et al. 2020): 0.1 m aerial pairs of Tallinn, 9 land-cover classes, in ClearSCD's
/// encoding (its `scripts/deal_hiucd.py`).
///
/// Layout as published (Hi-UCD-S): `<root>/<split>/image/<year1>/*.png`, `<root>/<split>/image/<year2>/*.png`,
/// `<root>/<split>/mask/<year1>_<year2>/*.png` (train/val: 2017_2018, test: 2018_2019; the one `mask/` subfolder
/// names the years). A mask is one 3-channel PNG: channel 0 = date-1 semantics, 1 = date-2 semantics (0 unlabelled,
/// 1 water, 2 grass, 3 building, 4 greenhouse, 5 road, 6 bridge, 7 others, 8 bare land, 9 woodland), 2 = change
/// (0 unlabelled, 1 unchanged, 2 changed).
///
/// Samples, as ClearSCD trains on them: `semanticA`/`semanticB` = code − 1 (0…8), unlabelled → 9
/// (`unlabelled`); `change` = code − 1 (0 unchanged, 1 changed), unlabelled → 255. With `encoding: .clearSCD` the
/// masks are taken as already re-encoded by `deal_hiucd.py` (semantics 0…9, change 0/1/255) and only checked.
/// Codes outside the ranges are an error naming the file.
public final class HiUCD: ChangeChipDataset, @unchecked Sendable {
    public enum Encoding: String, Sendable { case raw, clearSCD = "clearscd" }
    public static let classNames = ["water", "grass", "building", "greenhouse", "road", "bridge", "others",
                                    "bare land", "woodland"]
    /// The semantic label of unlabelled pixels (= number of classes, ClearSCD's `ignore_index`).
    public static let unlabelled = 9
    static let hint = "Download Hi-UCD (https://github.com/Daisy-7/Hi-UCD-S) and unzip it so that "
        + "<root>/<split>/image/<year>/ and <root>/<split>/mask/<year1>_<year2>/ exist"

    public let root: String
    public let split: DatasetSplit
    public let encoding: Encoding
    /// The two dates of the split (from the `mask/` subfolder name).
    public let years: (String, String)
    let folders: SemanticChangeFolders

    public init(root: String, split: DatasetSplit = .train, encoding: Encoding = .raw) throws {
        guard split != .all else {
            throw DatasetError(.invalidArgument, "Hi-UCD: choose one split (train, val or test); the splits "
                + "pair different years")
        }
        self.root = root
        self.split = split
        self.encoding = encoding
        let dir = (root as NSString).appendingPathComponent(split.rawValue)
        let maskRoot = (dir as NSString).appendingPathComponent("mask")
        let subs = ((try? FileManager.default.contentsOfDirectory(atPath: maskRoot)) ?? [])
            .filter { $0.split(separator: "_").count == 2 }.sorted()
        guard subs.count == 1 else {
            throw DatasetError(.notFound, "Hi-UCD: expected one <year1>_<year2> folder in \(maskRoot), found "
                + (subs.isEmpty ? "none" : subs.joined(separator: ", ")) + ". \(Self.hint)")
        }
        let parts = subs[0].split(separator: "_").map(String.init)
        years = (parts[0], parts[1])
        func sub(_ p: String) -> String { (dir as NSString).appendingPathComponent(p) }
        folders = try SemanticChangeFolders(imageA: sub("image/\(parts[0])"), imageB: sub("image/\(parts[1])"),
                                            labelDirs: [sub("mask/\(subs[0])")], dataset: "Hi-UCD", hint: Self.hint)
    }

    public var count: Int { folders.pairs.count }
    public var bandNames: [String] { ["red", "green", "blue"] }
    public func id(at index: Int) -> String { folders.pairs[index].id }

    /// A mask `[3, H, W]` (int64) → (semantic A, semantic B, change) in ClearSCD's encoding.
    public static func decode(_ mask: Tensor, encoding: Encoding, file: String) throws -> (Tensor, Tensor, Tensor) {
        let s1 = try mask.select(dim: 0, index: 0), s2 = try mask.select(dim: 0, index: 1)
        let c = try mask.select(dim: 0, index: 2)
        switch encoding {
        case .raw:
            for (name, t, maxCode) in [("date-1 semantics", s1, 9), ("date-2 semantics", s2, 9), ("change", c, 2)] {
                if try t.gt(Double(maxCode)).any().item() != 0 {
                    throw DatasetError(.badFile, "Hi-UCD: \(file) has \(name) codes above \(maxCode) "
                        + "(max \(try t.max().itemInt())); raw Hi-UCD masks hold 0…\(maxCode) — if the file was "
                        + "already re-encoded by ClearSCD's deal_hiucd.py, use encoding clearscd")
                }
            }
            func sem(_ t: Tensor) throws -> Tensor { try (t - 1).maskedFill(t.eq(0), Double(unlabelled)) }
            return (try sem(s1), try sem(s2), try (c - 1).maskedFill(c.eq(0), Double(ChangeSample.ignoreIndex)))
        case .clearSCD:
            let badSem = try s1.gt(Double(unlabelled)).logicalOr(s2.gt(Double(unlabelled))).any().item() != 0
            let badChange = try c.gt(1).logicalAnd(c.ne(Double(ChangeSample.ignoreIndex))).any().item() != 0
            if badSem || badChange {
                throw DatasetError(.badFile, "Hi-UCD: \(file) is not in ClearSCD's encoding (semantics 0…9, change "
                    + "0, 1 or 255); for the published masks use encoding raw")
            }
            return (s1, s2, c)
        }
    }

    public func sample(at index: Int) throws -> ChangeSample {
        guard index >= 0 && index < count else {
            throw DatasetError(.invalidArgument, "Hi-UCD: index \(index) is out of range 0..<\(count)")
        }
        let p = folders.pairs[index]
        let (a, b) = try SemanticChangeFolders.images(p, dataset: "Hi-UCD")
        let mask = try SemanticChangeFolders.label(p.labels[0], size: Array(a.shape.suffix(2)), id: p.id,
                                                   dataset: "Hi-UCD")
        let (sa, sb, c) = try Self.decode(mask, encoding: encoding, file: p.labels[0])
        return ChangeSample(imageA: a, imageB: b, change: c, semanticA: sa, semanticB: sb, bandNames: bandNames,
                            index: index, id: p.id)
    }
}
