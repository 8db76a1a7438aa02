/// `y = x Wᵀ + b` over the last dimension (`nn.Linear`). Weight `[out, in]`; PyTorch's default initialisation.
public final class Linear: Module {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, _ options: TensorOptions = .init()) throws {
        guard inFeatures >= 0, outFeatures >= 0 else {
            throw TorchError("Linear(\(inFeatures), \(outFeatures)): feature counts must be ≥ 0")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = try Tensor.empty([outFeatures, inFeatures], options)
        self.bias = bias ? try Tensor.empty([outFeatures], options) : nil
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", self.bias)
        try resetParameters()
    }

    /// Re-draws the weights with PyTorch's default (kaiming uniform a=√5, bias U(±1/√in)).
    public func resetParameters() throws { try Init.defaultLayer(weight: weight, bias: bias) }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try NNOp.linear.tensor([.tensor(x), .tensor(weight), .tensor(bias)])
    }
    public override var extraDescription: String { "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias != nil)" }
}

/// Passes its input through unchanged (`nn.Identity`).
public final class Identity: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { x }
}

/// Flattens dimensions `startDim...endDim` into one (`nn.Flatten`, default 1...-1).
public final class Flatten: Module {
    public let startDim: Int, endDim: Int
    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try NNOp.flatten.tensor([.tensor(x), .int(startDim), .int(endDim)])
    }
    public override var extraDescription: String { "start_dim=\(startDim), end_dim=\(endDim)" }
}
