import CTorch
import Foundation

/// `.pt`/`.pth` files in `torch.save`'s zip + pickle format, read and written by libtorch's own pickler.
public enum TorchPickle {
    /// Loads the tensors of a file written by Python's `torch.save(model.state_dict(), path)` — or of any nested
    /// dicts/lists holding tensors, flattened with dotted names (`{"model": {...}}` → `model.conv.weight`,
    /// `{"state": {0: {...}}}` → `state.0.exp_avg`). Objects restored with a dict state contribute that dict's
    /// tensors under the object's name — so a TorchScript archive (`torch.jit.save`) yields its modules'
    /// parameters and buffers as `visual.conv1.weight`, …, non-persistent buffers included. Entries that are not
    /// tensors (ints, strings, `_metadata`, other objects) are skipped. The order is the file's order. The archive
    /// is read with libtorch's zip reader and the pickle by Strata's interpreter, which only rebuilds tensors and
    /// containers (no code runs).
    ///
    /// ```swift
    /// let sd = try TorchPickle.load("resnet18.pth")
    /// try model.load(stateDict: sd)
    /// ```
    public static func load(_ path: String) throws -> StateDict {
        var out = StateDict()
        flatten(try loadValue(path), prefix: "", into: &out)
        return out
    }

    /// The unpickled object of a torch.save archive (tensors rebuilt from its storage records).
    static func loadValue(_ path: String) throws -> PyValue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TorchError("TorchPickle.load: no file at '\(path)'")
        }
        guard let zip = ct_zip_open(path) else {
            let legacy = (try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped).prefix(2)) == Data([0x80, 0x02])
            throw TorchError.last(legacy
                ? "TorchPickle.load('\(path)'): a legacy (pre-1.6) torch.save file; re-save it with a current PyTorch"
                : "TorchPickle.load('\(path)'): not a torch.save zip archive")
        }
        defer { ct_zip_close(zip) }
        func record(_ name: String) throws -> Tensor {
            Tensor(handle: try check(ct_zip_record(zip, name), "TorchPickle.load('\(path)'): record \(name)"))
        }
        if ct_zip_has_record(zip, "byteorder") == 1 {
            let order = String(decoding: try record("byteorder").toArray(UInt8.self), as: UTF8.self)
            guard order == "little" else {
                throw TorchError("TorchPickle.load('\(path)'): tensors stored \(order)-endian; only little-endian files are supported")
            }
        }
        let pickle = try record("data.pkl").toArray(UInt8.self)
        var storages: [String: Tensor] = [:]
        var machine = PickleMachine(pickle, source: "TorchPickle.load('\(path)')") { pid in
            // ("storage", torch.<Type>Storage, key, location, numel)
            guard let t = pid.elements, t.count >= 5, t[0].string == "storage", case .global(let type) = t[1],
                  let key = t[2].string, let numel = t[4].int else {
                throw TorchError("TorchPickle.load('\(path)'): unsupported persistent id \(pid.typeName)")
            }
            if let s = storages[key] { return .tensor(s) }
            guard let dtype = storageDType(type) else {
                throw TorchError("TorchPickle.load('\(path)'): unsupported storage type \(type)")
            }
            let (n, overflow) = numel.multipliedReportingOverflow(by: dtype.byteSize)
            guard numel >= 0, !overflow else {
                throw TorchError("TorchPickle.load('\(path)'): storage \(key) claims \(numel) elements")
            }
            let bytes = try record("data/\(key)")
            guard bytes.count >= n else {
                throw TorchError("TorchPickle.load('\(path)'): storage \(key) has \(bytes.count) bytes, expected \(n)")
            }
            let raw = bytes.count == n ? bytes : try narrowOp.tensor([.tensor(bytes), 0, 0, .int(n)])
            let s = dtype == .uint8 ? raw : try viewDtypeOp.tensor([.tensor(raw), .dtype(dtype)])
            storages[key] = s
            return .tensor(s)
        }
        return try machine.run()
    }

    static let narrowOp = Op("aten::narrow"), viewDtypeOp = Op("aten::view", "dtype")

    static func storageDType(_ type: String) -> DType? {
        switch type.split(separator: ".").last.map(String.init) ?? type {
        case "FloatStorage": .float32
        case "DoubleStorage": .float64
        case "HalfStorage": .float16
        case "BFloat16Storage": .bfloat16
        case "LongStorage": .int64
        case "IntStorage": .int32
        case "ShortStorage": .int16
        case "CharStorage": .int8
        case "ByteStorage", "UntypedStorage": .uint8
        case "BoolStorage": .bool
        default: nil
        }
    }

    /// Tensors of nested dicts/lists with dotted names (dict keys, list positions); other leaves are skipped.
    static func flatten(_ v: PyValue, prefix: String, into out: inout StateDict) {
        func join(_ k: String) -> String { prefix.isEmpty ? k : "\(prefix).\(k)" }
        switch v {
        case .tensor(let t): out[prefix] = t
        case .dict(let d):
            for (k, val) in zip(d.keys, d.values) {
                switch k {
                case .string(let s): flatten(val, prefix: join(s), into: &out)
                case .int(let i): flatten(val, prefix: join(String(i)), into: &out)
                default: continue
                }
            }
        case .list, .tuple:
            for (i, e) in (v.elements ?? []).enumerated() { flatten(e, prefix: join(String(i)), into: &out) }
        case .object(_, let args):
            // An object's attribute dict (pickle BUILD state), e.g. a TorchScript module's parameters, buffers
            // and submodules under their attribute names.
            if let state = args.last, case .dict = state { flatten(state, prefix: prefix, into: &out) }
        default: break
        }
    }

    /// The entries of a `.pth` file as ordered pairs.
    public static func loadPairs(_ path: String) throws -> [(String, Tensor)] {
        try load(path).entries.map { ($0.key, $0.value) }
    }

    /// Writes a dict of tensors in `torch.save`'s format: Python's `torch.load(path)` (default `weights_only=True`)
    /// returns an `OrderedDict` of contiguous CPU tensors, as for a saved `state_dict()`. Tensors are detached first;
    /// the file appears atomically (written to a temporary name, then renamed).
    public static func save(_ stateDict: StateDict, to path: String) throws {
        let entries = stateDict.entries
        var pickle = PickleWriter()
        try pickle.stateDict(entries.map { ($0.key, $0.value.shape, $0.value.dtype) })
        let url = URL(fileURLWithPath: path)
        let tmpURL = AtomicFile.temporaryURL(for: url)
        guard let w = ct_zip_writer_open(tmpURL.path) else { throw TorchError.last("TorchPickle.save('\(path)')") }
        var finished = false
        defer {
            if !finished { ct_zip_writer_abort(w); try? FileManager.default.removeItem(at: tmpURL) }
        }
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try check(bytes.withUnsafeBytes { ct_zip_write_record(w, name, $0.baseAddress, $0.count) }, "TorchPickle.save('\(path)')")
        }
        try write("data.pkl", pickle.bytes)
        try write(".format_version", Array("1".utf8))
        try write(".storage_alignment", Array("64".utf8))
        try write("byteorder", Array("little".utf8))
        for (i, e) in entries.enumerated() {
            try check(ct_zip_write_tensor(w, "data/\(i)", e.value.handle), "TorchPickle.save('\(path)'): \(e.key)")
        }
        finished = true
        do {
            try check(ct_zip_writer_finish(w), "TorchPickle.save('\(path)')")
            try AtomicFile.replace(url, with: tmpURL)
        } catch {
            try? FileManager.default.removeItem(at: tmpURL)
            throw error
        }
    }
}
