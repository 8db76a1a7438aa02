import StrataTensor

/// Loss settings shared by the tasks.
public struct LossOptions: Sendable {
    public var labelSmoothing: Double = 0
    public var classWeights: [Double]? = nil
    public var ignoreIndex: Int = -100
    public init(labelSmoothing: Double = 0, classWeights: [Double]? = nil, ignoreIndex: Int = -100) {
        self.labelSmoothing = labelSmoothing
        self.classWeights = classWeights
        self.ignoreIndex = ignoreIndex
    }
}

/// Computes a task's loss from logits and targets: a task's loss hook (cross-entropy, BCE with logits, …).
public struct TaskLoss {
    public let kind: TaskKind
    public let options: LossOptions
    let weight: Tensor?

    public init(kind: TaskKind, options: LossOptions = .init()) throws {
        guard [.classification, .multilabel, .segmentation, .change].contains(kind) else {
            throw TrainingError("no loss is defined for the \(kind.rawValue) task yet")
        }
        self.kind = kind
        self.options = options
        weight = try options.classWeights.map { try Tensor($0.map(Float.init)) }
    }

    public func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        switch kind {
        case .classification, .segmentation:
            return try Functional.crossEntropy(logits.to(.float32), target, weight: weight, ignoreIndex: options.ignoreIndex,
                                               labelSmoothing: options.labelSmoothing)
        case .multilabel:
            return try Functional.binaryCrossEntropyWithLogits(logits.to(.float32), target.to(.float32), weight: nil,
                                                               posWeight: weight)
        case .change:
            // One logit per pixel: BCE with logits over the labelled pixels (target ≠ ignoreIndex), their mean;
            // K ≥ 2 change classes: cross-entropy with the ignore index.
            guard logits.rank == 4, target.rank == 3 else {
                throw TrainingError("change loss: expected logits [B, K, H, W] and a change mask [B, H, W], got "
                    + "\(logits.shape) and \(target.shape)")
            }
            if logits.size(1) > 1 {
                return try Functional.crossEntropy(logits.to(.float32), target, weight: weight,
                                                   ignoreIndex: options.ignoreIndex,
                                                   labelSmoothing: options.labelSmoothing)
            }
            let keep = try (target .!= Double(options.ignoreIndex)).to(.float32)
            let y = try (target .== 1).to(.float32)
            let sum = try Functional.binaryCrossEntropyWithLogits(logits.to(.float32).squeeze(dim: 1), y, weight: keep,
                                                                  posWeight: weight, reduction: .sum)
            return try sum / (keep.sum().clamp(min: 1))
        default:
            throw TrainingError("no loss is defined for the \(kind.rawValue) task yet")
        }
    }
}
