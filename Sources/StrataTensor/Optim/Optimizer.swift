import CTorch

/// What every optimizer offers to training loops, LR schedulers and checkpoints.
public protocol Optimizer: AnyObject {
    /// One update of every parameter that has a gradient (parameters without one are skipped, as PyTorch).
    func step() throws
    /// Sets every parameter's gradient to nil (`zero_grad(set_to_none=True)`).
    func zeroGrad() throws
    var groupCount: Int { get }
    func learningRate(group: Int) -> Double
    func setLearningRate(_ lr: Double, group: Int)
    /// The coefficient one-cycle scheduling cycles: SGD/RMSprop momentum, Adam-family β1 (nil if none).
    func momentum(group: Int) -> Double?
    func setMomentum(_ m: Double, group: Int)
    /// Hyper-parameters of every group and the per-parameter state (moments, step counts), as tensors.
    func stateDict() throws -> StateDict
    /// Restores `stateDict()` output into an optimizer built over the same parameters in the same order.
    func load(stateDict: StateDict) throws
}

/// Hyper-parameters of one parameter group.
public protocol OptimizerOptions: Sendable {
    var lr: Double { get set }
    var weightDecay: Double { get set }
    /// The coefficient one-cycle scheduling cycles (see `Optimizer.momentum(group:)`).
    var schedulableMomentum: Double? { get set }
    /// Numeric values under PyTorch's names (booleans as 0/1), for state dicts.
    var values: [(String, Double)] { get }
    /// Sets one value by its PyTorch name; throws for an unknown name.
    mutating func set(_ name: String, _ value: Double) throws
    /// Throws a clear error for invalid settings (negative learning rate, …).
    func validate() throws
}

/// Parameters optimised with the same hyper-parameters (PyTorch's `param_groups` entry).
public struct ParamGroup<Options: OptimizerOptions> {
    public var params: [Tensor]
    public var options: Options
    public init(params: [Tensor], options: Options) {
        self.params = params
        self.options = options
    }
}

/// A group of parameters with its own learning rate and/or weight decay; other settings come from the
/// optimizer's defaults (change them afterwards through `paramGroups[i].options`).
public struct ParamGroupSpec {
    public var params: [Tensor]
    public var lr: Double?
    public var weightDecay: Double?
    public init(_ params: [Tensor], lr: Double? = nil, weightDecay: Double? = nil) {
        self.params = params
        self.lr = lr
        self.weightDecay = weightDecay
    }
}

/// Shared machinery of the optimizers: parameter groups, per-parameter state keyed by the parameter, state
/// dicts laid out like PyTorch's (`state.<i>.<name>` with `i` the parameter's position across all groups,
/// `param_groups.<g>.<hyper-parameter>`). Subclasses implement `update(group:params:grads:)`.
public class GroupedOptimizer<Options: OptimizerOptions>: Optimizer {
    public var paramGroups: [ParamGroup<Options>]
    var state: [ObjectIdentifier: [String: Tensor]] = [:]

    init(_ specs: [ParamGroupSpec], defaults: Options) throws {
        try defaults.validate()
        var groups: [ParamGroup<Options>] = []
        var seen = Set<ObjectIdentifier>()
        for s in specs {
            var o = defaults
            if let lr = s.lr { o.lr = lr }
            if let wd = s.weightDecay { o.weightDecay = wd }
            try o.validate()
            for p in s.params {
                guard seen.insert(ObjectIdentifier(p)).inserted else {
                    throw TorchError("\(Self.self): a parameter appears in more than one parameter group")
                }
                guard p.dtype.isFloatingPoint else {
                    throw TorchError("\(Self.self): can only optimise floating-point tensors, got \(p.dtype)")
                }
            }
            groups.append(ParamGroup(params: s.params, options: o))
        }
        guard groups.contains(where: { !$0.params.isEmpty }) else {
            throw TorchError("\(Self.self): got an empty parameter list")
        }
        paramGroups = groups
    }

    /// Per-parameter state (e.g. `exp_avg`, `step`), nil before the first step that updated it.
    public func state(for param: Tensor) -> [String: Tensor]? { state[ObjectIdentifier(param)] }

    public func step() throws {
        try Torch.noGrad {
            for g in paramGroups.indices {
                var params: [Tensor] = [], grads: [Tensor] = []
                for p in paramGroups[g].params {
                    if let gr = p.grad { params.append(p); grads.append(gr) }
                }
                if params.isEmpty { continue }
                try update(options: paramGroups[g].options, params: params, grads: grads)
            }
        }
    }

    /// Applies one update to `params` (all with gradients `grads`), reading and writing `state`.
    func update(options: Options, params: [Tensor], grads: [Tensor]) throws {
        throw TorchError("\(Self.self) does not implement update")
    }

    public func zeroGrad() throws {
        for g in paramGroups { for p in g.params { try p.zeroGrad() } }
    }

    public var groupCount: Int { paramGroups.count }
    public func learningRate(group: Int) -> Double { paramGroups[group].options.lr }
    public func setLearningRate(_ lr: Double, group: Int) { paramGroups[group].options.lr = lr }
    public func momentum(group: Int) -> Double? { paramGroups[group].options.schedulableMomentum }
    public func setMomentum(_ m: Double, group: Int) { paramGroups[group].options.schedulableMomentum = m }

    /// State tensors of `p` (created with `make` on first use).
    func stateTensor(_ p: Tensor, _ name: String, _ make: () throws -> Tensor) rethrows -> Tensor {
        let id = ObjectIdentifier(p)
        if let t = state[id]?[name] { return t }
        let t = try make()
        state[id, default: [:]][name] = t
        return t
    }

    /// The `step` counter of `p` (float32 0-d, as PyTorch keeps it), created at 0 on `device` (moved there if a
    /// loaded state put it elsewhere).
    func stepTensor(_ p: Tensor, device: Device = .cpu) throws -> Tensor {
        let t = try stateTensor(p, "step") { try Tensor.zeros([], .init(dtype: .float32, device: device)) }
        if t.device == device { return t }
        let moved = try t.to(device)
        state[ObjectIdentifier(p)]?["step"] = moved
        return moved
    }

    // MARK: state dict

    public func stateDict() throws -> StateDict {
        var out = StateDict()
        var index = 0
        var groupEntries: [(String, Tensor)] = []
        for (g, group) in paramGroups.enumerated() {
            var ids: [Int] = []
            for p in group.params {
                if let s = state[ObjectIdentifier(p)] {
                    for k in s.keys.sorted() { out["state.\(index).\(k)"] = try s[k]!.detached() }
                }
                ids.append(index)
                index += 1
            }
            for (k, v) in group.options.values {
                groupEntries.append(("param_groups.\(g).\(k)", try Tensor(scalar: v, dtype: .float64)))
            }
            groupEntries.append(("param_groups.\(g).params", try Tensor(ids)))
        }
        for (k, v) in groupEntries { out[k] = v }
        return out
    }

    public func load(stateDict sd: StateDict) throws {
        let name = String(describing: Self.self)
        // the layout must match: same number of groups and parameters per group
        var groupSizes: [Int] = []
        while let ids = sd["param_groups.\(groupSizes.count).params"] { groupSizes.append(ids.count) }
        let mine = paramGroups.map(\.params.count)
        guard groupSizes == mine else {
            throw TorchError("\(name).load(stateDict:): the state dict has parameter groups of sizes \(groupSizes), this optimizer \(mine) (build the optimizer over the same parameters, in the same order)")
        }
        var newOptions = paramGroups.map(\.options)
        for g in paramGroups.indices {
            for (k, _) in paramGroups[g].options.values {
                guard let t = sd["param_groups.\(g).\(k)"] else {
                    throw TorchError("\(name).load(stateDict:): param_groups.\(g).\(k) missing (state dict of another optimizer type?)")
                }
                try newOptions[g].set(k, try t.item())
            }
        }
        var newState: [ObjectIdentifier: [String: Tensor]] = [:]
        var index = 0
        var known = Set(sd.keys.filter { $0.hasPrefix("param_groups.") })
        for group in paramGroups {
            for p in group.params {
                let prefix = "state.\(index)."
                for (key, t) in sd where key.hasPrefix(prefix) {
                    let field = String(key.dropFirst(prefix.count))
                    known.insert(key)
                    let isScalarState = field == "step" || field == "mu_product"
                    if !isScalarState && t.shape != p.shape {
                        throw TorchError("\(name).load(stateDict:): \(key) has shape \(t.shape) but parameter \(index) has shape \(p.shape)")
                    }
                    // moments follow the parameter's dtype and device; counters stay float32 on the CPU
                    let v = isScalarState ? try t.to(.float32).clone()
                        : try Self.likeParameter(p, t)
                    newState[ObjectIdentifier(p), default: [:]][field] = v
                }
                index += 1
            }
        }
        let unknown = sd.keys.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw TorchError("\(name).load(stateDict:): unexpected keys \(StateDictError.list(unknown)) (more parameters in the state dict than in this optimizer?)")
        }
        for g in paramGroups.indices { paramGroups[g].options = newOptions[g] }
        state = newState
    }
}

/// Groups of (index) positions whose step counters hold the same value, so a scalar that depends on the step
/// (bias corrections) can be applied with one `_foreach` call per group. Normally there is just one.
func partitionBySteps(_ steps: [Tensor]) throws -> [(step: Double, indices: [Int])] {
    var out: [(Double, [Int])] = []
    for (i, s) in steps.enumerated() {
        let v = try s.item()
        if let j = out.firstIndex(where: { $0.0 == v }) { out[j].1.append(i) } else { out.append((v, [i])) }
    }
    return out
}

extension GroupedOptimizer {
    /// A state tensor with `param`'s dtype, device and memory layout (channels-last stays channels-last) holding
    /// `value`: fused kernels pair param/grad/state elements by memory position, so layouts must match.
    static func likeParameter(_ param: Tensor, _ value: Tensor) throws -> Tensor {
        let out = try Tensor.emptyLike(param)
        try Torch.noGrad { _ = try out.copy_(value) }
        return out
    }
}
