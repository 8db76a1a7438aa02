// Activation functions and (log-)softmax, as torch.nn.functional.

/// The GELU formula: exact (with erf) or the tanh approximation.
public enum GeluApproximation: String, Sendable {
    case none, tanh
}

extension Tensor {
    private static let sigmoidOp = Op("aten::sigmoid"), tanhOp = Op("aten::tanh"), reluOp = Op("aten::relu")
    private static let relu6Op = Op("aten::relu6"), leakyReluOp = Op("aten::leaky_relu"), geluOp = Op("aten::gelu")
    private static let siluOp = Op("aten::silu"), eluOp = Op("aten::elu"), seluOp = Op("aten::selu")
    private static let celuOp = Op("aten::celu"), softplusOp = Op("aten::softplus"), mishOp = Op("aten::mish")
    private static let hardswishOp = Op("aten::hardswish"), hardsigmoidOp = Op("aten::hardsigmoid")
    private static let hardtanhOp = Op("aten::hardtanh"), logSigmoidOp = Op("aten::log_sigmoid")
    private static let softmaxOp = Op("aten::softmax", "int"), logSoftmaxOp = Op("aten::log_softmax", "int")
    private static let dropoutOp = Op("aten::dropout"), featureDropoutOp = Op("aten::feature_dropout")
    private static let preluOp = Op("aten::prelu"), gluOp = Op("aten::glu")
    private static let softshrinkOp = Op("aten::softshrink"), hardshrinkOp = Op("aten::hardshrink")

    public func sigmoid() throws -> Tensor { try Self.sigmoidOp.tensor([.tensor(self)]) }
    public func tanh() throws -> Tensor { try Self.tanhOp.tensor([.tensor(self)]) }
    public func relu() throws -> Tensor { try Self.reluOp.tensor([.tensor(self)]) }
    /// `min(max(x, 0), 6)`.
    public func relu6() throws -> Tensor { try Self.relu6Op.tensor([.tensor(self)]) }
    /// `x` for positive values, `slope * x` otherwise.
    public func leakyRelu(_ slope: Double = 0.01) throws -> Tensor { try Self.leakyReluOp.tensor([.tensor(self), .double(slope)]) }
    /// Gaussian error linear unit, exact (`erf`) or with the tanh approximation.
    public func gelu(approximate: GeluApproximation = .none) throws -> Tensor {
        try Self.geluOp.tensor([.tensor(self)], named: ["approximate": .string(approximate.rawValue)])
    }
    /// `x * sigmoid(x)` (swish).
    public func silu() throws -> Tensor { try Self.siluOp.tensor([.tensor(self)]) }
    public func elu(alpha: Double = 1) throws -> Tensor { try Self.eluOp.tensor([.tensor(self), .double(alpha)]) }
    public func selu() throws -> Tensor { try Self.seluOp.tensor([.tensor(self)]) }
    public func celu(alpha: Double = 1) throws -> Tensor { try Self.celuOp.tensor([.tensor(self), .double(alpha)]) }
    /// `log(1 + exp(beta * x)) / beta`, linear above `threshold`.
    public func softplus(beta: Double = 1, threshold: Double = 20) throws -> Tensor {
        try Self.softplusOp.tensor([.tensor(self), .double(beta), .double(threshold)])
    }
    /// `x * tanh(softplus(x))`.
    public func mish() throws -> Tensor { try Self.mishOp.tensor([.tensor(self)]) }
    public func hardswish() throws -> Tensor { try Self.hardswishOp.tensor([.tensor(self)]) }
    public func hardsigmoid() throws -> Tensor { try Self.hardsigmoidOp.tensor([.tensor(self)]) }
    public func hardtanh(min: Double = -1, max: Double = 1) throws -> Tensor {
        try Self.hardtanhOp.tensor([.tensor(self), .double(min), .double(max)])
    }
    public func logSigmoid() throws -> Tensor { try Self.logSigmoidOp.tensor([.tensor(self)]) }
    public func softshrink(_ lambda: Double = 0.5) throws -> Tensor { try Self.softshrinkOp.tensor([.tensor(self), .double(lambda)]) }
    public func hardshrink(_ lambda: Double = 0.5) throws -> Tensor { try Self.hardshrinkOp.tensor([.tensor(self), .double(lambda)]) }
    /// PReLU with a learnable slope tensor (one value, or one per channel of dim 1).
    public func prelu(_ weight: Tensor) throws -> Tensor { try Self.preluOp.tensor([.tensor(self), .tensor(weight)]) }
    /// Gated linear unit: splits `dim` in halves `a, b` and returns `a * sigmoid(b)`.
    public func glu(dim: Int = -1) throws -> Tensor { try Self.gluOp.tensor([.tensor(self), .int(dim)]) }

    /// Softmax along `dim` (optionally computed in `dtype`).
    public func softmax(dim: Int, dtype: DType? = nil) throws -> Tensor {
        try Self.softmaxOp.tensor([.tensor(self), .int(dim), .opt(dtype)])
    }
    /// Log-softmax along `dim` (optionally computed in `dtype`).
    public func logSoftmax(dim: Int, dtype: DType? = nil) throws -> Tensor {
        try Self.logSoftmaxOp.tensor([.tensor(self), .int(dim), .opt(dtype)])
    }

    /// Zeroes elements with probability `p` and scales the rest by `1/(1-p)` when `training`; identity otherwise.
    public func dropout(p: Double = 0.5, training: Bool = true) throws -> Tensor {
        try Self.dropoutOp.tensor([.tensor(self), .double(p), .bool(training)])
    }
    /// Drops whole channels (dim 1) of a (N, C, ...) tensor with probability `p` when `training`.
    public func featureDropout(p: Double = 0.5, training: Bool = true) throws -> Tensor {
        try Self.featureDropoutOp.tensor([.tensor(self), .double(p), .bool(training)])
    }
}
