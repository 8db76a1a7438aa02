import CTorch

/// Thin internal wrappers over the ATen operators the layers, losses and optimizers call on their hot paths.
/// Each operator is looked up once (`static let`) and called through the boxed dispatcher, so autograd applies.
enum NNOp {
    // arithmetic
    static let addT = Op("aten::add", "Tensor"), addS = Op("aten::add", "Scalar")
    static let subT = Op("aten::sub", "Tensor"), mulT = Op("aten::mul", "Tensor"), mulS = Op("aten::mul", "Scalar")
    static let divT = Op("aten::div", "Tensor"), divS = Op("aten::div", "Scalar"), rsubS = Op("aten::rsub", "Scalar")
    static let powS = Op("aten::pow", "Tensor_Scalar"), neg = Op("aten::neg"), exp = Op("aten::exp")
    static let log = Op("aten::log"), sqrt = Op("aten::sqrt"), abs = Op("aten::abs")
    static let clampOp = Op("aten::clamp"), clampMin = Op("aten::clamp_min")
    static let whereSelf = Op("aten::where", "self"), eqS = Op("aten::eq", "Scalar"), neS = Op("aten::ne", "Scalar")
    static let gtS = Op("aten::gt", "Scalar")
    static let maskedFillS = Op("aten::masked_fill", "Scalar")
    // reductions
    static let sumAll = Op("aten::sum"), sumDim = Op("aten::sum", "dim_IntList")
    static let meanAll = Op("aten::mean"), meanDim = Op("aten::mean", "dim")
    static let vectorNorm = Op("aten::linalg_vector_norm"), maxAll = Op("aten::max")
    // shape
    static let reshape = Op("aten::reshape"), permute = Op("aten::permute"), transpose = Op("aten::transpose", "int")
    static let flatten = Op("aten::flatten", "using_ints"), unsqueeze = Op("aten::unsqueeze")
    static let squeezeDim = Op("aten::squeeze", "dim"), stack = Op("aten::stack"), cat = Op("aten::cat")
    static let chunk = Op("aten::chunk"), contiguousOp = Op("aten::contiguous"), gather = Op("aten::gather")
    static let oneHot = Op("aten::one_hot"), toDtype = Op("aten::to", "dtype"), detach = Op("aten::detach")
    static let emptyLike = Op("aten::empty_like"), zerosLike = Op("aten::zeros_like"), onesLike = Op("aten::ones_like")
    static let pad = Op("aten::pad"), select = Op("aten::select", "int"), expand = Op("aten::expand")
    // nn
    static let linear = Op("aten::linear"), matmul = Op("aten::matmul"), bmm = Op("aten::bmm"), baddbmm = Op("aten::baddbmm")
    static let convolution = Op("aten::convolution")
    static let conv1dPad = Op("aten::conv1d", "padding"), conv2dPad = Op("aten::conv2d", "padding")
    static let conv3dPad = Op("aten::conv3d", "padding")
    static let conv1d = Op("aten::conv1d"), conv2d = Op("aten::conv2d"), conv3d = Op("aten::conv3d")
    static let convT1d = Op("aten::conv_transpose1d"), convT2d = Op("aten::conv_transpose2d", "input")
    static let convT3d = Op("aten::conv_transpose3d", "input")
    static func convN(_ n: Int) -> Op { n == 1 ? conv1d : n == 2 ? conv2d : conv3d }
    static func convNPad(_ n: Int) -> Op { n == 1 ? conv1dPad : n == 2 ? conv2dPad : conv3dPad }
    static func convTransposeN(_ n: Int) -> Op { n == 1 ? convT1d : n == 2 ? convT2d : convT3d }
    static let batchNorm = Op("aten::batch_norm"), groupNorm = Op("aten::group_norm"), layerNorm = Op("aten::layer_norm")
    static let dropout = Op("aten::dropout"), featureDropout = Op("aten::feature_dropout")
    static let maxPool2d = Op("aten::max_pool2d"), maxPool3d = Op("aten::max_pool3d")
    static let avgPool2d = Op("aten::avg_pool2d"), avgPool3d = Op("aten::avg_pool3d")
    static let adaptiveAvgPool2d = Op("aten::adaptive_avg_pool2d"), adaptiveAvgPool3d = Op("aten::adaptive_avg_pool3d")
    static let embedding = Op("aten::embedding")
    static let softmax = Op("aten::softmax", "int"), logSoftmax = Op("aten::log_softmax", "int")
    static let sdpa = Op("aten::scaled_dot_product_attention")
    // activations
    static let relu = Op("aten::relu"), relu6 = Op("aten::relu6"), leakyRelu = Op("aten::leaky_relu")
    static let gelu = Op("aten::gelu"), silu = Op("aten::silu"), sigmoid = Op("aten::sigmoid"), tanh = Op("aten::tanh")
    static let elu = Op("aten::elu"), hardswish = Op("aten::hardswish"), hardsigmoid = Op("aten::hardsigmoid")
    static let mish = Op("aten::mish"), softplus = Op("aten::softplus"), logSigmoid = Op("aten::log_sigmoid")
    // losses
    static let crossEntropy = Op("aten::cross_entropy_loss"), nllLossNd = Op("aten::nll_loss_nd")
    static let bceLogits = Op("aten::binary_cross_entropy_with_logits")
    static let mseLoss = Op("aten::mse_loss"), l1Loss = Op("aten::l1_loss"), smoothL1 = Op("aten::smooth_l1_loss")
    // in place (no autograd bookkeeping wanted: callers wrap in no-grad where PyTorch does)
    static let copy_ = Op("aten::copy_"), fill_ = Op("aten::fill_", "Scalar"), zero_ = Op("aten::zero_")
    static let uniform_ = Op("aten::uniform_"), normal_ = Op("aten::normal_"), erfinv_ = Op("aten::erfinv_")
    static let mul_S = Op("aten::mul_", "Scalar"), add_S = Op("aten::add_", "Scalar"), add_T = Op("aten::add_", "Tensor")
    static let clamp_ = Op("aten::clamp_"), mul_T = Op("aten::mul_", "Tensor")

    // MARK: short forms

    @inline(__always) static func t(_ op: Op, _ args: [Arg], named: KeyValuePairs<String, Arg> = [:]) throws -> Tensor {
        try op.tensor(args, named: named)
    }
    static func add(_ a: Tensor, _ b: Tensor, alpha: Double = 1) throws -> Tensor {
        alpha == 1 ? try addT.tensor([.tensor(a), .tensor(b)]) : try addT.tensor([.tensor(a), .tensor(b)], named: ["alpha": .double(alpha)])
    }
    static func add(_ a: Tensor, _ s: Double) throws -> Tensor { try addS.tensor([.tensor(a), .double(s)]) }
    static func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor { try subT.tensor([.tensor(a), .tensor(b)]) }
    static func mul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try mulT.tensor([.tensor(a), .tensor(b)]) }
    static func mul(_ a: Tensor, _ s: Double) throws -> Tensor { try mulS.tensor([.tensor(a), .double(s)]) }
    static func div(_ a: Tensor, _ b: Tensor) throws -> Tensor { try divT.tensor([.tensor(a), .tensor(b)]) }
    static func div(_ a: Tensor, _ s: Double) throws -> Tensor { try divS.tensor([.tensor(a), .double(s)]) }
    /// `s - a`
    static func rsub(_ a: Tensor, _ s: Double) throws -> Tensor { try rsubS.tensor([.tensor(a), .double(s)]) }
    static func pow(_ a: Tensor, _ e: Double) throws -> Tensor { try powS.tensor([.tensor(a), .double(e)]) }
    static func sum(_ a: Tensor) throws -> Tensor { try sumAll.tensor([.tensor(a)]) }
    static func sum(_ a: Tensor, dims: [Int], keepdim: Bool = false) throws -> Tensor {
        try sumDim.tensor([.tensor(a), .ints(dims), .bool(keepdim)])
    }
    static func mean(_ a: Tensor) throws -> Tensor { try meanAll.tensor([.tensor(a)]) }
    static func reshape(_ a: Tensor, _ shape: [Int]) throws -> Tensor { try reshape.tensor([.tensor(a), .ints(shape)]) }
    static func transpose(_ a: Tensor, _ d0: Int, _ d1: Int) throws -> Tensor {
        try transpose.tensor([.tensor(a), .int(d0), .int(d1)])
    }
    static func permute(_ a: Tensor, _ dims: [Int]) throws -> Tensor { try permute.tensor([.tensor(a), .ints(dims)]) }
    static func contiguous(_ a: Tensor, _ f: MemoryFormat = .contiguous) throws -> Tensor {
        try contiguousOp.tensor([.tensor(a)], named: ["memory_format": .memoryFormat(f)])
    }
    static func softmax(_ a: Tensor, dim: Int) throws -> Tensor { try softmax.tensor([.tensor(a), .int(dim)]) }
    static func logSoftmax(_ a: Tensor, dim: Int) throws -> Tensor { try logSoftmax.tensor([.tensor(a), .int(dim)]) }
    static func cast(_ a: Tensor, _ d: DType) throws -> Tensor {
        a.dtype == d ? a : try toDtype.tensor([.tensor(a), .dtype(d)])
    }
    static func oneHot(_ target: Tensor, classes: Int) throws -> Tensor {
        try oneHot.tensor([.tensor(target), .int(classes)])
    }

    /// `dst.copy_(src)` without recording autograd history (parameter loading and moves).
    static func copyInPlace(_ dst: Tensor, _ src: Tensor) throws { try check(ct_copy_(dst.handle, src.handle)) }
}
