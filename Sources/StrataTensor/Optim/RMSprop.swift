/// Settings of `RMSprop`.
public struct RMSpropOptions: OptimizerOptions {
    public var lr: Double
    public var alpha: Double
    public var eps: Double
    public var weightDecay: Double
    public var momentum: Double
    public var centered: Bool
    public var maximize: Bool
    public init(lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0, momentum: Double = 0,
                centered: Bool = false, maximize: Bool = false) {
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
        self.maximize = maximize
    }
    public var schedulableMomentum: Double? {
        get { momentum }
        set { if let v = newValue { momentum = v } }
    }
    public var values: [(String, Double)] {
        [("lr", lr), ("alpha", alpha), ("eps", eps), ("weight_decay", weightDecay), ("momentum", momentum),
         ("centered", centered ? 1 : 0), ("maximize", maximize ? 1 : 0)]
    }
    public mutating func set(_ name: String, _ v: Double) throws {
        switch name {
        case "lr": lr = v
        case "alpha": alpha = v
        case "eps": eps = v
        case "weight_decay": weightDecay = v
        case "momentum": momentum = v
        case "centered": centered = v != 0
        case "maximize": maximize = v != 0
        default: throw TorchError("RMSprop has no setting '\(name)'")
        }
    }
    public func validate() throws {
        guard lr >= 0, eps >= 0, weightDecay >= 0, momentum >= 0, alpha >= 0 else {
            throw TorchError("RMSprop: lr, alpha, eps, momentum and weight decay must be ≥ 0")
        }
    }
}

/// RMSprop (Hinton) with optional momentum and centring, PyTorch's update: v ← α·v + (1−α)·g²;
/// centred: ḡ ← lerp(ḡ, g, 1−α), denominator √(v − ḡ²) + ε; momentum b ← μ·b + g/denominator, θ ← θ − lr·b.
/// Runs as `_foreach_*` calls over the group.
public final class RMSprop: GroupedOptimizer<RMSpropOptions> {
    public init(_ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false, maximize: Bool = false) throws {
        try super.init([ParamGroupSpec(params)], defaults: RMSpropOptions(lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
                                                                          momentum: momentum, centered: centered, maximize: maximize))
    }
    public init(groups: [ParamGroupSpec], defaults: RMSpropOptions) throws {
        try super.init(groups, defaults: defaults)
    }

    override func update(options o: RMSpropOptions, params: [Tensor], grads gradsIn: [Tensor]) throws {
        var sq: [Tensor] = [], steps: [Tensor] = [], gavg: [Tensor] = [], bufs: [Tensor] = []
        for p in params {
            sq.append(try stateTensor(p, "square_avg") { try NNOp.zerosLike.tensor([.tensor(p)]) })
            steps.append(try stepTensor(p))
            if o.centered { gavg.append(try stateTensor(p, "grad_avg") { try NNOp.zerosLike.tensor([.tensor(p)]) }) }
            if o.momentum > 0 { bufs.append(try stateTensor(p, "momentum_buffer") { try NNOp.zerosLike.tensor([.tensor(p)]) }) }
        }
        try ForEach.add_(steps, 1)
        var grads = o.maximize ? try ForEach.neg(gradsIn) : gradsIn
        if o.weightDecay != 0 { grads = try ForEach.add(grads, params, alpha: o.weightDecay) }
        try ForEach.mul_(sq, o.alpha)
        try ForEach.addcmul_(sq, grads, grads, value: 1 - o.alpha)
        let avg: [Tensor]
        if o.centered {
            try ForEach.lerp_(gavg, grads, 1 - o.alpha)
            avg = try ForEach.addcmul(sq, gavg, gavg, value: -1)
            try ForEach.sqrt_(avg)
        } else {
            avg = try ForEach.sqrt(sq)
        }
        try ForEach.add_(avg, o.eps)
        if o.momentum > 0 {
            try ForEach.mul_(bufs, o.momentum)
            try ForEach.addcdiv_(bufs, grads, avg, value: 1)
            try ForEach.add_(params, bufs, alpha: -o.lr)
        } else {
            try ForEach.addcdiv_(params, grads, avg, value: -o.lr)
        }
    }
}
