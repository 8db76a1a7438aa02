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
