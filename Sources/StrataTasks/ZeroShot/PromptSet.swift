import Foundation

/// The prompts of a zero-shot classifier: for every class (in the class set's order) the sentences whose text
/// embeddings are averaged into the class's embedding.
///
/// Built-in sets (`named(_:classes:)`):
/// - `generic`: "a centered satellite photo of {class}." — the one prompt SenCLIP's paper calls generic.
/// - `clip`: CLIP's three EuroSAT templates ("a centered satellite photo of {}.", "… of a {}.", "… of the {}.").
/// - `aerial`, `ground`: per-class descriptions of the class seen from above or photographed on the ground,
///   written for Strata in the style of SenCLIP's GPT-generated ensembles (EuroSAT and BigEarthNet-19 only).
/// A user file (`PromptFile`) gives templates, per-class sentences, or both.
public struct PromptSet: Sendable, Equatable {
    /// `generic`, `clip`, `aerial`, `ground`, or the file's name.
    public var name: String
    /// One list of sentences per class, each non-empty.
    public var prompts: [[String]]

    public init(name: String, prompts: [[String]]) {
        self.name = name
        self.prompts = prompts
    }

    /// CLIP's prompt templates for EuroSAT (openai/CLIP `data/prompts.md`).
    public static let clipTemplates = ["a centered satellite photo of {}.", "a centered satellite photo of a {}.",
                                       "a centered satellite photo of the {}."]
    /// The generic prompt of SenCLIP's Table 1.
    public static let genericTemplates = ["a centered satellite photo of {}."]
    /// The names `named(_:classes:)` knows.
    public static let builtInNames = ["generic", "clip", "aerial", "ground"]

    /// Every class's prompt names put into every template (`{}` is replaced by the name).
    public static func templates(_ templates: [String], classes: ZeroShotClassSet, name: String) throws -> PromptSet {
        guard !templates.isEmpty else { throw ZeroShotError("prompt set \(name): no templates") }
        for t in templates where !t.contains("{}") {
            throw ZeroShotError("prompt set \(name): template '\(t)' has no {} where the class name goes")
        }
        return PromptSet(name: name, prompts: classes.promptNames.map { n in
            templates.map { $0.replacingOccurrences(of: "{}", with: n) }
        })
    }

    /// A built-in set for `classes`. `aerial` and `ground` exist for the built-in class sets (EuroSAT,
    /// BigEarthNet-19) only; for other classes write a prompt file.
    public static func named(_ name: String, classes: ZeroShotClassSet) throws -> PromptSet {
        switch name.lowercased() {
        case "generic": return try templates(genericTemplates, classes: classes, name: "generic")
        case "clip": return try templates(clipTemplates, classes: classes, name: "clip")
        case "aerial", "ground":
            let table: [String: [String]]
            switch (classes.classNames, name.lowercased()) {
            case (ZeroShotClassSet.eurosat.classNames, "aerial"): table = ViewPrompts.eurosatAerial
            case (ZeroShotClassSet.eurosat.classNames, _): table = ViewPrompts.eurosatGround
            case (ZeroShotClassSet.bigEarthNet19.classNames, "aerial"): table = ViewPrompts.bigEarthNetAerial
            case (ZeroShotClassSet.bigEarthNet19.classNames, _): table = ViewPrompts.bigEarthNetGround
            default:
                throw ZeroShotError("the \(name) prompts exist for the eurosat and bigearthnet classes only; for the "
                    + "classes of \(classes.name) write a prompt file (classes + prompts per class, see docs/clip.md)")
            }
            return PromptSet(name: name.lowercased(), prompts: classes.classNames.map { table[$0]! })
        default:
            throw ZeroShotError("unknown prompt set '\(name)': use one of \(builtInNames.joined(separator: ", ")) "
                + "or a YAML prompt file")
        }
    }

    /// Checks one non-empty list per class.
    public func validate(classes: ZeroShotClassSet) throws {
        guard prompts.count == classes.classNames.count else {
            throw ZeroShotError("prompt set \(name): \(prompts.count) prompt lists for \(classes.classNames.count) "
                + "classes")
        }
        for (c, p) in prompts.enumerated() where p.isEmpty || p.contains(where: { $0.trimmingCharacters(
            in: .whitespaces).isEmpty }) {
            throw ZeroShotError("prompt set \(name): class '\(classes.classNames[c])' has no prompts or an empty one")
        }
    }

    /// Keeps, for each class, the prompts at the given indices (in that order).
    public func selecting(_ kept: [[Int]]) -> PromptSet {
        PromptSet(name: name, prompts: zip(prompts, kept).map { p, k in k.map { p[$0] } })
    }
}
