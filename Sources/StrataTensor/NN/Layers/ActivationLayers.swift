/// Element-wise activations as modules, for `Sequential` (PyTorch's `nn.ReLU`, `nn.GELU`, …).
public final class ReLU: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.relu(x) }
}
public final class ReLU6: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.relu6(x) }
}
public final class LeakyReLU: Module {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope; super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.leakyRelu(x, negativeSlope: negativeSlope) }
    public override var extraDescription: String { "negative_slope=\(negativeSlope)" }
}
public final class GELU: Module {
    public let approximate: Bool
    public init(approximate: Bool = false) { self.approximate = approximate; super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.gelu(x, approximate: approximate) }
    public override var extraDescription: String { "approximate='\(approximate ? "tanh" : "none")'" }
}
public final class SiLU: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.silu(x) }
}
public final class Sigmoid: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.sigmoid(x) }
}
public final class Tanh: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.tanh(x) }
}
public final class ELU: Module {
    public let alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha; super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.elu(x, alpha: alpha) }
}
public final class Hardswish: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.hardswish(x) }
}
public final class Hardsigmoid: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.hardsigmoid(x) }
}
public final class Mish: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.mish(x) }
}
public final class Softplus: Module {
    public let beta: Double, threshold: Double
    public init(beta: Double = 1, threshold: Double = 20) { self.beta = beta; self.threshold = threshold; super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.softplus(x, beta: beta, threshold: threshold) }
}
public final class Softmax: Module {
    public let dim: Int
    public init(dim: Int) { self.dim = dim; super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.softmax(x, dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}
public final class LogSoftmax: Module {
    public let dim: Int
    public init(dim: Int) { self.dim = dim; super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.logSoftmax(x, dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}
