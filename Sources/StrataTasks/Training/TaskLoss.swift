import StrataTensor
import StrataModels

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

/// Computes a task's loss from logits and targets: a task's loss hook (cross-entropy, BCE with logits, …). For
/// `.embedding` the model defines its objective (`ContrastiveModel.contrastiveLoss`, e.g. SenCLIP's InfoNCE with
/// a queue) and the targets are what its outputs are paired with.
public struct TaskLoss {
    public let kind: TaskKind
    public let options: LossOptions
    let weight: Tensor?
    let contrastive: (any ContrastiveModel)?

    public init(kind: TaskKind, options: LossOptions = .init(), model: Module? = nil) throws {
        guard [.classification, .multilabel, .segmentation, .embedding].contains(kind) else {
            throw TrainingError("no loss is defined for the \(kind.rawValue) task yet")
        }
        self.kind = kind
        self.options = options
        weight = try options.classWeights.map { try Tensor($0.map(Float.init)) }
        contrastive = model as? any ContrastiveModel
        if kind == .embedding && contrastive == nil {
            throw TrainingError("the embedding task trains models with a contrastive objective (SenCLIP); "
                + "\(model.map { String(describing: type(of: $0)) } ?? "no model") has none")
        }
    }

    public func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        switch kind {
        case .classification, .segmentation:
            return try Functional.crossEntropy(logits.to(.float32), target, weight: weight, ignoreIndex: options.ignoreIndex,
                                               labelSmoothing: options.labelSmoothing)
        case .multilabel:
            return try Functional.binaryCrossEntropyWithLogits(logits.to(.float32), target.to(.float32), weight: nil,
                                                               posWeight: weight)
        case .embedding:
            return try contrastive!.contrastiveLoss(logits, target: target)
        default:
            throw TrainingError("no loss is defined for the \(kind.rawValue) task yet")
        }
    }
}
