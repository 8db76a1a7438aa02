import StrataData

/// The classes of a zero-shot classifier: the names labels use (a dataset's class names, in label order) and the
/// names written into prompts (`"a centered satellite photo of {}"`).
public struct ZeroShotClassSet: Sendable, Equatable {
    /// A short identifier (`eurosat`, `bigearthnet`, or a file name).
    public var name: String
    /// Class names in label order (what a dataset's labels index into).
    public var classNames: [String]
    /// The text put into templates for each class (same order).
    public var promptNames: [String]

    public init(name: String, classNames: [String], promptNames: [String]? = nil) throws {
        let prompts = promptNames ?? classNames
        guard !classNames.isEmpty else { throw ZeroShotError("class set \(name): no classes") }
        guard prompts.count == classNames.count else {
            throw ZeroShotError("class set \(name): \(prompts.count) prompt names for \(classNames.count) classes")
        }
        guard Set(classNames).count == classNames.count else {
            throw ZeroShotError("class set \(name): class names repeat (\(classNames.joined(separator: ", ")))")
        }
        self.name = name
        self.classNames = classNames
        self.promptNames = prompts
    }

    /// EuroSAT's 10 classes in label (alphabetical) order, with the prompt names CoOp and SenCLIP use
    /// (`NEW_CNAMES_EUROSAT`: AnnualCrop → "Annual Crop Land", …).
    public static let eurosat = try! ZeroShotClassSet(
        name: "eurosat", classNames: EuroSAT.classNames,
        promptNames: ["Annual Crop Land", "Forest", "Herbaceous Vegetation Land", "Highway or Road",
                      "Industrial Buildings", "Pasture Land", "Permanent Crop Land", "Residential Buildings", "River",
                      "Sea or Lake"])

    /// BigEarthNet's 19-class nomenclature (TorchGeo's `class_sets[19]`, the names SenCLIP prompts with).
    public static let bigEarthNet19 = try! ZeroShotClassSet(name: "bigearthnet", classNames: BigEarthNetLabels.names19)

    /// The built-in sets by name: `eurosat`, `bigearthnet` (also `bigearthnet19`, `ben`).
    public static func named(_ name: String) -> ZeroShotClassSet? {
        switch name.lowercased() {
        case "eurosat": .eurosat
        case "bigearthnet", "bigearthnet19", "bigearthnet-19", "ben", "ben19": .bigEarthNet19
        default: nil
        }
    }
}

/// A zero-shot set-up that cannot work: names the problem and the fix.
public struct ZeroShotError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
