import Foundation

/// A user's zero-shot classes and prompts, read from YAML:
///
/// ```yaml
/// classes:                       # label order; a name, or {name: prompt text} to prompt with other words
///   - Forest
///   - AnnualCrop: annual crop land
/// templates:                     # optional: every class's prompt text put into each ({} = the text)
///   - "a centered satellite photo of {}."
/// prompts:                       # optional: sentences per class (keys = class names)
///   Forest: ["Aerial view of a dense tree canopy.", "Satellite photo of woodland."]
/// ```
///
/// A class's prompts are its sentences plus the templates filled with its text; every class needs at least one.
/// A file with `prompts`/`templates` but no `classes` gives prompts for a built-in class set (`--classes eurosat
/// --prompts my.yaml`), keyed by that set's class names. Unknown keys are rejected.
public struct PromptFile: Sendable {
    public var classes: ZeroShotClassSet?
    public var templates: [String]
    public var sentences: [String: [String]]
    public let path: String

    public init(path: String) throws {
        let tree = try ConfigTree(file: path)
        let allowed: Set<String> = ["classes", "templates", "prompts"]
        if let bad = tree.root.keys.first(where: { !allowed.contains($0) }) {
            throw ZeroShotError("\(path): unknown key '\(bad)'; a prompt file has classes, templates and prompts")
        }
        self.path = path
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if let raw = tree.root["classes"] {
            guard let list = raw as? [Any], !list.isEmpty else {
                throw ZeroShotError("\(path): classes must be a non-empty list of names (or {name: prompt text})")
            }
            var names: [String] = [], texts: [String] = []
            for item in list {
                if let s = Self.scalar(item) {
                    names.append(s); texts.append(s)
                } else if let m = item as? [String: Any], m.count == 1, let (k, v) = m.first, let t = Self.scalar(v) {
                    names.append(k); texts.append(t)
                } else {
                    throw ZeroShotError("\(path): each class is a name or a one-entry mapping name: prompt text, got "
                        + "\(item)")
                }
            }
            classes = try ZeroShotClassSet(name: stem, classNames: names, promptNames: texts)
        } else {
            classes = nil
        }
        if let raw = tree.root["templates"] {
            guard let list = raw as? [Any], let t = Optional(list.compactMap(Self.scalar)), t.count == list.count else {
                throw ZeroShotError("\(path): templates must be a list of strings containing {}")
            }
            templates = t
        } else {
            templates = []
        }
        var sentences: [String: [String]] = [:]
        if let raw = tree.root["prompts"] {
            guard let map = raw as? [String: Any] else {
                throw ZeroShotError("\(path): prompts must map class names to lists of sentences")
            }
            for (k, v) in map {
                if let s = Self.scalar(v) { sentences[k] = [s]; continue }
                guard let list = v as? [Any], case let s = list.compactMap(Self.scalar), s.count == list.count else {
                    throw ZeroShotError("\(path): prompts.\(k) must be a list of sentences")
                }
                sentences[k] = s
            }
        }
        self.sentences = sentences
        if templates.isEmpty && sentences.isEmpty && classes == nil {
            throw ZeroShotError("\(path): no classes, templates or prompts")
        }
    }

    static func scalar(_ v: Any) -> String? {
        switch v {
        case let s as String: s
        case let i as Int: String(i)
        case let d as Double: String(d)
        default: nil
        }
    }

    /// The prompts for `classes` (the file's own classes, or a built-in set): sentences + filled templates.
    /// Throws naming a class without prompts, or a `prompts` key that is no class.
    public func promptSet(for classes: ZeroShotClassSet) throws -> PromptSet {
        let known = Set(classes.classNames)
        if let stray = sentences.keys.sorted().first(where: { !known.contains($0) }) {
            throw ZeroShotError("\(path): prompts for '\(stray)', which is not one of the classes ("
                + classes.classNames.joined(separator: ", ") + ")")
        }
        let filled = templates.isEmpty ? nil : try PromptSet.templates(templates, classes: classes, name: "")
        let prompts = classes.classNames.enumerated().map { c, name in
            (sentences[name] ?? []) + (filled?.prompts[c] ?? [])
        }
        let set = PromptSet(name: ((path as NSString).lastPathComponent as NSString).deletingPathExtension,
                            prompts: prompts)
        if let c = prompts.firstIndex(where: \.isEmpty) {
            let name = classes.classNames[c]
            throw ZeroShotError("\(path): class '\(name)' has no prompts; add prompts.\(name) or templates")
        }
        try set.validate(classes: classes)
        return set
    }
}
