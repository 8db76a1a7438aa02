import Foundation

/// Settings of `NAdam`.
public struct NAdamOptions: OptimizerOptions {
    public var lr: Double
    public var beta1: Double, beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public var momentumDecay: Double
    public var decoupledWeightDecay: Bool
    public init(lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
                momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false) {
        self.lr = lr
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentumDecay = momentumDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }
    public var schedulableMomentum: Double? {
        get { beta1 }
        set { if let v = newValue { beta1 = v } }
    }
    public var values: [(String, Double)] {
        [("lr", lr), ("beta1", beta1), ("beta2", beta2), ("eps", eps), ("weight_decay", weightDecay),
         ("momentum_decay", momentumDecay), ("decoupled_weight_decay", decoupledWeightDecay ? 1 : 0)]
    }
    public mutating func set(_ name: String, _ v: Double) throws {
        switch name {
        case "lr": lr = v
        case "beta1": beta1 = v
        case "beta2": beta2 = v
        case "eps": eps = v
        case "weight_decay": weightDecay = v
        case "momentum_decay": momentumDecay = v
        case "decoupled_weight_decay": decoupledWeightDecay = v != 0
        default: throw TorchError("NAdam has no setting '\(name)'")
        }
    }
    public func validate() throws {
        guard lr >= 0, eps >= 0, weightDecay >= 0, momentumDecay >= 0 else {
            throw TorchError("NAdam: lr, eps, weight decay and momentum decay must be ≥ 0")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw TorchError("NAdam: betas must be in [0, 1), got (\(beta1), \(beta2))")
        }
    }
}

/// Adam with Nesterov momentum (Dozat), PyTorch's `NAdam` update including the μ-product schedule
/// (`mu_product` state, float32 as in PyTorch). Runs as `_foreach_*` calls over the group.
public final class NAdam: GroupedOptimizer<NAdamOptions> {
    public init(_ params: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false) throws {
        try super.init([ParamGroupSpec(params)], defaults: NAdamOptions(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                                                                        momentumDecay: momentumDecay,
                                                                        decoupledWeightDecay: decoupledWeightDecay))
    }
    public init(groups: [ParamGroupSpec], defaults: NAdamOptions) throws {
        try super.init(groups, defaults: defaults)
    }

    override func update(options o: NAdamOptions, params: [Tensor], grads gradsIn: [Tensor]) throws {
        var m: [Tensor] = [], v: [Tensor] = [], steps: [Tensor] = [], muProducts: [Tensor] = []
        for p in params {
            m.append(try stateTensor(p, "exp_avg") { try NNOp.zerosLike.tensor([.tensor(p)]) })
            v.append(try stateTensor(p, "exp_avg_sq") { try NNOp.zerosLike.tensor([.tensor(p)]) })
            muProducts.append(try stateTensor(p, "mu_product") { try Tensor.ones([], .init(dtype: .float32)) })
            steps.append(try stepTensor(p))
        }
        try ForEach.add_(steps, 1)
        var grads = gradsIn
        if o.weightDecay != 0 {
            if o.decoupledWeightDecay { try ForEach.mul_(params, 1 - o.lr * o.weightDecay) }
            else { grads = try ForEach.add(grads, params, alpha: o.weightDecay) }
        }
        try ForEach.lerp_(m, grads, 1 - o.beta1)
        try ForEach.mul_(v, o.beta2)
        try ForEach.addcmul_(v, grads, grads, value: 1 - o.beta2)
        let denom = try ForEach.sqrt(v)
        for (step, idx) in try partitionBySteps(steps) {
            let pick = { (xs: [Tensor]) in idx.map { xs[$0] } }
            let mu = o.beta1 * (1 - 0.5 * pow(0.96, step * o.momentumDecay))
            let muNext = o.beta1 * (1 - 0.5 * pow(0.96, (step + 1) * o.momentumDecay))
            let mp = pick(muProducts), d = pick(denom)
            try ForEach.mul_(mp, mu)
            try ForEach.div_(d, (1 - pow(o.beta2, step)).squareRoot())
            try ForEach.add_(d, o.eps)
            // μ-products of one partition hold the same value
            let product = try mp[0].item()
            try ForEach.addcdiv_(pick(params), pick(grads), d, value: -(o.lr * (1 - mu) / (1 - product)))
            try ForEach.addcdiv_(pick(params), pick(m), d, value: -(o.lr * muNext / (1 - product * muNext)))
        }
    }
}
