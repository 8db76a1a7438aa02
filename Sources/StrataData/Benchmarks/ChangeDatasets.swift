import Foundation

/// The bi-temporal (change-detection) datasets `task: change` opens by name.
public enum ChangeDatasets {
    /// Names as configs write them.
    public static let names = ["oscd", "levir-cd", "levir-cd+", "dsifn", "whu-cd"]
    /// The semantic-change datasets `task: semantic-change` opens by name.
    public static let semanticNames = ["second", "hiucd"]

    /// Opens a semantic-change dataset. `cities`: keep only pairs whose id starts with `<city>_` (the tiles
    /// `strata pseudo-labels` writes are named `<city>_<row>_<col>`), so a pseudo-labelled OSCD copy splits by city.
    public static func openSemantic(_ name: String, root: String, split: DatasetSplit,
                                    cities: [String]? = nil) throws -> any ChangeChipDataset {
        let base: any ChangeChipDataset
        switch name.lowercased() {
        case "second": base = try SECOND(root: root, split: split)
        case "hiucd", "hi-ucd": base = try HiUCD(root: root, split: split)
        default:
            throw DatasetError(.invalidArgument, "unknown semantic-change dataset '\(name)'; known: \(semanticNames.joined(separator: ", "))")
        }
        guard let cities else { return base }
        let keep = (0..<base.count).filter { i in cities.contains { base.id(at: i).hasPrefix($0 + "_") } }
        guard !keep.isEmpty else {
            throw DatasetError(.notFound, "\(name) at \(root): no pair's id starts with any of \(cities.map { $0 + "_" }); pairs are named like \(base.count > 0 ? base.id(at: 0) : "(none)")")
        }
        return ChangeSubset(base, indices: keep)
    }

    /// Opens `name` at `root` for `split`, or (OSCD) for the given `cities`.
    public static func open(_ name: String, root: String, split: DatasetSplit,
                            cities: [String]? = nil) throws -> any ChangeChipDataset {
        if cities != nil && name != "oscd" {
            throw DatasetError(.invalidArgument, "cities: only OSCD is split by city; \(name) has split lists "
                + "(data.train_cities / data.val_cities apply to dataset: oscd)")
        }
        switch name.lowercased() {
        case "oscd": return try OSCD(root: root, split: split, cities: cities)
        case "levir-cd": return try LEVIRCD(root: root, split: split)
        case "levir-cd+": return try LEVIRCD(root: root, split: split, variant: .levirCDPlus)
        case "dsifn": return try DSIFN(root: root, split: split)
        case "whu-cd": return try WHUCD(root: root, split: split)
        default:
            throw DatasetError(.invalidArgument, "unknown change dataset '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }
}

/// Some pairs of a change dataset, by index.
public final class ChangeSubset: ChangeChipDataset, @unchecked Sendable {
    public let base: any ChangeChipDataset
    public let indices: [Int]
    public init(_ base: any ChangeChipDataset, indices: [Int]) {
        self.base = base
        self.indices = indices
    }
    public var count: Int { indices.count }
    public var bandNames: [String] { base.bandNames }
    public func id(at index: Int) -> String { base.id(at: indices[index]) }
    public func sample(at index: Int) throws -> ChangeSample {
        guard index >= 0 && index < count else {
            throw DatasetError(.invalidArgument, "index \(index) is out of range 0..<\(count)")
        }
        var s = try base.sample(at: indices[index])
        s.index = index
        return s
    }
}

/// A change dataset whose samples pass through `transform` (re-encoding labels, e.g. SECOND's for ClearSCD).
public final class MappedChangeDataset: ChangeChipDataset, @unchecked Sendable {
    public let base: any ChangeChipDataset
    let transform: @Sendable (ChangeSample) throws -> ChangeSample
    public init(_ base: any ChangeChipDataset, transform: @escaping @Sendable (ChangeSample) throws -> ChangeSample) {
        self.base = base
        self.transform = transform
    }
    public var count: Int { base.count }
    public var bandNames: [String] { base.bandNames }
    public func id(at index: Int) -> String { base.id(at: index) }
    public func sample(at index: Int) throws -> ChangeSample { try transform(try base.sample(at: index)) }
}
