import Foundation
import StrataGeo
import StrataTensor

/// The pairs of a bi-temporal change dataset (OSCD cities, LEVIR-CD tiles…) cut into 2-date **series chips**
/// classified by how much of each chip changed: a `ChipDataset` of task `.classification` whose chips are
/// `[2·C, S, S]` float32, date-major (`NAME@1…` then `NAME@2…`, the `SeriesDataset` band naming that the temporal
/// models and `strata predict` read as a series of two dates), labelled from the pair's change mask:
/// - class 1 `changed` when more than `changedFraction` of the chip's labelled pixels are change,
/// - class 0 `unchanged` otherwise; chips without any labelled pixel are left out.
///
/// Chips are the non-overlapping `S × S` windows of a grid anchored at each pair's top-left corner and lying wholly
/// inside it (the bottom/right remainder narrower than `S` is not used). Every pair is read once, when the dataset is
/// opened (its labels decide which chips exist), and kept in memory.
public final class ChangedChipSeries: ChipDataset, @unchecked Sendable {
    public static let classes = ["unchanged", "changed"]

    /// A chip: pair `pair`, window at (`x`, `y`) pixels, and its label.
    public struct Chip: Sendable, Equatable {
        public let pair: Int, x: Int, y: Int
        public let changed: Bool
        /// Change pixels / labelled pixels of the chip.
        public let fraction: Double
    }

    public let base: any ChangeChipDataset
    public let chipSize: Int
    public let changedFraction: Double
    public let chips: [Chip]
    private let pairs: [ChangeSample]

    /// - Parameters:
    ///   - chipSize: the chip side `S` in pixels.
    ///   - changedFraction: a chip is `changed` when its share of change pixels (among labelled ones) exceeds this,
    ///     in [0, 1).
    public init(_ base: any ChangeChipDataset, chipSize: Int, changedFraction: Double) throws {
        guard chipSize >= 1 else {
            throw DatasetError(.invalidArgument, "ChangedChipSeries: chip size must be ≥ 1, got \(chipSize)")
        }
        guard changedFraction >= 0 && changedFraction < 1 else {
            throw DatasetError(.invalidArgument, "ChangedChipSeries: the changed fraction must be in [0, 1), got "
                + "\(changedFraction)")
        }
        self.base = base
        self.chipSize = chipSize
        self.changedFraction = changedFraction
        var pairs: [ChangeSample] = [], chips: [Chip] = []
        for p in 0..<base.count {
            let s = try base.sample(at: p)
            guard s.change.rank == 2 else {
                throw DatasetError(.inconsistent, "\(s.id): the change mask is \(s.change.shape), expected [H, W]")
            }
            let h = s.change.size(0), w = s.change.size(1)
            let labelled = try s.change.ne(Double(ChangeSample.ignoreIndex))
            let change = try s.change.eq(1)
            for y in stride(from: 0, through: h - chipSize, by: chipSize) {
                for x in stride(from: 0, through: w - chipSize, by: chipSize) {
                    func count(_ t: Tensor) throws -> Int {
                        try t.narrow(dim: 0, start: y, length: chipSize).narrow(dim: 1, start: x, length: chipSize)
                            .sum(dtype: .int64).itemInt()
                    }
                    let n = try count(labelled)
                    guard n > 0 else { continue }
                    let f = Double(try count(change)) / Double(n)
                    chips.append(Chip(pair: p, x: x, y: y, changed: f > changedFraction, fraction: f))
                }
            }
            pairs.append(s)
        }
        self.pairs = pairs
        self.chips = chips
    }

    public var count: Int { chips.count }
    public var classNames: [String] { Self.classes }
    /// `NAME@1 …`, then `NAME@2 …` (`SeriesDataset.seriesBandNames`).
    public var bandNames: [String] { SeriesDataset.seriesBandNames(base.bandNames, dates: 2) }
    public var task: TaskKind { .classification }

    public func label(at index: Int) throws -> ChipLabel {
        try checkIndex(index)
        return .single(chips[index].changed ? 1 : 0)
    }

    public func id(at index: Int) -> String {
        guard index >= 0 && index < count else { return "#\(index)" }
        let c = chips[index]
        return "\(pairs[c.pair].id)@\(c.x),\(c.y)"
    }

    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        let c = chips[index], s = pairs[c.pair]
        func crop(_ t: Tensor) throws -> Tensor {
            try t.narrow(dim: 1, start: c.y, length: chipSize).narrow(dim: 2, start: c.x, length: chipSize)
        }
        let image = try Tensor.cat([crop(s.imageA.to(.float32)), crop(s.imageB.to(.float32))], dim: 0)
        return ChipSample(image: image, label: .single(c.changed ? 1 : 0), georeference: chipGeoreference(c, s),
                          bandNames: bandNames, index: index, id: id(at: index))
    }

    /// The chip's bounds within the pair's (pixels of equal size across the pair's grid).
    private func chipGeoreference(_ c: Chip, _ s: ChangeSample) -> ChipGeoreference? {
        guard let g = s.georeference, let crs = g.crs else { return nil }
        let h = Double(s.change.size(0)), w = Double(s.change.size(1))
        let px = g.bounds.width / w, py = g.bounds.height / h
        let minX = g.bounds.minX + Double(c.x) * px, maxY = g.bounds.maxY - Double(c.y) * py
        return ChipGeoreference(crs: crs, bounds: BoundingBox(minX: minX, minY: maxY - Double(chipSize) * py,
                                                              maxX: minX + Double(chipSize) * px, maxY: maxY))
    }
}
