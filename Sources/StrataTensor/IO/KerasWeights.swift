import Foundation
/// One Keras layer's weights from an HDF5 weights file, in the file's own order (`weight_names`).
public struct KerasLayerWeights: Sendable {
    /// The layer name as stored (`conv2d_5`).
    public let name: String
    /// `(weight name without layer prefix and ":0" suffix, array)`, e.g. `("kernel", [3, 3, 10, 16])`.
    public let weights: [(name: String, tensor: Tensor)]

    /// The array named `name` (`kernel`, `bias`, `gamma`, `moving_mean`, …).
    public func weight(_ name: String) throws -> Tensor {
        guard let w = weights.first(where: { $0.name == name }) else {
            throw HDF5Error("Keras layer \(self.name) has no weight '\(name)' (it has \(weights.map(\.name)))")
        }
        return w.tensor
    }
}

/// Reads Keras 2 HDF5 weights — files from `model.save_weights(…h5)` (root attribute `layer_names`) and full
/// `model.save(…h5)` files (the same under `/model_weights`). Arrays keep Keras layouts (conv kernels HWIO,
/// dense kernels `[in, out]`); converting them is the model's job.
public enum KerasWeights {
    /// The layers that have weights, in the file's `layer_names` order: Keras's topological order, which is how
    /// `model.load_weights` pairs them with a model's layers.
    ///
    /// The file is parsed in a child process (`IsolatedProcess`): weights files come from the internet, and libhdf5
    /// can crash on corrupt ones (a use-after-free in `H5Aexists`, found by `make fuzz`); here that becomes an error
    /// naming the file instead of ending the caller's process.
    public static func read(_ path: String) throws -> [KerasLayerWeights] { try read(path, childEnvironment: [:]) }

    static func read(_ path: String, childEnvironment: [String: String], timeout: Double? = nil) throws
        -> [KerasLayerWeights] {
        guard IsolatedProcess.available else { return try readInProcess(path) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HDF5Error("Keras weights: cannot read \(path): no such readable file")
        }
        let result: String
        do {
            result = try IsolatedProcess.run(.kerasWeights, input: path, what: "the Keras weights \(path)",
                                             extraEnvironment: childEnvironment, timeout: timeout)
        } catch let e as IsolatedProcess.Failure {
            throw HDF5Error(e.message)
        }
        defer { unlink(result) }
        return try readIsolatedResult(result, source: path)
    }

    /// `read` in the calling process (what the child runs). A corrupt file can crash libhdf5 here.
    public static func readInProcess(_ path: String) throws -> [KerasLayerWeights] {
        let f = try HDF5File(path: path)
        let topLevel = try f.hasAttribute("layer_names")
        let root = !topLevel && f.exists("/model_weights") ? "/model_weights" : "/"
        guard try f.hasAttribute("layer_names", of: root),
              let names = try f.attribute("layer_names", of: root).strings else {
            throw HDF5Error("Keras weights: \(path) has no 'layer_names' attribute; it is not a Keras HDF5 weights file")
        }
        let base = root == "/" ? "" : root
        var out: [KerasLayerWeights] = []
        for layer in names {
            guard f.exists("\(base)/\(layer)") else {
                throw HDF5Error("Keras weights: layer '\(layer)' is listed in layer_names but has no group in \(path)")
            }
            let weightNames = try f.attribute("weight_names", of: "\(base)/\(layer)").strings ?? []
            if weightNames.isEmpty { continue }
            let weights = try weightNames.map { wn -> (name: String, tensor: Tensor) in
                var short = wn.split(separator: "/").last.map(String.init) ?? wn
                if let colon = short.lastIndex(of: ":") { short = String(short[..<colon]) }
                return (short, try f.read("\(base)/\(layer)/\(wn)"))
            }
            out.append(KerasLayerWeights(name: layer, weights: weights))
        }
        return out
    }

    // MARK: the child's result file

    /// The child's result: a safetensors file with tensors named `<layer index>/<weight index>` in file order and
    /// the layer and weight names as JSON in its metadata (`keras_layers`: `[[layer, [weight, …]], …]`).
    static func writeIsolatedResult(_ layers: [KerasLayerWeights], to path: String) throws {
        var tensors: [(String, Tensor)] = []
        var names: [[Any]] = []
        for (i, layer) in layers.enumerated() {
            names.append([layer.name, layer.weights.map(\.name)])
            for (j, w) in layer.weights.enumerated() { tensors.append(("\(i)/\(j)", w.tensor)) }
        }
        let json = try JSONSerialization.data(withJSONObject: names)
        try SafeTensors.save(tensors, metadata: ["keras_layers": String(decoding: json, as: UTF8.self)], to: path)
    }

    static func readIsolatedResult(_ path: String, source: String) throws -> [KerasLayerWeights] {
        let contents = try SafeTensors.read(path)
        guard let text = contents.metadata["keras_layers"],
              let names = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[Any]] else {
            throw HDF5Error("Keras weights: the reader of \(source) returned no layer list")
        }
        return try names.enumerated().map { i, entry in
            guard entry.count == 2, let layer = entry[0] as? String, let weights = entry[1] as? [String] else {
                throw HDF5Error("Keras weights: malformed layer list from the reader of \(source)")
            }
            return KerasLayerWeights(name: layer, weights: try weights.enumerated().map { j, name in
                guard let t = contents.tensors["\(i)/\(j)"] else {
                    throw HDF5Error("Keras weights: the reader of \(source) lost \(layer)/\(name)")
                }
                return (name, t)
            })
        }
    }
}
