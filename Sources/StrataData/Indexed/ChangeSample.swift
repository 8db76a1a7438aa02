import StrataGeo
import StrataTensor

/// One bi-temporal sample for change detection: the same place at two dates, with its change mask and — for
/// semantic change detection — each date's land-cover map.
///
/// Conventions shared by every change dataset in Strata:
/// - `imageA` is the earlier date ("before", TinyCD's `ref`, ClearSCD's `img_A`), `imageB` the later one; both
///   `[C, H, W]` float32 holding the file's values (8-bit chips: 0…255, not rescaled; see `ImageNetNormalization`).
/// - `change` is `[H, W]` int64: 0 = unchanged, 1 = changed, `ChangeSample.ignoreIndex` (255) = unlabelled.
/// - `semanticA` / `semanticB` (when the dataset has them) are `[H, W]` int64 class indices, with the dataset's own
///   no-data code (SECOND: 0 = no change; Hi-UCD as ClearSCD encodes it: 9 = unlabelled).
public struct ChangeSample: Sendable {
    /// The value marking unlabelled change pixels (ClearSCD's and the BCE/Dice losses' `ignore_index`).
    public static let ignoreIndex = 255

    public var imageA: Tensor
    public var imageB: Tensor
    public var change: Tensor
    public var semanticA: Tensor?
    public var semanticB: Tensor?
    /// Where the pair lies (nil for PNG chips without georeferencing).
    public var georeference: ChipGeoreference?
    /// Names of the image channels (the same for both dates).
    public var bandNames: [String]
    /// Position in its dataset.
    public var index: Int
    /// A stable name (the chip's file name without extension).
    public var id: String

    public init(imageA: Tensor, imageB: Tensor, change: Tensor, semanticA: Tensor? = nil, semanticB: Tensor? = nil,
                georeference: ChipGeoreference? = nil, bandNames: [String], index: Int, id: String) {
        self.imageA = imageA; self.imageB = imageB; self.change = change
        self.semanticA = semanticA; self.semanticB = semanticB; self.georeference = georeference
        self.bandNames = bandNames; self.index = index; self.id = id
    }
}

/// A dataset of fixed bi-temporal chips addressed by index (LEVIR-CD, DSIFN, …). Conformers are immutable and
/// safe to read from several threads (every read opens its own GDAL handles).
public protocol ChangeChipDataset: AnyObject, Sendable {
    /// Number of pairs.
    var count: Int { get }
    /// Names of the image channels.
    var bandNames: [String] { get }
    /// A stable name of pair `index`.
    func id(at index: Int) -> String
    /// Reads pair `index`. Throws a `DatasetError` naming the files when they cannot be read.
    func sample(at index: Int) throws -> ChangeSample
}
