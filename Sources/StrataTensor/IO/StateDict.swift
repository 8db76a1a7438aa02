/// An ordered mapping from dotted names (`layer1.0.conv1.weight`, `bn.running_mean`) to tensors: what
/// `Module.stateDict()` returns, `Module.load(stateDict:)` takes, and `.pth`/safetensors files hold. Order is
/// preserved (PyTorch's `state_dict` is an `OrderedDict`); lookups by name are O(1).
public struct StateDict: Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(key: String, value: Tensor)] = []
    private var index: [String: Int] = [:]

    public init() {}
    /// Builds from pairs; a later duplicate key replaces the earlier value in place.
    public init(_ pairs: [(String, Tensor)]) {
        for (k, v) in pairs { self[k] = v }
    }
    public init(dictionaryLiteral elements: (String, Tensor)...) { self.init(elements) }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }
    public var values: [Tensor] { entries.map(\.value) }
    public func contains(_ key: String) -> Bool { index[key] != nil }

    public subscript(key: String) -> Tensor? {
        get { index[key].map { entries[$0].value } }
        set {
            if let i = index[key] {
                if let newValue { entries[i].value = newValue } else { remove(key) }
            } else if let newValue {
                index[key] = entries.count
                entries.append((key, newValue))
            }
        }
    }

    /// Removes an entry (keeping the order of the others); returns its tensor.
    @discardableResult
    public mutating func remove(_ key: String) -> Tensor? {
        guard let i = index[key] else { return nil }
        let v = entries.remove(at: i).value
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
        return v
    }

    /// The entries whose names start with `prefix` + ".", with that prefix removed (`model.` → the model's dict).
    public func scoped(_ prefix: String) -> StateDict {
        let p = prefix.hasSuffix(".") ? prefix : prefix + "."
        return StateDict(entries.filter { $0.key.hasPrefix(p) }.map { (String($0.key.dropFirst(p.count)), $0.value) })
    }
    /// The same entries with `prefix.` prepended to every name.
    public func prefixed(_ prefix: String) -> StateDict {
        let p = prefix.hasSuffix(".") ? prefix : prefix + "."
        return StateDict(entries.map { (p + $0.key, $0.value) })
    }
    /// Adds (or replaces) every entry of `other`.
    public mutating func merge(_ other: StateDict) {
        for (k, v) in other.entries { self[k] = v }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: Tensor)]> { entries.makeIterator() }
}
