/// Settings of `Adam` / `AdamW`.
public struct AdamOptions: OptimizerOptions {
    public var lr: Double
    public var beta1: Double, beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public var amsgrad: Bool
    public var maximize: Bool
    public init(lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
                amsgrad: Bool = false, maximize: Bool = false) {
        self.lr = lr
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.maximize = maximize
    }
    public var schedulableMomentum: Double? {
        get { beta1 }
        set { if let v = newValue { beta1 = v } }
    }
    public var values: [(String, Double)] {
        [("lr", lr), ("beta1", beta1), ("beta2", beta2), ("eps", eps), ("weight_decay", weightDecay),
         ("amsgrad", amsgrad ? 1 : 0), ("maximize", maximize ? 1 : 0)]
    }
    public mutating func set(_ name: String, _ v: Double) throws {
        switch name {
        case "lr": lr = v
        case "beta1": beta1 = v
        case "beta2": beta2 = v
        case "eps": eps = v
        case "weight_decay": weightDecay = v
        case "amsgrad": amsgrad = v != 0
        case "maximize": maximize = v != 0
        default: throw TorchError("Adam has no setting '\(name)'")
        }
    }
    public func validate() throws {
        guard lr >= 0 else { throw TorchError("Adam: invalid learning rate \(lr) (must be ≥ 0)") }
        guard eps >= 0 else { throw TorchError("Adam: invalid eps \(eps) (must be ≥ 0)") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw TorchError("Adam: betas must be in [0, 1), got (\(beta1), \(beta2))")
        }
        guard weightDecay >= 0 else { throw TorchError("Adam: invalid weight decay \(weightDecay) (must be ≥ 0)") }
    }
}

/// Adam (Kingma & Ba) with L2 weight decay added to the gradient, optional AMSGrad; PyTorch's update with
/// bias corrections, as one fused libtorch kernel call per group (`_fused_adam_`).
public class Adam: GroupedOptimizer<AdamOptions> {
    static let fusedAdam = Op("aten::_fused_adam_"), fusedAdamW = Op("aten::_fused_adamw_")
    var decoupled: Bool { false }

    public init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) throws {
        try super.init([ParamGroupSpec(params)], defaults: AdamOptions(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                                                                       amsgrad: amsgrad, maximize: maximize))
    }
    public init(groups: [ParamGroupSpec], defaults: AdamOptions) throws {
        try super.init(groups, defaults: defaults)
    }

    override func update(options o: AdamOptions, params: [Tensor], grads: [Tensor]) throws {
        var m: [Tensor] = [], v: [Tensor] = [], vmax: [Tensor] = [], steps: [Tensor] = []
        for p in params {
            m.append(try stateTensor(p, "exp_avg") { try NNOp.zerosLike.tensor([.tensor(p)]) })
            v.append(try stateTensor(p, "exp_avg_sq") { try NNOp.zerosLike.tensor([.tensor(p)]) })
            if o.amsgrad { vmax.append(try stateTensor(p, "max_exp_avg_sq") { try NNOp.zerosLike.tensor([.tensor(p)]) }) }
            steps.append(try stepTensor(p, device: p.device))  // the fused kernel reads the step on the device
        }
        try ForEach.add_(steps, 1)
        _ = try (decoupled ? Self.fusedAdamW : Self.fusedAdam).call(
            [.tensors(params), .tensors(grads), .tensors(m), .tensors(v), .tensors(vmax), .tensors(steps)],
            named: ["lr": .double(o.lr), "beta1": .double(o.beta1), "beta2": .double(o.beta2),
                    "weight_decay": .double(o.weightDecay), "eps": .double(o.eps), "amsgrad": .bool(o.amsgrad),
                    "maximize": .bool(o.maximize)])
    }
}

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay θ ← θ·(1 − lr·wd) before the Adam update.
/// Default weight decay 0.01, as PyTorch. Fused kernel (`_fused_adamw_`).
public final class AdamW: Adam {
    override var decoupled: Bool { true }
    public override init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                         weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) throws {
        try super.init(params, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }
    public override init(groups: [ParamGroupSpec], defaults: AdamOptions) throws {
        try super.init(groups: groups, defaults: defaults)
    }
}
