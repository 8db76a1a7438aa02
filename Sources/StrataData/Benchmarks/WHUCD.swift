import Foundation

/// WHU-CD (Ji, Wei, Lu 2019, WHU building change detection): aerial pairs of Christchurch (2012 / 2016, 0.3 m
/// resampled to 0.075 m × 4), building changes labelled 0/255, in the crops the change-detection literature trains on
/// (BIT / ChangeFormer / TinyCD: 256 × 256 PNG or TIFF crops).
///
/// Layouts (same file name in each folder): `<root>/{train,val,test}/{A,B,label}/*` or one flat set
/// `<root>/{A,B,label}/*` with split lists `<root>/list/{train,val,test}.txt`. Samples as `LEVIRCD`'s: `imageA`
/// (2012) and `imageB` (2016) float32 `[3, H, W]` 0…255, `change` int64 0/1.
public final class WHUCD: PairedChipDataset, @unchecked Sendable {
    static let downloadHint = """
        Download WHU-CD from https://gpcv.whu.edu.cn/data/building_dataset.html (or its 256 × 256 crops as used \
        by BIT / ChangeFormer) and lay it out as <root>/<split>/A, B, label or <root>/A, B, label with \
        list/<split>.txt split lists
        """

    public init(root: String, split: DatasetSplit = .all) throws {
        let folders = try PairedChipFolders.resolve(root: root, split: split, splits: [.train, .val, .test],
                                                    namings: [("A", "B", "label")], dataset: "WHU-CD",
                                                    hint: Self.downloadHint)
        super.init(root: root, split: split, name: "WHU-CD", folders: folders)
    }
}
