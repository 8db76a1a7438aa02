import Foundation

/// Plain Python pickle files (not `torch.save` archives) of index lists: a dict mapping names to sequences of
/// integers, such as DF4LCZ's split file (`patches_split/partition_random.npz` — a pickle despite its extension,
/// `{"train": […], "validation": […], "test": […]}`). Read by Strata's pickle interpreter, which runs no code.
///
/// A sequence may be a Python list or tuple of ints (or of NumPy integer scalars), or a 1-D NumPy integer array
/// pickled by any protocol (2: `_reconstruct` + state with latin-1 encoded bytes; 3/4: the same with raw bytes;
/// 5: `_frombuffer` with an in-band buffer), NumPy 1 (`numpy.core`) or 2 (`numpy._core`).
///
/// ```swift
/// let split = try PythonPickle.loadIndexLists("patches_split/partition_random.npz")
/// let train = split["train"]!
/// ```
public enum PythonPickle {
    /// The dict of index lists in the pickle file at `path`. Values that are not integer sequences are an error
    /// naming the key and the type found.
    public static func loadIndexLists(_ path: String) throws -> [String: [Int]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TorchError("pickle: no readable file at '\(path)'")
        }
        let source = "pickle '\(path)'"
        guard data.first == 0x80 || data.first == 0x28 || data.first == 0x7D else {
            let zip = data.prefix(2) == Data([0x50, 0x4B])
            let first = data.first.map { String($0) } ?? "none"
            throw TorchError("\(source) is not a Python pickle (it starts with byte \(first))"
                + (zip ? "; it is a zip archive (an .npz of arrays, not a pickled dict)" : ""))
        }
        var machine = PickleMachine([UInt8](data), source: source) { _ in
            throw TorchError("\(source): persistent ids (torch.save storages) are not expected in a plain pickle")
        }
        guard case .dict(let d) = try machine.run() else {
            throw TorchError("\(source) does not hold a dict; expected {name: [indices]}")
        }
        var out: [String: [Int]] = [:]
        for (k, v) in zip(d.keys, d.values) {
            guard let name = k.string else { throw TorchError("\(source): a key of type \(k.typeName), expected str") }
            guard let list = try integers(v, source: "\(source)['\(name)']") else {
                throw TorchError("\(source)['\(name)'] is a \(v.typeName); expected a list or 1-D integer array")
            }
            out[name] = list
        }
        return out
    }

    /// Writes `lists` as a protocol-2 pickle of a dict of Python lists of ints (what `pickle.load` returns as
    /// `{name: [ints]}`), atomically.
    public static func writeIndexLists(_ lists: [(String, [Int])], to path: String) throws {
        var w = PickleWriter()
        w.op(0x7D)  // EMPTY_DICT
        for (name, values) in lists {
            w.string(name)
            w.op(0x5D)  // EMPTY_LIST
            if !values.isEmpty {
                w.op(0x28)  // MARK
                for v in values { w.int(v) }
                w.op(0x65)  // APPENDS
            }
            w.op(0x73)  // SETITEM
        }
        w.op(0x2E)  // STOP
        try AtomicFile.write(Data(w.bytes), to: URL(fileURLWithPath: path))
    }

    // MARK: decoding NumPy

    static func integers(_ v: PyValue, source: String) throws -> [Int]? {
        if let items = v.elements {
            return try items.map { e -> Int in
                if let i = e.int { return i }
                if let s = try numpyScalar(e, source: source) { return s }
                throw TorchError("\(source): an element of type \(e.typeName); expected ints")
            }
        }
        guard case .object(let name, let args) = v else { return nil }
        switch unversioned(name) {
        case "multiarray._reconstruct":
            // args: (ndarray, (0,), b'b', state) — state = (version, shape, dtype, is_fortran, data)
            guard let state = args.last?.elements, state.count == 5, let shape = state[1].elements?.compactMap(\.int)
            else { throw TorchError("\(source): malformed pickled NumPy array") }
            guard case .bytes(let raw) = state[4] else {
                throw TorchError("\(source): a NumPy object array; expected an integer array")
            }
            return try decode(raw, dtype: state[2], count: shape.reduce(1, *), shape: shape, source: source)
        case "numeric._frombuffer":
            // args: (buffer, dtype, shape, order)
            guard args.count >= 3, case .bytes(let raw) = args[0], let shape = args[2].elements?.compactMap(\.int)
            else { throw TorchError("\(source): malformed pickled NumPy array (protocol 5)") }
            return try decode(raw, dtype: args[1], count: shape.reduce(1, *), shape: shape, source: source)
        default:
            return nil
        }
    }

    /// A NumPy integer scalar (`multiarray.scalar(dtype, bytes)`), or nil for anything else.
    static func numpyScalar(_ v: PyValue, source: String) throws -> Int? {
        guard case .object(let name, let args) = v, unversioned(name) == "multiarray.scalar", args.count >= 2,
              case .bytes(let raw) = args[1] else { return nil }
        return try decode(raw, dtype: args[0], count: 1, shape: [], source: source).first
    }

    /// `numpy.core.x` / `numpy._core.x` → `x`.
    static func unversioned(_ name: String) -> String {
        for p in ["numpy._core.", "numpy.core."] where name.hasPrefix(p) { return String(name.dropFirst(p.count)) }
        return name
    }

    /// Little- or big-endian integers of a pickled `numpy.dtype('i8', False, True)` (state `(3, '<', …)`).
    static func decode(_ raw: [UInt8], dtype: PyValue, count: Int, shape: [Int], source: String) throws -> [Int] {
        guard case .object(let name, let args) = dtype, name == "numpy.dtype", let code = args.first?.string,
              code.count >= 2, let size = Int(code.dropFirst()), [1, 2, 4, 8].contains(size) else {
            throw TorchError("\(source): unsupported NumPy dtype \(dtype.typeName)")
        }
        let kind = code.first!
        guard kind == "i" || kind == "u" else {
            throw TorchError("\(source): a NumPy '\(code)' array; expected integers (i1…i8, u1…u8)")
        }
        guard shape.count <= 1 else { throw TorchError("\(source): a \(shape.count)-D array; expected 1-D") }
        let order = args.last?.elements.flatMap { $0.count > 1 ? $0[1].string : nil } ?? "<"
        guard raw.count == count * size else {
            throw TorchError("\(source): \(raw.count) bytes for \(count) values of \(size) bytes")
        }
        return try (0..<count).map { i in
            var bytes = Array(raw[(i * size)..<((i + 1) * size)])
            if order == ">" { bytes.reverse() }
            var u: UInt64 = 0
            for (j, b) in bytes.enumerated() { u |= UInt64(b) << (8 * UInt64(j)) }
            if kind == "i" {
                let shift = UInt64(64 - 8 * size)
                return Int(Int64(bitPattern: u << shift) >> Int64(shift))
            }
            guard u <= UInt64(Int.max) else { throw TorchError("\(source): value \(u) overflows Int") }
            return Int(u)
        }
    }
}
