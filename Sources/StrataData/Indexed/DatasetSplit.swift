/// Which part of a dataset to use.
public enum DatasetSplit: String, Sendable, CaseIterable {
    case train, val, test
    /// Every chip, ignoring split files.
    case all

    /// Parses `train`/`training`, `val`/`validation`, `test`/`testing`, `all`.
    public init?(name: String) {
        switch name.lowercased() {
        case "train", "training": self = .train
        case "val", "valid", "validation": self = .val
        case "test", "testing": self = .test
        case "all": self = .all
        default: return nil
        }
    }
}

/// Fractions of a seeded stratified split (used when a dataset has no official split files).
public struct SplitFractions: Hashable, Sendable, CustomStringConvertible {
    public let train: Double, val: Double, test: Double

    /// Each fraction in [0, 1]; they must sum to 1 (within 1e-6).
    public init(train: Double, val: Double, test: Double) throws {
        for (n, v) in [("train", train), ("val", val), ("test", test)] where !(v >= 0 && v <= 1) {
            throw DatasetError(.invalidArgument, "split fraction \(n) = \(v) must lie in [0, 1]")
        }
        guard abs(train + val + test - 1) <= 1e-6 else {
            throw DatasetError(.invalidArgument, "split fractions train \(train) + val \(val) + test \(test) = \(train + val + test); they must sum to 1")
        }
        self.train = train; self.val = val; self.test = test
    }

    /// 60 % / 20 % / 20 % (TorchGeo's EuroSAT proportions).
    public static let standard = try! SplitFractions(train: 0.6, val: 0.2, test: 0.2)

    public var description: String { "train \(train) / val \(val) / test \(test)" }
}

/// A seeded stratified split: every class is divided in the same proportions.
public enum StratifiedSplit {
    /// Assigns each item to train, val or test.
    ///
    /// Items are grouped by `strata` (e.g. class index); within a group, in index order, they are shuffled by a
    /// generator seeded from `seed` and the group's key, and the first ⌊n·train⌉ go to train, the next ⌊n·val⌉ to
    /// val and the rest to test, where the rounding hands out the leftover items by largest remainder (ties go to
    /// train, then val). The result depends only on `strata`, `fractions` and `seed`.
    public static func assign(strata: [Int], fractions: SplitFractions, seed: UInt64) -> [DatasetSplit] {
        var groups: [Int: [Int]] = [:]
        for (i, k) in strata.enumerated() { groups[k, default: []].append(i) }
        var out = [DatasetSplit](repeating: .train, count: strata.count)
        for key in groups.keys.sorted() {
            var items = groups[key]!
            var g = ChipRandom.Generator(seed: ChipRandom.mix([seed, 0x5350_4C49_54, UInt64(bitPattern: Int64(key))]))
            g.shuffle(&items)
            let counts = quotas(items.count, fractions)
            for (j, i) in items.enumerated() {
                out[i] = j < counts.0 ? .train : j < counts.0 + counts.1 ? .val : .test
            }
        }
        return out
    }

    /// The indices of `split` under `assign(strata:fractions:seed:)`, ascending (`.all`: every index).
    public static func indices(of split: DatasetSplit, strata: [Int], fractions: SplitFractions, seed: UInt64) -> [Int] {
        if split == .all { return Array(strata.indices) }
        return assign(strata: strata, fractions: fractions, seed: seed).enumerated().filter { $0.element == split }.map(\.offset)
    }

    /// The stratum of each label: its class for single labels; for multi-label chips the rarest class present
    /// (the usual approximation of multi-label stratification), -1 when no class is present.
    public static func strata(of labels: [ChipLabel]) -> [Int] {
        var freq: [Int: Int] = [:]
        for l in labels { for c in l.classes { freq[c, default: 0] += 1 } }
        return labels.map { l in
            switch l {
            case .single(let c): return c
            case .multiple(let cs):
                return cs.min { (freq[$0]!, $0) < (freq[$1]!, $1) } ?? -1
            }
        }
    }

    /// Train/val/test counts of a group of `n` (largest-remainder rounding).
    static func quotas(_ n: Int, _ f: SplitFractions) -> (Int, Int, Int) {
        let exact = [Double(n) * f.train, Double(n) * f.val, Double(n) * f.test]
        var counts = exact.map { Int($0.rounded(.down)) }
        var left = n - counts.reduce(0, +)
        let order = (0..<3).sorted { (exact[$0] - Double(counts[$0]), -$0) > (exact[$1] - Double(counts[$1]), -$1) }
        var k = 0
        while left > 0 {
            let c = order[k % 3]
            if [f.train, f.val, f.test][c] > 0 { counts[c] += 1; left -= 1 }
            k += 1
        }
        return (counts[0], counts[1], counts[2])
    }
}
