/// Batch normalisation over the channel dimension (`nn.BatchNorm1d/2d/3d`): batch statistics in training (and
/// an exponential — or, with `momentum: nil`, cumulative — running average of them when `trackRunningStats`),
/// running statistics in evaluation. Buffers `running_mean`, `running_var`, `num_batches_tracked` as PyTorch.
public class BatchNormNd: Module {
    public let numFeatures: Int
    public let eps: Double
    /// Running-average factor; nil: cumulative moving average (1 / batches seen).
    public let momentum: Double?
    public let affine: Bool, trackRunningStats: Bool
    public let weight: Tensor?, bias: Tensor?
    public let runningMean: Tensor?, runningVar: Tensor?, numBatchesTracked: Tensor?
    let allowedRanks: [Int]
    /// SyncBatchNorm: in training, batch statistics over the whole global batch of this process group (each rank's
    /// chips), with their gradients summed across the ranks in backward (`torch.nn.SyncBatchNorm`). nil: local.
    public var syncGroup: ProcessGroup?

    init(numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool,
         ranks: [Int], options: TensorOptions) throws {
        guard numFeatures > 0 else { throw TorchError("BatchNorm: numFeatures must be > 0, got \(numFeatures)") }
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.trackRunningStats = trackRunningStats
        self.allowedRanks = ranks
        let o = TensorOptions(dtype: options.dtype, device: options.device)
        weight = affine ? try Tensor.ones([numFeatures], o) : nil
        bias = affine ? try Tensor.zeros([numFeatures], o) : nil
        if trackRunningStats {
            runningMean = try Tensor.zeros([numFeatures], o)
            runningVar = try Tensor.ones([numFeatures], o)
            numBatchesTracked = try Tensor.zeros([], .init(dtype: .int64, device: options.device))
        } else {
            runningMean = nil
            runningVar = nil
            numBatchesTracked = nil
        }
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
        registerBuffer("num_batches_tracked", numBatchesTracked)
    }

    /// Old checkpoints have no `num_batches_tracked`; PyTorch loads them, so do we.
    public override var optionalStateKeys: Set<String> { ["num_batches_tracked"] }

    /// Running statistics back to mean 0, variance 1, zero batches.
    public func resetRunningStats() throws {
        if let runningMean { try Init.zeros(runningMean) }
        if let runningVar { try Init.ones(runningVar) }
        if let numBatchesTracked { try Torch.noGrad { _ = try NNOp.zero_.call([.tensor(numBatchesTracked)]) } }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard allowedRanks.contains(x.rank) else {
            throw TorchError("\(typeName): expected a \(allowedRanks.map { "\($0)-D" }.joined(separator: " or ")) input, got shape \(x.shape)")
        }
        var factor = momentum ?? 0
        if isTraining && trackRunningStats, let nbt = numBatchesTracked {
            try Torch.noGrad { _ = try NNOp.add_S.call([.tensor(nbt), 1]) }
            if momentum == nil { factor = 1 / Double(try nbt.itemInt()) }
        }
        let useBatchStats = isTraining || (runningMean == nil && runningVar == nil)
        if useBatchStats {
            let s = x.shape
            let perChannel = s.count > 1 ? s.reduce(1, *) / s[1] : 1
            if perChannel == 1 {
                throw TorchError("\(typeName): expected more than 1 value per channel when training, got input shape \(s) (use a batch larger than 1 or eval mode)")
            }
        }
        if isTraining, let group = syncGroup, group.worldSize > 1 {
            return try syncForward(x, group: group, factor: factor)
        }
        let stats = !isTraining || trackRunningStats
        return try NNOp.batchNorm.tensor([.tensor(x), .tensor(weight), .tensor(bias),
                                          .tensor(stats ? runningMean : nil), .tensor(stats ? runningVar : nil),
                                          .bool(useBatchStats), .double(factor), .double(eps), true])
    }

    /// Training forward of SyncBatchNorm. Two all-reduces, each differentiable: the channel sums (→ global mean) and
    /// the sums of squared deviations from that mean (→ global biased variance, as one process over the whole batch
    /// computes it). Each reduced value is `local + (global − local).detached()`, and a hook on `local` sums its
    /// gradient over the ranks in backward, so every rank's input gradient is that of the global batch.
    func syncForward(_ x: Tensor, group: ProcessGroup, factor: Double) throws -> Tensor {
        let dims = [0] + Array(2..<x.rank)
        var shape = Array(repeating: 1, count: x.rank)
        shape[1] = numFeatures
        func reduced(_ local: Tensor) throws -> Tensor {
            let global = try local.detached().contiguous()
            try group.allReduce([global])
            if local.requiresGrad { try group.allReduceGradientHook(local) }
            return try local + (global - local.detached())
        }
        let count = try Tensor.full([1], Double(x.count / numFeatures), .init(dtype: .float64))
        try group.allReduce([count])
        let n = try count.item()
        let mean = try reduced(x.sum(dims: dims)) / n
        let centred = try x - mean.view(shape)
        let variance = try reduced(centred.square().sum(dims: dims)) / n
        var y = try centred * (variance + eps).rsqrt().view(shape)
        if let weight { y = try y * weight.view(shape) }
        if let bias { y = try y + bias.view(shape) }
        if trackRunningStats, let runningMean, let runningVar {
            try Torch.noGrad {
                let unbiased = try variance.detached() * (n / max(n - 1, 1))
                try runningMean.mul_(1 - factor).add_(mean.detached() * factor)
                try runningVar.mul_(1 - factor).add_(unbiased * factor)
            }
        }
        return y
    }

    public override var extraDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(affine), track_running_stats=\(trackRunningStats)"
    }
}

/// BatchNorm over `[N, C]` or `[N, C, L]`.
public final class BatchNorm1d: BatchNormNd {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, _ options: TensorOptions = .init()) throws {
        try super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
                       trackRunningStats: trackRunningStats, ranks: [2, 3], options: options)
    }
}
/// BatchNorm over `[N, C, H, W]` (contiguous or channels-last).
public final class BatchNorm2d: BatchNormNd {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, _ options: TensorOptions = .init()) throws {
        try super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
                       trackRunningStats: trackRunningStats, ranks: [4], options: options)
    }
}
/// BatchNorm over `[N, C, D, H, W]`.
public final class BatchNorm3d: BatchNormNd {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, _ options: TensorOptions = .init()) throws {
        try super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
                       trackRunningStats: trackRunningStats, ranks: [5], options: options)
    }
}

/// Group normalisation (`nn.GroupNorm`): channels split into `numGroups` groups normalised per sample.
public final class GroupNorm: Module {
    public let numGroups: Int, numChannels: Int
    public let eps: Double
    public let weight: Tensor?, bias: Tensor?

    public init(numGroups: Int, numChannels: Int, eps: Double = 1e-5, affine: Bool = true,
                _ options: TensorOptions = .init()) throws {
        guard numGroups > 0, numChannels % numGroups == 0 else {
            throw TorchError("GroupNorm: numChannels (\(numChannels)) must be divisible by numGroups (\(numGroups))")
        }
        self.numGroups = numGroups
        self.numChannels = numChannels
        self.eps = eps
        weight = affine ? try Tensor.ones([numChannels], options) : nil
        bias = affine ? try Tensor.zeros([numChannels], options) : nil
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try NNOp.groupNorm.tensor([.tensor(x), .int(numGroups), .tensor(weight), .tensor(bias), .double(eps), true])
    }
    public override var extraDescription: String { "\(numGroups), \(numChannels), eps=\(eps), affine=\(weight != nil)" }
}

/// Layer normalisation over the trailing `normalizedShape` dimensions (`nn.LayerNorm`).
public final class LayerNorm: Module {
    public let normalizedShape: [Int]
    public let eps: Double
    public let weight: Tensor?, bias: Tensor?

    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
                _ options: TensorOptions = .init()) throws {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? try Tensor.ones(normalizedShape, options) : nil
        self.bias = elementwiseAffine && bias ? try Tensor.zeros(normalizedShape, options) : nil
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", self.bias)
    }
    public convenience init(_ features: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
                            _ options: TensorOptions = .init()) throws {
        try self.init([features], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, options)
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try NNOp.layerNorm.tensor([.tensor(x), .ints(normalizedShape), .tensor(weight), .tensor(bias), .double(eps), true])
    }
    public override var extraDescription: String { "\(normalizedShape), eps=\(eps), elementwise_affine=\(weight != nil)" }
}
