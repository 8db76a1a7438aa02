import Foundation
import StrataGeo
import StrataTensor

/// SECOND (Yang et al. 2021, "Asymmetric Siamese Networks for Semantic Change Detection"): 4,662 aerial pairs of
/// 512 × 512 px with per-date land-cover labels inside changed areas — the standard semantic-change benchmark of
/// Bi-SRNet and SCanNet. Also reads pseudo-labelled copies written by `strata pseudo-labels` (`second/`).
///
/// Layout (RGB PNGs, same file name in each folder): `<root>/{train,test}/{im1,im2,label1,label2}/`, or one flat set
/// `<root>/{im1,im2,label1,label2}/` with split lists `<root>/list/<split>.txt`. Labels are RGB-coded
/// (`SCDLabelFormats.secondPalette`): 0 no change (white), 1 water, 2 non-vegetated ground surface, 3 low vegetation,
/// 4 tree, 5 building, 6 playground.
///
/// Samples: `semanticA`/`semanticB` int64 class indices with 0 = no change (SECOND's own convention, which its
/// metrics expect: `SemanticChangeMetrics.SECOND`), `change` = 1 where either date's label is not "no change".
public final class SECOND: PairedChipDataset, @unchecked Sendable {
    public static let classNames = SCDLabelFormats.secondClasses

    static let downloadHint = """
        Download SECOND (https://captain-whu.github.io/SCD/) and unzip it so that <root>/train/im1, im2, label1 and \
        label2 exist, or point the root at a folder written by `strata pseudo-labels` (its second/ sub-folder)
        """

    public init(root: String, split: DatasetSplit = .all) throws {
        let folders = try PairedChipFolders.resolve(root: root, split: split, splits: [.train, .test],
                                                    namings: [("im1", "im2", "label1")], dataset: "SECOND",
                                                    hint: Self.downloadHint)
        super.init(root: root, split: split, name: "SECOND", folders: folders)
    }

    override func labels(_ path: String, id: String) throws -> PairedChipFolders.Labels {
        let folder = (path as NSString).deletingLastPathComponent
        let second = ((folder as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("label2/" + (path as NSString).lastPathComponent)
        guard FileManager.default.fileExists(atPath: second) else {
            throw DatasetError(.notFound, "SECOND: \(id) has \(path) but no \(second); each pair needs label1 and label2")
        }
        func read(_ p: String) throws -> Tensor {
            let chip = try ChipFile.read(p, as: .uint8)
            guard chip.bandCount >= 3 else {
                throw DatasetError(.badFile, "SECOND: \(p) has \(chip.bandCount) band(s); SECOND labels are RGB-coded PNGs")
            }
            let rgb = try chip.image.narrow(dim: 0, start: 0, length: 3).contiguous()
            let n = rgb.shape[1] * rgb.shape[2]
            let idx = try SCDLabelFormats.secondIndices(rgb: try rgb.toArray(UInt8.self), pixels: n)
            return try Tensor(idx.map { Int($0) }, shape: [rgb.shape[1], rgb.shape[2]])
        }
        let a = try read(path), b = try read(second)
        guard a.shape == b.shape else {
            throw DatasetError(.inconsistent, "SECOND: \(id): label1 is \(a.shape) but label2 is \(b.shape)")
        }
        let change = try ((a .!= 0) .| (b .!= 0)).to(.int64)
        return (change, a, b)
    }
}

/// Hi-UCD / Hi-UCD mini (Tian et al. 2020): 0.1 m aerial pairs of Tallinn with one 3-channel label PNG per pair
/// (channel 0 the first date's class, channel 1 the second's, channel 2 the change), in ClearSCD's encoding: classes
/// `code − 1` (0 water … 8 woodland) with unlabelled = 9, change `code − 1` (0/1) with unlabelled =
/// `ChangeSample.ignoreIndex` (255). Also reads copies written by `strata pseudo-labels` (`hiucd/`).
///
/// Layouts: `<root>/{train,val,test}/{image/t1,image/t2,mask/t1_t2}/`, the flat `<root>/{image/t1,image/t2,mask/t1_t2}/`
/// (with `list/<split>.txt` for a split), or the published folders named explicitly with
/// `init(root:before:after:mask:)` (Hi-UCD mini: `train/image/2017/9`, `train/image/2018/9`, `train/mask/2017_2018/9`).
public final class HiUCD: PairedChipDataset, @unchecked Sendable {
    /// The 9 classes in ClearSCD's order (index = raw code − 1).
    public static let classNames = Array(SCDLabelFormats.hiUCDClasses.dropFirst())
    /// ClearSCD's value for unlabelled semantic pixels.
    public static let unlabelledClass = 9

    static let downloadHint = """
        Hi-UCD mini is at https://github.com/Daisy-7/Hi-UCD-S; lay it out as <root>/<split>/image/t1, image/t2 and \
        mask/t1_t2 (or name its folders with HiUCD(root:before:after:mask:)), or point the root at a folder written \
        by `strata pseudo-labels` (its hiucd/ sub-folder)
        """

    public init(root: String, split: DatasetSplit = .all) throws {
        let folders = try PairedChipFolders.resolve(root: root, split: split, splits: [.train, .val, .test],
                                                    namings: [("image/t1", "image/t2", "mask/t1_t2")],
                                                    dataset: "Hi-UCD", hint: Self.downloadHint)
        super.init(root: root, split: split, name: "Hi-UCD", folders: folders)
    }

    /// The published layout: the two image folders and the mask folder, relative to `root`.
    public init(root: String, before: String, after: String, mask: String) throws {
        let folder = try PairedChipFolders(root: root, a: before, b: after, label: mask, names: nil,
                                           dataset: "Hi-UCD", hint: Self.downloadHint)
        super.init(root: root, split: .all, name: "Hi-UCD", folders: [folder])
    }

    override func labels(_ path: String, id: String) throws -> PairedChipFolders.Labels {
        let chip = try ChipFile.read(path, as: .uint8)
        guard chip.bandCount >= 3 else {
            throw DatasetError(.badFile, "Hi-UCD: \(path) has \(chip.bandCount) band(s); Hi-UCD labels are 3-channel PNGs (date 1, date 2, change)")
        }
        let raw = try chip.image.to(.int64)
        guard try raw.narrow(dim: 0, start: 0, length: 2).le(9).all().item() != 0,
              try raw.select(dim: 0, index: 2).le(2).all().item() != 0 else {
            throw DatasetError(.badFile, "Hi-UCD: \(path) holds codes outside 0…9 (classes) or 0…2 (change)")
        }
        func semantic(_ c: Int) throws -> Tensor {
            let v = try raw.select(dim: 0, index: c)
            return try Tensor.where(v .== 0, Double(Self.unlabelledClass), v - 1).to(.int64)
        }
        let ch = try raw.select(dim: 0, index: 2)
        let change = try Tensor.where(ch .== 0, Double(ChangeSample.ignoreIndex), ch - 1).to(.int64)
        return (change, try semantic(0), try semantic(1))
    }
}
