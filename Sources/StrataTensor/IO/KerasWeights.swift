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
    public static func read(_ path: String) throws -> [KerasLayerWeights] {
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
}
