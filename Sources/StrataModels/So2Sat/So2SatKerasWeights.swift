import StrataTensor

extension So2SatResNetV2 {
    enum KerasKind: String { case conv = "Conv2D", batchNorm = "BatchNormalization", dense = "Dense" }

    /// This model's weighted layers in Keras's topological order (the order of a `resnet_v2` weights file's
    /// `layer_names`): in a stage's first block the projection shortcut comes before the branch's last 1×1 conv.
    var kerasTopologicalLayers: [(prefix: String, kind: KerasKind)] {
        var out: [(String, KerasKind)] = [("conv1", .conv), ("bn1", .batchNorm)]
        for (s, stage) in blocks.enumerated() {
            for (j, b) in stage.enumerated() {
                let p = "layer\(s + 1).\(j)"
                if b.preactBN != nil { out.append(("\(p).preact_bn", .batchNorm)) }
                out += [("\(p).conv1", .conv), ("\(p).bn1", .batchNorm), ("\(p).conv2", .conv), ("\(p).bn2", .batchNorm)]
                if b.shortcut != nil { out.append(("\(p).shortcut", .conv)) }
                out.append(("\(p).conv3", .conv))
            }
        }
        out += [("bn_final", .batchNorm), ("fc", .dense)]
        return out
    }

    /// Converts Keras layers (file order) to this model's state dict: conv kernels HWIO → OIHW, dense kernels
    /// transposed, BatchNorm gamma/beta/moving_mean/moving_variance → weight/bias/running_mean/running_var.
    /// Layers pair up by position, as Keras 2's `model.load_weights` does for weights-only files.
    public func kerasStateDict(_ layers: [KerasLayerWeights]) throws -> StateDict {
        let expected = kerasTopologicalLayers
        guard layers.count == expected.count else {
            throw TorchError("So2Sat ResNet-v2 (depth \(depth)): the Keras file has \(layers.count) layers with weights, the model has \(expected.count); is it a resnet_v2 depth-\(depth) weights file?")
        }
        var sd = StateDict()
        for (layer, (prefix, kind)) in zip(layers, expected) {
            let names = Set(layer.weights.map(\.name))
            let found: KerasKind? = names.contains("gamma") || names.contains("moving_mean") ? .batchNorm
                : names.contains("kernel") ? (try layer.weight("kernel").rank == 4 ? .conv : .dense) : nil
            guard found == kind else {
                throw TorchError("So2Sat ResNet-v2: Keras layer \(layer.name) (weights \(layer.weights.map(\.name))) is not the \(kind.rawValue) expected at \(prefix); the file's layer order does not match resnet_v2")
            }
            switch kind {
            case .conv:
                sd["\(prefix).weight"] = try layer.weight("kernel").permute([3, 2, 0, 1]).contiguous()
                sd["\(prefix).bias"] = try layer.weight("bias")
            case .dense:
                sd["\(prefix).weight"] = try layer.weight("kernel").t().contiguous()
                sd["\(prefix).bias"] = try layer.weight("bias")
            case .batchNorm:
                sd["\(prefix).weight"] = try layer.weight("gamma")
                sd["\(prefix).bias"] = try layer.weight("beta")
                sd["\(prefix).running_mean"] = try layer.weight("moving_mean")
                sd["\(prefix).running_var"] = try layer.weight("moving_variance")
            }
        }
        return sd
    }

    /// Loads the weights of a Keras `resnet_v2` HDF5 file (e.g. the So2Sat LCZ42 demo's
    /// `S2_RESNET20_…h5`) into this model. Shapes are checked; every parameter and running statistic is set.
    public func loadKerasWeights(_ path: String) throws {
        try load(stateDict: try kerasStateDict(try KerasWeights.read(path)), strict: true)
    }
}
