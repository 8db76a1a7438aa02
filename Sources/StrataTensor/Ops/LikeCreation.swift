// Factories shaped like an existing tensor (torch.zeros_like and friends): same shape, and the same dtype and
// device unless given.

extension Tensor {
    private static let zerosLikeOp = Op("aten::zeros_like"), onesLikeOp = Op("aten::ones_like")
    private static let fullLikeOp = Op("aten::full_like"), emptyLikeOp = Op("aten::empty_like")
    private static let randLikeOp = Op("aten::rand_like"), randnLikeOp = Op("aten::randn_like")
    private static let randintLikeOp = Op("aten::randint_like", "low_dtype")

    private static func like(_ op: Op, _ args: [Arg], dtype: DType?, device: Device?, requiresGrad: Bool) throws -> Tensor {
        let t = try op.tensor(args, named: ["dtype": .opt(dtype), "device": device.map { .device($0) } ?? .none])
        if requiresGrad { try t.setRequiresGrad(true) }
        return t
    }

    public static func zerosLike(_ t: Tensor, dtype: DType? = nil, device: Device? = nil, requiresGrad: Bool = false) throws -> Tensor {
        try like(zerosLikeOp, [.tensor(t)], dtype: dtype, device: device, requiresGrad: requiresGrad)
    }
    public static func onesLike(_ t: Tensor, dtype: DType? = nil, device: Device? = nil, requiresGrad: Bool = false) throws -> Tensor {
        try like(onesLikeOp, [.tensor(t)], dtype: dtype, device: device, requiresGrad: requiresGrad)
    }
    public static func fullLike(_ t: Tensor, _ value: Double, dtype: DType? = nil, device: Device? = nil, requiresGrad: Bool = false) throws -> Tensor {
        try like(fullLikeOp, [.tensor(t), .double(value)], dtype: dtype, device: device, requiresGrad: requiresGrad)
    }
    /// Uninitialised memory shaped like `t`.
    public static func emptyLike(_ t: Tensor, dtype: DType? = nil, device: Device? = nil) throws -> Tensor {
        try like(emptyLikeOp, [.tensor(t)], dtype: dtype, device: device, requiresGrad: false)
    }
    /// Uniform [0, 1) values shaped like `t` (floating-point dtypes only).
    public static func randLike(_ t: Tensor, dtype: DType? = nil, device: Device? = nil, requiresGrad: Bool = false) throws -> Tensor {
        try like(randLikeOp, [.tensor(t)], dtype: dtype, device: device, requiresGrad: requiresGrad)
    }
    /// Standard normal values shaped like `t` (floating-point dtypes only).
    public static func randnLike(_ t: Tensor, dtype: DType? = nil, device: Device? = nil, requiresGrad: Bool = false) throws -> Tensor {
        try like(randnLikeOp, [.tensor(t)], dtype: dtype, device: device, requiresGrad: requiresGrad)
    }
    /// Integers uniform in [low, high) shaped like `t`.
    public static func randintLike(_ t: Tensor, low: Int = 0, high: Int, dtype: DType? = nil, device: Device? = nil) throws -> Tensor {
        try like(randintLikeOp, [.tensor(t), .int(low), .int(high)], dtype: dtype, device: device, requiresGrad: false)
    }
}
