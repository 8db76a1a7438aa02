import CTorch
import Foundation

/// `.pt`/`.pth` files in `torch.save`'s zip + pickle format, read and written by libtorch's own pickler.
public enum TorchPickle {
    /// Loads a dict of tensors written by Python's `torch.save(model.state_dict(), path)` (or a dict whose nested
    /// dicts hold tensors, flattened with dotted names: `{"model": {...}}` → `model.conv.weight`). Entries that
    /// are not tensors (ints, strings, `_metadata`) are skipped. The order is the file's order.
    ///
    /// ```swift
    /// let sd = try TorchPickle.load("resnet18.pth")
    /// try model.load(stateDict: sd)
    /// ```
    public static func load(_ path: String) throws -> StateDict {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TorchError("TorchPickle.load: no file at '\(path)'")
        }
        guard let d = ct_pickle_load_dict(path) else {
            throw TorchError.last("TorchPickle.load('\(path)') (expected a state_dict written by torch.save)")
        }
        defer { ct_dict_free(d) }
        var out = StateDict()
        for i in 0..<ct_dict_len(d) {
            let key = String(cString: ct_dict_key(d, i))
            out[key] = Tensor(handle: ct_dict_tensor(d, i))
        }
        return out
    }

    /// The entries of a `.pth` file as ordered pairs.
    public static func loadPairs(_ path: String) throws -> [(String, Tensor)] {
        try load(path).entries.map { ($0.key, $0.value) }
    }

    /// Writes a dict of tensors in `torch.save`'s format (Python's `torch.load(path)` returns a `dict` of tensors).
    /// Tensors are detached first; the file appears atomically (written to a temporary name, then renamed).
    public static func save(_ stateDict: StateDict, to path: String) throws {
        let tensors = try stateDict.values.map { try $0.detached() }
        let keys = stateDict.keys
        let url = URL(fileURLWithPath: path)
        let tmpURL = AtomicFile.temporaryURL(for: url)
        let tmp = tmpURL.path
        do {
            let cKeys: [UnsafeMutablePointer<CChar>?] = keys.map { strdup($0) }
            defer { cKeys.forEach { free($0) } }
            let keyPtrs: [UnsafePointer<CChar>?] = cKeys.map { UnsafePointer($0) }
            let handles: [OpaquePointer?] = tensors.map { $0.handle }
            let status = ct_pickle_save_dict(tmp, keyPtrs, handles, Int32(handles.count))
            withExtendedLifetime(tensors) {}
            try check(status, "TorchPickle.save('\(path)')")
            try AtomicFile.replace(url, with: tmpURL)
        } catch {
            try? FileManager.default.removeItem(at: tmpURL)
            throw error
        }
    }
}
