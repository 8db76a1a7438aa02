import Foundation
import Yams

/// A bad configuration: names the key (dotted path), what is wrong, and what is allowed.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A configuration tree read from YAML (maps, lists, scalars), with dotted-path overrides (`trainer.epochs=5`).
public struct ConfigTree: @unchecked Sendable {
    public var root: [String: Any]

    public init(_ root: [String: Any] = [:]) { self.root = root }

    public init(yaml: String, source: String = "config") throws {
        let parsed: Any?
        do { parsed = try Self.load(yaml) } catch let e as ConfigError {
            throw ConfigError("\(source): \(e.message)")
        } catch {
            throw ConfigError("\(source): not valid YAML: \(error)")
        }
        guard let map = parsed as? [String: Any] else {
            if parsed == nil { self.root = [:]; return }
            throw ConfigError("\(source): the top level must be a mapping of keys (e.g. `data:`, `model:`, `trainer:`)")
        }
        self.root = map
    }

    public init(file path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("config file '\(path)' not found (example configs are in configs/)")
        }
        try self.init(yaml: try String(contentsOfFile: path, encoding: .utf8), source: path)
    }

    /// Sets `path` (dotted) to `value`, creating maps on the way. The value text is parsed as a YAML scalar or
    /// flow collection (`5`, `1e-3`, `true`, `[B02, B03]`). Throws when a part of the path is empty (`.`, `a..b`,
    /// `a.`) or the value is not YAML.
    public mutating func set(_ path: String, yamlValue: String) throws {
        let keys = try Self.keys(of: path, override: "\(path)=\(yamlValue)")
        let value: Any
        do { value = try Self.load(yamlValue) ?? NSNull() } catch let e as ConfigError {
            throw ConfigError("override \(path)=\(yamlValue): \(e.message)")
        } catch {
            throw ConfigError("override \(path)=\(yamlValue): value is not valid YAML")
        }
        set(keys, value: value)
    }

    /// Sets `path` (dotted) to `value`, creating maps on the way. Empty parts of the path are skipped, and a path
    /// without any key changes nothing; `set(_:yamlValue:)` rejects such paths instead.
    public mutating func set(_ path: String, value: Any) {
        set(path.split(separator: ".").map(String.init), value: value)
    }

    private mutating func set(_ keys: [String], value: Any) {
        func go(_ map: [String: Any], _ keys: ArraySlice<String>) -> [String: Any] {
            guard let k = keys.first else { return map }
            var m = map
            if keys.count == 1 { m[k] = value } else { m[k] = go(m[k] as? [String: Any] ?? [:], keys.dropFirst()) }
            return m
        }
        root = go(root, keys[...])
    }

    /// The keys of a dotted override path, each non-empty.
    static func keys(of path: String, override: String) throws -> [String] {
        let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keys.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw ConfigError("override '\(override)': the key path '\(path)' has an empty part; "
                              + "write section.key=value (e.g. trainer.epochs=5)")
        }
        return keys
    }

    /// Applies `key=value` overrides (from `--set` flags).
    public mutating func apply(overrides: [String]) throws {
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw ConfigError("override '\(o)' must look like section.key=value (e.g. trainer.epochs=5)")
            }
            try set(String(o[..<eq]), yamlValue: String(o[o.index(after: eq)...]))
        }
    }

    public func reader() -> ConfigReader { ConfigReader(root, path: "") }

    /// Most values a YAML text may expand to once aliases are resolved. Yams builds every alias as a copy, so a
    /// few lines of anchors repeating anchors ("billion laughs") expand exponentially; configs hold hundreds.
    static let maxValues = 100_000

    /// `Yams.load`, after checking the expanded size (counted on the composed tree, stopping at the limit).
    static func load(_ text: String) throws -> Any? {
        guard let node = try Yams.compose(yaml: text) else { return nil }
        var count = 0
        var pending = [node]
        while let n = pending.popLast() {
            count += 1
            guard count <= maxValues else {
                throw ConfigError("the YAML expands to more than \(maxValues) values (anchors and aliases repeating "
                                  + "each other?); a config holds a few hundred")
            }
            switch n {
            case .mapping(let m):
                for (k, v) in m {
                    // Yams turns a mapping into a dictionary by force-unwrapping each key as a string: a key
                    // that is itself a list, mapping or alias (`? [a, b]: 1`) would trap, so refuse it here.
                    guard case .scalar = k else {
                        throw ConfigError("a YAML key must be a plain name, not a list, mapping or alias "
                                          + "(line \(k.mark?.line ?? 0)); config keys are words like `epochs`")
                    }
                    pending.append(k)
                    pending.append(v)
                }
            case .sequence(let q): pending.append(contentsOf: q)
            default: break
            }
        }
        return node.any
    }
}

/// Reads typed values out of one mapping of a `ConfigTree`, remembering which keys were read so that
/// `finish()` can reject unknown ones (typos) with the list of allowed keys.
public final class ConfigReader {
    public let path: String
    let map: [String: Any]
    private var known: [String] = []

    init(_ map: [String: Any], path: String) {
        self.map = map
        self.path = path
    }

    func full(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    public func has(_ key: String) -> Bool { map[key] != nil && !(map[key] is NSNull) }

    private func raw(_ key: String) -> Any? {
        known.append(key)
        let v = map[key]
        return v is NSNull ? nil : v
    }

    public func section(_ key: String) throws -> ConfigReader {
        guard let v = raw(key) else { return ConfigReader([:], path: full(key)) }
        guard let m = v as? [String: Any] else { throw ConfigError("\(full(key)): expected a mapping of keys, got \(Self.show(v))") }
        return ConfigReader(m, path: full(key))
    }

    public func string(_ key: String, default def: String? = nil, allowed: [String]? = nil) throws -> String? {
        guard let v = raw(key) else { return def }
        let s: String
        switch v {
        case let x as String: s = x
        case let x as Int: s = String(x)
        case let x as Double: s = String(x)
        case let x as Bool: s = String(x)
        default: throw ConfigError("\(full(key)): expected text, got \(Self.show(v))")
        }
        if let allowed, !allowed.contains(s.lowercased()) && !allowed.contains(s) {
            throw ConfigError("\(full(key)): '\(s)' is not allowed; allowed values: \(allowed.joined(separator: ", "))")
        }
        return allowed == nil ? s : (allowed!.contains(s) ? s : s.lowercased())
    }

    public func requiredString(_ key: String, allowed: [String]? = nil, hint: String = "") throws -> String {
        guard let s = try string(key, allowed: allowed) else {
            let allowedText = allowed.map { "; allowed values: \($0.joined(separator: ", "))" } ?? ""
            throw ConfigError("\(full(key)) is required\(allowedText)\(hint.isEmpty ? "" : " (\(hint))")")
        }
        return s
    }

    public func int(_ key: String, default def: Int? = nil, min lo: Int? = nil, max hi: Int? = nil) throws -> Int? {
        guard let v = raw(key) else { return def }
        let i: Int
        switch v {
        case let x as Int: i = x
        case let x as Double where x.isFinite && x == x.rounded():
            // Int(x) traps beyond Int's range (1e30); such a count or size is never meant.
            guard let exact = Int(exactly: x) else {
                let limit = x > 0 ? hi.map { " (maximum \($0))" } : lo.map { " (minimum \($0))" }
                throw ConfigError("\(full(key)): \(x) is out of range for a whole number\(limit ?? "")")
            }
            i = exact
        case let x as Double where !x.isFinite:
            throw ConfigError("\(full(key)): expected a whole number, got \(x) (infinite or not a number)")
        default: throw ConfigError("\(full(key)): expected a whole number, got \(Self.show(v))")
        }
        if let lo, i < lo { throw ConfigError("\(full(key)): \(i) is too small (minimum \(lo))") }
        if let hi, i > hi { throw ConfigError("\(full(key)): \(i) is too large (maximum \(hi))") }
        return i
    }

    public func double(_ key: String, default def: Double? = nil, min lo: Double? = nil, max hi: Double? = nil) throws -> Double? {
        guard let v = raw(key) else { return def }
        let d: Double
        switch v {
        case let x as Double: d = x
        case let x as Int: d = Double(x)
        case let x as String where Double(x) != nil: d = Double(x)!
        default: throw ConfigError("\(full(key)): expected a number, got \(Self.show(v))")
        }
        guard d.isFinite else { throw ConfigError("\(full(key)): must be a finite number") }
        if let lo, d < lo { throw ConfigError("\(full(key)): \(d) is too small (minimum \(lo))") }
        if let hi, d > hi { throw ConfigError("\(full(key)): \(d) is too large (maximum \(hi))") }
        return d
    }

    public func bool(_ key: String, default def: Bool? = nil) throws -> Bool? {
        guard let v = raw(key) else { return def }
        guard let b = v as? Bool else { throw ConfigError("\(full(key)): expected true or false, got \(Self.show(v))") }
        return b
    }

    public func strings(_ key: String, default def: [String]? = nil) throws -> [String]? {
        guard let v = raw(key) else { return def }
        if let s = v as? String { return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard let a = v as? [Any] else { throw ConfigError("\(full(key)): expected a list, got \(Self.show(v))") }
        return try a.map { e in
            if let s = e as? String { return s }
            if let i = e as? Int { return String(i) }
            throw ConfigError("\(full(key)): list entries must be text, got \(Self.show(e))")
        }
    }

    public func doubles(_ key: String, default def: [Double]? = nil) throws -> [Double]? {
        guard let v = raw(key) else { return def }
        guard let a = v as? [Any] else { throw ConfigError("\(full(key)): expected a list of numbers, got \(Self.show(v))") }
        return try a.map { e in
            if let d = e as? Double {
                guard d.isFinite else {
                    throw ConfigError("\(full(key)): list entries must be finite numbers, got \(d)")
                }
                return d
            }
            if let i = e as? Int { return Double(i) }
            throw ConfigError("\(full(key)): list entries must be numbers, got \(Self.show(e))")
        }
    }

    public func ints(_ key: String, default def: [Int]? = nil) throws -> [Int]? {
        guard let v = raw(key) else { return def }
        if let i = v as? Int { return [i] }
        guard let a = v as? [Any] else { throw ConfigError("\(full(key)): expected a list of whole numbers, got \(Self.show(v))") }
        return try a.map { e in
            guard let i = e as? Int else { throw ConfigError("\(full(key)): list entries must be whole numbers, got \(Self.show(e))") }
            return i
        }
    }

    /// A free-form mapping of text to text (e.g. a class map); values must be scalars.
    public func stringMap(_ key: String) throws -> [String: String]? {
        guard let v = raw(key) else { return nil }
        guard let m = v as? [String: Any] else { throw ConfigError("\(full(key)): expected a mapping, got \(Self.show(v))") }
        return m.mapValues { "\($0)" }
    }

    /// Throws for keys that were never read: a misspelt or unsupported key, naming the allowed ones.
    public func finish() throws {
        let unknown = map.keys.filter { !known.contains($0) }.sorted()
        guard let bad = unknown.first else { return }
        let allowed = Array(Set(known)).sorted()
        let suggestion = allowed.min { Self.distance($0, bad) < Self.distance($1, bad) }
            .flatMap { Self.distance($0, bad) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
        throw ConfigError("unknown key '\(full(bad))'\(suggestion); allowed keys\(path.isEmpty ? "" : " in \(path)"): \(allowed.joined(separator: ", "))")
    }

    static func show(_ v: Any) -> String {
        switch v {
        case let s as String: return "'\(s)'"
        case is [Any]: return "a list"
        case is [String: Any]: return "a mapping"
        default: return "\(v)"
        }
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}
