import StrataTensor

/// How a first-convolution kernel trained on C input bands (3 for RGB ImageNet weights) is turned into one for N
/// bands.
public enum FirstConvAdaptation: String, Sendable, CaseIterable {
    /// timm's `adapt_input_conv` and segmentation_models_pytorch's `patch_first_conv` convention (the default):
    /// new band i takes the kernel of source band `i mod C` (R, G, B, R, G, B, …) and the whole kernel is scaled
    /// by C/N; for N = 1 the C kernels are summed. A spatially constant input then gives the same response as it
    /// did with C bands.
    case cycle
    /// Every new band takes the mean of the C source kernels, scaled by C/N (for N = 1: their sum). Same
    /// constant-input response as `cycle`, without tying bands to a colour.
    case mean
}

/// Adapting first-convolution weights between band counts. Works on any convolution kernel `[out, C, k…]` (2-D or
/// 3-D); `PretrainedWeights.load(…, options: .init(adaptFirstConv: true))` finds a model's first convolution and
/// applies it to weight files of any architecture (`strata train`'s `model.adapt_first_conv`).
///
/// Against the references: for 3 source bands `.cycle` equals timm's `adapt_input_conv` (repeat the RGB kernels,
/// keep the first N, scale by 3/N; one band: the sum) and smp's `patch_first_conv`; for other source counts it
/// follows smp (timm raises there), and for N = 1 it sums all C kernels (timm's space-to-depth stem rule, which
/// regroups C = 3k channels first, is not reproduced).
public enum FirstConv {
    private static let indexSelect = Op("aten::index_select")
    private static let sumDim = Op("aten::sum", "dim_IntList")
    private static let meanDim = Op("aten::mean", "dim")
    private static let mulS = Op("aten::mul", "Scalar")
    private static let repeatOp = Op("aten::repeat")

    /// Adapts a convolution weight `[out, C, k…]` to `[out, bands, k…]` (see `FirstConvAdaptation`). With
    /// `bands == C` it returns a copy unchanged.
    public static func adapt(_ weight: Tensor, toBands bands: Int, method: FirstConvAdaptation = .cycle) throws -> Tensor {
        guard weight.rank >= 3 else {
            throw ModelError("FirstConv.adapt: expected a convolution weight [out, in, k…], got shape \(weight.shape)")
        }
        guard bands >= 1 else { throw ModelError("FirstConv.adapt: bands must be ≥ 1, got \(bands)") }
        let w = try weight.detached()
        let c = w.shape[1]
        if bands == c { return try w.clone() }
        if bands == 1 { return try sumDim.tensor([.tensor(w), [1], true]) }
        let scale = Double(c) / Double(bands)
        switch method {
        case .cycle:
            let idx = try Tensor((0..<bands).map { $0 % c })
            let picked = try indexSelect.tensor([.tensor(w), 1, .tensor(idx)])
            return try mulS.tensor([.tensor(picked), .double(scale)])
        case .mean:
            let m = try meanDim.tensor([.tensor(w), [1], true])
            var reps = Array(repeating: 1, count: w.rank)
            reps[1] = bands
            let tiled = try repeatOp.tensor([.tensor(m), .ints(reps)])
            return try mulS.tensor([.tensor(tiled), .double(scale)])
        }
    }
}

/// What `ResNet.loadPretrained` changed on the way in.
public struct PretrainedLoadReport: Sendable, Equatable {
    /// The first convolution came with this many bands and was adapted to the model's (nil: used as is).
    public var adaptedFirstConvFrom: Int?
    /// The checkpoint's classifier (`fc.*`) did not fit this model's head and was left out; the head keeps its
    /// fresh initialisation.
    public var skippedClassifier: Bool
}

extension ResNet {
    /// Loads torchvision/TorchGeo-layout weights (e.g. ImageNet RGB weights into a 13-band model):
    /// - `conv1.weight` with a different band count is adapted with `FirstConv.adapt(…, method:)`;
    /// - `fc.*` entries that do not fit this model's head (other class count, or a headless model) are skipped;
    /// - every other key must be present with the right shape (a clear error lists all that differ).
    @discardableResult
    public func loadPretrained(_ stateDict: StateDict, adaptation: FirstConvAdaptation = .cycle) throws -> PretrainedLoadReport {
        var sd = stateDict
        var report = PretrainedLoadReport(adaptedFirstConvFrom: nil, skippedClassifier: false)
        if let w = sd["conv1.weight"], w.rank == 4, w.shape[1] != inChannels {
            report.adaptedFirstConvFrom = w.shape[1]
            sd["conv1.weight"] = try FirstConv.adapt(w, toBands: inChannels, method: adaptation)
        }
        let fcKeys = sd.keys.filter { $0.hasPrefix("fc.") }
        if !fcKeys.isEmpty {
            let fits = fc.map { fc in fcKeys.allSatisfy { k in
                k == "fc.weight" ? sd[k]!.shape == fc.weight.shape : k == "fc.bias" ? sd[k]!.shape == fc.bias?.shape : false
            } } ?? false
            if !fits {
                for k in fcKeys { sd.remove(k) }
                report.skippedClassifier = true
            }
        }
        // Check the keys before copying anything, so a failed load leaves the model untouched. A head left out
        // keeps its initialisation; BatchNorm's num_batches_tracked may be absent (old checkpoints).
        let own = try self.stateDict(keepVars: true).keys
        let ownSet = Set(own)
        let missing = own.filter { k in
            !sd.contains(k) && !k.hasSuffix(".num_batches_tracked") && !(report.skippedClassifier || fcKeys.isEmpty ? k.hasPrefix("fc.") : false)
        }
        let unexpected = sd.keys.filter { !ownSet.contains($0) }
        if !missing.isEmpty || !unexpected.isEmpty {
            var parts = ["\(depth).loadPretrained: the weights do not match this architecture"]
            if !missing.isEmpty { parts.append("missing keys (\(missing.count)): \(missing.prefix(20).joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected keys (\(unexpected.count)): \(unexpected.prefix(20).joined(separator: ", "))") }
            parts.append("(expected torchvision ResNet names such as conv1.weight, layer1.0.conv1.weight; strip any 'model.' or 'backbone.' prefix with StateDict.scoped)")
            throw ModelError(parts.joined(separator: "; "))
        }
        try load(stateDict: sd, strict: false)
        return report
    }
}
