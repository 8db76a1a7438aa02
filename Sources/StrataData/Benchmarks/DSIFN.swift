import Foundation

/// DSIFN-CD (Zhang et al. 2020, "A deeply supervised image fusion network for change detection"): Google Earth
/// image pairs of six Chinese cities, general land-cover change labelled 0/255. Read from the published files.
///
/// Layouts:
/// - the official release: `<root>/{train,val,test}/{t1,t2,mask}/` (512 × 512 JPEG images; PNG, or TIFF in the
///   test split, masks);
/// - the 256 × 256 crops of ChangeFormer (`DSIFN-CD-256`): `<root>/{A,B,label}/*.png` with split lists
///   `<root>/list/{train,val,test}.txt`.
///
/// Samples as `LEVIRCD`: `imageA` (t1) and `imageB` (t2) float32 `[3, H, W]` 0…255, `change` int64 0/1.
public final class DSIFN: PairedChipDataset, @unchecked Sendable {
    static let downloadHint = """
        Download DSIFN-CD from \
        https://github.com/GeoZcx/A-deeply-supervised-image-fusion-network-for-change-detection-in-remote-sensing-images \
        and unzip it so that <root>/<split>/t1, t2 and mask exist, or point the root at a folder of A/, B/, label/ \
        crops with list/<split>.txt split lists
        """

    public init(root: String, split: DatasetSplit = .all) throws {
        let folders = try PairedChipFolders.resolve(root: root, split: split, splits: [.train, .val, .test],
                                                    namings: [("A", "B", "label"), ("t1", "t2", "mask")],
                                                    dataset: "DSIFN-CD", hint: Self.downloadHint)
        super.init(root: root, split: split, name: "DSIFN-CD", folders: folders)
    }
}
