import Foundation

/// LEVIR-CD (Chen & Shi 2020): 637 Google Earth image pairs of 1024 × 1024 pixels at 0.5 m, Texas cities 2002–2018,
/// building changes labelled 0/255; and LEVIR-CD+ (985 pairs, train/test only). Read from the published files.
///
/// Layouts (RGB PNGs, same file name in each folder):
/// - the official downloads: `<root>/{train,val,test}/{A,B,label}/*.png` (LEVIR-CD+: `train`, `test`);
/// - the 256 × 256 crops of BIT / ChangeFormer (`LEVIR-CD256`): `<root>/{A,B,label}/*.png` with split lists
///   `<root>/list/{train,val,test}.txt` (7,120 / 1,024 / 2,048 crops).
///
/// Samples: `imageA` (2002-era date) and `imageB` as float32 `[3, H, W]` 0…255 (`ImageNetNormalization` gives the
/// usual model input), `change` int64 0/1. Images with no label (such as the side-by-side figure that ships with
/// ChangeFormer's samples) are not pairs; see `unlabelled`.
public final class LEVIRCD: PairedChipDataset, @unchecked Sendable {
    public enum Variant: String, Sendable, CaseIterable {
        /// LEVIR-CD: train / val / test.
        case levirCD = "levir-cd"
        /// LEVIR-CD+: train / test.
        case levirCDPlus = "levir-cd+"
    }

    public let variant: Variant

    static let downloadHint = """
        Download LEVIR-CD from https://justchenhao.github.io/LEVIR/ (or LEVIR-CD+ from \
        https://github.com/S2Looking/Dataset) and unzip it so that <root>/<split>/A, B and label exist, or point \
        the root at a folder of A/, B/, label/ crops with list/<split>.txt split lists
        """

    public init(root: String, split: DatasetSplit = .all, variant: Variant = .levirCD) throws {
        self.variant = variant
        let splits: [DatasetSplit] = variant == .levirCD ? [.train, .val, .test] : [.train, .test]
        let name = variant == .levirCD ? "LEVIR-CD" : "LEVIR-CD+"
        let folders = try PairedChipFolders.resolve(root: root, split: split, splits: splits,
                                                    namings: [("A", "B", "label")], dataset: name,
                                                    hint: Self.downloadHint)
        super.init(root: root, split: split, name: name, folders: folders)
    }
}
