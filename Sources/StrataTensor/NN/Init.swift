import Foundation

/// In-place parameter initialisers, as `torch.nn.init`: same formulas and the same random draws in the same
/// order, so after `Runtime.manualSeed(s)` they fill tensors with exactly PyTorch's values. All run without
/// recording autograd history and return the tensor.
public enum Init {
    /// Which fan a variance-scaling initialiser divides by.
    public enum FanMode: Sendable { case fanIn, fanOut }
    /// The non-linearity that follows the layer, for `gain(_:)`.
    public enum Nonlinearity: Sendable { case linear, conv, sigmoid, tanh, relu, leakyRelu, selu }

    /// `torch.nn.init.calculate_gain`: 1 for linear/conv/sigmoid, 5/3 tanh, √2 relu, √(2/(1+slope²)) leaky relu
    /// (slope defaults to 0.01), 3/4 selu.
    public static func gain(_ nonlinearity: Nonlinearity, param: Double? = nil) -> Double {
        switch nonlinearity {
        case .linear, .conv, .sigmoid: 1
        case .tanh: 5.0 / 3
        case .relu: 2.0.squareRoot()
        case .leakyRelu: (2.0 / (1 + (param ?? 0.01) * (param ?? 0.01))).squareRoot()
        case .selu: 3.0 / 4
        }
    }

    /// `(fan_in, fan_out)` of a weight: dim 1 resp. dim 0 times the receptive field (product of dims ≥ 2).
    public static func fans(_ t: Tensor) throws -> (fanIn: Int, fanOut: Int) {
        let s = t.shape
        guard s.count >= 2 else {
            throw TorchError("fan in and fan out need a tensor with at least 2 dimensions, got shape \(s)")
        }
        let receptive = s.dropFirst(2).reduce(1, *)
        return (s[1] * receptive, s[0] * receptive)
    }

    @discardableResult
    public static func uniform(_ t: Tensor, _ low: Double = 0, _ high: Double = 1) throws -> Tensor {
        try Torch.noGrad { _ = try NNOp.uniform_.call([.tensor(t), .double(low), .double(high)]) }
        return t
    }
    @discardableResult
    public static func normal(_ t: Tensor, mean: Double = 0, std: Double = 1) throws -> Tensor {
        try Torch.noGrad { _ = try NNOp.normal_.call([.tensor(t), .double(mean), .double(std)]) }
        return t
    }
    @discardableResult
    public static func constant(_ t: Tensor, _ value: Double) throws -> Tensor {
        try Torch.noGrad { _ = try NNOp.fill_.call([.tensor(t), .double(value)]) }
        return t
    }
    @discardableResult public static func zeros(_ t: Tensor) throws -> Tensor { try constant(t, 0) }
    @discardableResult public static func ones(_ t: Tensor) throws -> Tensor { try constant(t, 1) }

    /// He et al. uniform: U(−b, b) with b = gain·√(3/fan).
    @discardableResult
    public static func kaimingUniform(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                      nonlinearity: Nonlinearity = .leakyRelu) throws -> Tensor {
        let std = gain(nonlinearity, param: a) / Double(try fan(t, mode)).squareRoot()
        let bound = 3.0.squareRoot() * std
        return try uniform(t, -bound, bound)
    }
    /// He et al. normal: N(0, gain²/fan).
    @discardableResult
    public static func kaimingNormal(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                     nonlinearity: Nonlinearity = .leakyRelu) throws -> Tensor {
        let std = gain(nonlinearity, param: a) / Double(try fan(t, mode)).squareRoot()
        return try normal(t, mean: 0, std: std)
    }
    /// Glorot uniform: U(−b, b) with b = gain·√(6/(fan_in+fan_out)).
    @discardableResult
    public static func xavierUniform(_ t: Tensor, gain g: Double = 1) throws -> Tensor {
        let (fi, fo) = try fans(t)
        let std = g * (2.0 / Double(fi + fo)).squareRoot()
        let a = 3.0.squareRoot() * std
        return try uniform(t, -a, a)
    }
    /// Glorot normal: N(0, gain²·2/(fan_in+fan_out)).
    @discardableResult
    public static func xavierNormal(_ t: Tensor, gain g: Double = 1) throws -> Tensor {
        let (fi, fo) = try fans(t)
        return try normal(t, mean: 0, std: g * (2.0 / Double(fi + fo)).squareRoot())
    }
    /// Normal(mean, std) truncated to [a, b] by inverse-CDF sampling (`trunc_normal_`).
    @discardableResult
    public static func truncNormal(_ t: Tensor, mean: Double = 0, std: Double = 1, a: Double = -2, b: Double = 2) throws -> Tensor {
        guard std > 0, a < b else { throw TorchError("truncNormal: need std > 0 and a < b (got std \(std), a \(a), b \(b))") }
        func cdf(_ x: Double) -> Double { (1 + erf(x / 2.0.squareRoot())) / 2 }
        let l = cdf((a - mean) / std), u = cdf((b - mean) / std)
        try Torch.noGrad {
            _ = try NNOp.uniform_.call([.tensor(t), .double(2 * l - 1), .double(2 * u - 1)])
            _ = try NNOp.erfinv_.call([.tensor(t)])
            _ = try NNOp.mul_S.call([.tensor(t), .double(std * 2.0.squareRoot())])
            _ = try NNOp.add_S.call([.tensor(t), .double(mean)])
            _ = try NNOp.clamp_.call([.tensor(t), .double(a), .double(b)])
        }
        return t
    }

    static func fan(_ t: Tensor, _ mode: FanMode) throws -> Int {
        let f = try fans(t)
        let n = mode == .fanIn ? f.fanIn : f.fanOut
        guard n > 0 else { throw TorchError("cannot initialise a tensor with a zero fan (shape \(t.shape))") }
        return n
    }

    /// PyTorch's default for Linear/Conv weights: `kaiming_uniform_(w, a=√5)`, then the bias U(±1/√fan_in).
    static func defaultLayer(weight: Tensor, bias: Tensor?, fanIn: Int? = nil) throws {
        try kaimingUniform(weight, a: 5.0.squareRoot())
        if let bias {
            let fi = try fanIn ?? fans(weight).fanIn
            let bound = fi > 0 ? 1 / Double(fi).squareRoot() : 0
            try uniform(bias, -bound, bound)
        }
    }
}
