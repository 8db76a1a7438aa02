import Foundation
import StrataGeo
import StrataTensor

/// A `ChangeChipDataset` seen as a `ChipDataset` of task `.change` on the one-tensor convention, so the one
/// `DataLoader` (workers, seeded order, per-sample transforms such as `PairAugmentation.chipTransform`) serves pairs:
/// each chip's `image` is the two dates stacked on channels `[2C, H, W]` (before first), its `mask` the change mask
/// `[H, W]` (collated into the batch's `label`), its georeference the pair's.
///
/// - `repeats`: each pair appears `repeats` times per epoch (index `i` is pair `i % base.count`), so random crops
///   of a few whole scenes (OSCD cities) make an epoch of many chips.
/// - `padTo`: pads images (with 0) and masks (with `ChangeSample.ignoreIndex`) at the bottom and right to multiples of
///   this side, so whole scenes of any size go through models that need multiples of 32; padded pixels are ignored
///   by the loss and the metrics.
/// - `cache`: keeps every pair in memory after its first read (scenes that take many warped reads, e.g. OSCD's 26
///   band files per city), both as read (`pair(at:)`) and as the stacked, padded chip `sample(at:)` returns, so a
///   repeated pair costs no copy: the chip's tensors are the cached ones (read-only by contract; transforms and
///   collation make new tensors). Without this, every random crop of a whole city first stacked (and converted)
///   the whole city: ~26 MB of copies per 64-pixel OSCD chip, most of `bench/change`'s data-loading time.
public final class ChangePairChips: ChipDataset, @unchecked Sendable {
    public let base: any ChangeChipDataset
    public let repeats: Int
    public let padTo: Int?
    /// Semantic change: the chip's mask is `[3, H, W]` (date 1 classes, date 2 classes, change), padded with
    /// `semanticIgnore` in the class planes; `classNames` are the semantic classes.
    public let semantic: Bool
    public let semanticIgnore: Int
    private let semanticClasses: [String]
    private let lock = NSLock()
    private var cached: [Int: ChangeSample]?
    private var stacked: [Int: ChipSample]?

    public init(_ base: any ChangeChipDataset, repeats: Int = 1, padTo: Int? = nil, cache: Bool = false,
                semanticClasses: [String]? = nil, semanticIgnore: Int = 255) throws {
        guard repeats >= 1 else {
            throw DatasetError(.invalidArgument, "ChangePairChips: repeats must be ≥ 1, got \(repeats)")
        }
        if let padTo, padTo < 1 { throw DatasetError(.invalidArgument, "ChangePairChips: padTo must be ≥ 1, got \(padTo)") }
        self.base = base
        self.repeats = repeats
        self.padTo = padTo
        semantic = semanticClasses != nil
        self.semanticClasses = semanticClasses ?? []
        self.semanticIgnore = semanticIgnore
        cached = cache ? [:] : nil
        stacked = cache ? [:] : nil
    }

    public var count: Int { base.count * repeats }
    public var classNames: [String] { semantic ? semanticClasses : ["no change", "change"] }
    /// One date's bands.
    public var bandNames: [String] { base.bandNames }
    public var task: TaskKind { semantic ? .semanticChange : .change }
    public func label(at index: Int) throws -> ChipLabel { try checkIndex(index); return .single(0) }
    public func id(at index: Int) -> String { base.id(at: index % max(1, base.count)) }

    /// Pair `index % base.count`, read once when caching.
    public func pair(at index: Int) throws -> ChangeSample {
        try checkIndex(index)
        let i = index % base.count
        lock.lock()
        let hit = cached?[i]
        lock.unlock()
        if let hit { return hit }
        let s = try base.sample(at: i)
        lock.lock()
        if cached != nil { cached![i] = s }
        lock.unlock()
        return s
    }

    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        let i = index % base.count
        lock.lock()
        let hit = stacked?[i]
        lock.unlock()
        if var hit {
            hit.index = index
            return hit
        }
        let s = try pair(at: index)
        let chip = try stack(s, index: index)
        guard stacked != nil else { return chip }
        // The cached pair's float32 dates become views of the stacked chip, so a pair is held in memory once.
        var shared = s
        if s.imageA.dtype == .float32, s.imageB.dtype == .float32, s.imageA.rank == 3 {
            let c = s.imageA.size(0), h = s.imageA.size(1), w = s.imageA.size(2)
            let date = { (start: Int) throws -> Tensor in
                try chip.image.narrow(dim: 0, start: start, length: c).narrow(dim: 1, start: 0, length: h)
                    .narrow(dim: 2, start: 0, length: w)
            }
            shared.imageA = try date(0)
            shared.imageB = try date(c)
        }
        lock.lock()
        stacked![i] = chip
        cached![i] = shared
        lock.unlock()
        return chip
    }

    /// The pair as one chip: dates stacked on channels (float32), padded to `padTo`, the mask planes stacked for
    /// semantic change.
    private func stack(_ s: ChangeSample, index: Int) throws -> ChipSample {
        var image = try Tensor.cat([s.imageA.to(.float32), s.imageB.to(.float32)], dim: 0)
        var mask = s.change
        if let p = padTo {
            let h = mask.size(0), w = mask.size(1)
            let ph = (p - h % p) % p, pw = (p - w % p) % p
            if ph > 0 || pw > 0 {
                image = try image.pad([0, pw, 0, ph], mode: .constant(0))
                mask = try mask.pad([0, pw, 0, ph], mode: .constant(Double(ChangeSample.ignoreIndex)))
                if semantic, let a = s.semanticA, let b = s.semanticB {
                    let sa = try a.pad([0, pw, 0, ph], mode: .constant(Double(semanticIgnore)))
                    let sb = try b.pad([0, pw, 0, ph], mode: .constant(Double(semanticIgnore)))
                    mask = try Tensor.stack([sa.to(.int64), sb.to(.int64), mask.to(.int64)])
                }
            }
        }
        if semantic && mask.rank == 2 {
            guard let a = s.semanticA, let b = s.semanticB else {
                throw DatasetError(.inconsistent, "pair \(s.id) has no semantic maps; semantic change needs a dataset "
                    + "with both dates' classes (SECOND, Hi-UCD)")
            }
            mask = try Tensor.stack([a.to(.int64), b.to(.int64), mask.to(.int64)])
        }
        return ChipSample(image: image, label: .single(0), mask: mask, georeference: s.georeference,
                          bandNames: base.bandNames + base.bandNames.map { "\($0)@2" }, index: index, id: s.id)
    }
}
