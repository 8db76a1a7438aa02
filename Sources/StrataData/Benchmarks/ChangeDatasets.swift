import Foundation

/// The bi-temporal (change-detection) datasets `task: change` opens by name.
public enum ChangeDatasets {
    /// Names as configs write them.
    public static let names = ["oscd", "levir-cd", "levir-cd+", "dsifn", "whu-cd"]

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
