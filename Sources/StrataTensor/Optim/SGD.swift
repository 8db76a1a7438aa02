/// Settings of `SGD` (PyTorch names in state dicts).
public struct SGDOptions: OptimizerOptions {
    public var lr: Double
    public var momentum: Double = 0
    public var dampening: Double = 0
    public var weightDecay: Double = 0
    public var nesterov = false
    public var maximize = false
    public init(lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false, maximize: Bool = false) {
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.maximize = maximize
    }
    public var schedulableMomentum: Double? {
        get { momentum }
        set { if let v = newValue { momentum = v } }
    }
    public var values: [(String, Double)] {
        [("lr", lr), ("momentum", momentum), ("dampening", dampening), ("weight_decay", weightDecay),
         ("nesterov", nesterov ? 1 : 0), ("maximize", maximize ? 1 : 0)]
    }
    public mutating func set(_ name: String, _ v: Double) throws {
        switch name {
        case "lr": lr = v
        case "momentum": momentum = v
        case "dampening": dampening = v
        case "weight_decay": weightDecay = v
        case "nesterov": nesterov = v != 0
        case "maximize": maximize = v != 0
        default: throw TorchError("SGD has no setting '\(name)'")
        }
    }
    public func validate() throws {
        guard lr >= 0 else { throw TorchError("SGD: invalid learning rate \(lr) (must be ≥ 0)") }
        guard momentum >= 0 else { throw TorchError("SGD: invalid momentum \(momentum) (must be ≥ 0)") }
        guard weightDecay >= 0 else { throw TorchError("SGD: invalid weight decay \(weightDecay) (must be ≥ 0)") }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TorchError("SGD: Nesterov momentum requires momentum > 0 and zero dampening")
        }
    }
}

/// Stochastic gradient descent with optional (Nesterov) momentum, dampening and L2 weight decay, with
/// exactly PyTorch's update:
/// g ← g + wd·θ; b ← g (first step) or μ·b + (1−τ)·g; g ← g + μ·b (Nesterov) or b; θ ← θ − lr·g.
/// Runs as one fused libtorch kernel call per group (`_fused_sgd_`).
///
/// ```swift
/// let opt = try SGD(model.parameters(), lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
/// try loss.backward(); try opt.step(); try opt.zeroGrad()
/// ```
public final class SGD: GroupedOptimizer<SGDOptions> {
    static let fused = Op("aten::_fused_sgd_")

    public init(_ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) throws {
        try super.init([ParamGroupSpec(params)], defaults: SGDOptions(lr: lr, momentum: momentum, dampening: dampening,
                                                                      weightDecay: weightDecay, nesterov: nesterov, maximize: maximize))
    }
    public init(groups: [ParamGroupSpec], defaults: SGDOptions) throws {
        try super.init(groups, defaults: defaults)
    }

    override func update(options o: SGDOptions, params: [Tensor], grads: [Tensor]) throws {
        // Parameters whose momentum buffer exists already and new ones go in separate calls (is_first_step).
        var old: [Int] = [], new: [Int] = []
        if o.momentum != 0 {
            for (i, p) in params.enumerated() {
                if state[ObjectIdentifier(p)]?["momentum_buffer"] != nil { old.append(i) } else { new.append(i) }
            }
        } else {
            old = Array(params.indices)
        }
        for (indices, first) in [(old, false), (new, true)] where !indices.isEmpty {
            let ps = indices.map { params[$0] }, gs = indices.map { grads[$0] }
            var bufs: [Tensor] = []
            if o.momentum != 0 {
                bufs = try indices.map { i in
                    try stateTensor(params[i], "momentum_buffer") { try NNOp.emptyLike.tensor([.tensor(params[i])]) }
                }
            }
            _ = try Self.fused.call([.tensors(ps), .tensors(gs), .tensors(bufs)], named: [
                "weight_decay": .double(o.weightDecay), "momentum": .double(o.momentum), "lr": .double(o.lr),
                "dampening": .double(o.dampening), "nesterov": .bool(o.nesterov), "maximize": .bool(o.maximize),
                "is_first_step": .bool(first),
            ])
        }
    }
}
