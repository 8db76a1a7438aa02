import StrataModels
import StrataTensor
import StrataModels

/// Loss settings shared by the tasks.
public struct LossOptions: Sendable {
    public var labelSmoothing: Double = 0
    public var classWeights: [Double]? = nil
    public var ignoreIndex: Int = -100
    /// `.semanticChange`: the semantic maps' unlabelled value (the change map's is `ignoreIndex`).
    public var semanticIgnoreIndex: Int = -100
    /// A model's own training loss replacing the task's (ClearSCD's), with its components logged.
    public var modelLoss: ModelLoss? = nil
    /// `.semanticChange`: score in SECOND's convention (labels re-encoded as `SemanticChangeExperiment` does:
    /// class + 1 where changed, 0 elsewhere) instead of ClearSCD's.
    public var secondMetrics = false
    public init(labelSmoothing: Double = 0, classWeights: [Double]? = nil, ignoreIndex: Int = -100,
                semanticIgnoreIndex: Int = -100, modelLoss: ModelLoss? = nil, secondMetrics: Bool = false) {
        self.secondMetrics = secondMetrics
        self.labelSmoothing = labelSmoothing
        self.classWeights = classWeights
        self.ignoreIndex = ignoreIndex
        self.semanticIgnoreIndex = semanticIgnoreIndex
        self.modelLoss = modelLoss
    }
}

/// A model's own training loss (ClearSCD's contrastive and consistency terms need more than logits): called with
/// the batch's logits, target and the current epoch in training mode, it returns the loss to back-propagate and its
/// components by name, which the trainer logs per epoch as `train_<name>`. In evaluation the task's own loss is used.
public final class ModelLoss: @unchecked Sendable {
    public typealias Body = (_ logits: Tensor, _ target: Tensor, _ epoch: Int) throws -> (Tensor, [String: Double])
    let body: Body
    /// Set by the trainer at the start of each epoch.
    public internal(set) var epoch = 1
    var sums: [String: Double] = [:]
    var steps = 0

    public init(_ body: @escaping Body) { self.body = body }

    func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        let (loss, parts) = try body(logits, target, epoch)
        for (k, v) in parts { sums[k, default: 0] += v }
        steps += 1
        return loss
    }

    /// The epoch's mean components, and a fresh start.
    func takeMeans() -> [String: Double] {
        defer { sums = [:]; steps = 0 }
        return steps == 0 ? [:] : sums.mapValues { $0 / Double(steps) }
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

    /// `device`: where the class weights live (the logits' device).
    public init(kind: TaskKind, options: LossOptions = .init(), model: Module? = nil, device: Device = .cpu) throws {
        guard [.classification, .multilabel, .segmentation, .change, .semanticChange, .embedding].contains(kind) else {
            throw TrainingError("no loss is defined for the \(kind.rawValue) task yet")
        }
        self.kind = kind
        self.options = options
        weight = try options.classWeights.map { try Tensor($0.map(Float.init)).to(device) }
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
        case .semanticChange:
            // Logits [B, 2K + 1, H, W] (date 1, date 2, change), target [B, 3, H, W]: cross-entropy of each date's
            // classes (semanticIgnoreIndex ignored) + BCE with logits of the change over labelled pixels.
            guard logits.rank == 4, target.rank == 4, target.size(1) == 3, (logits.size(1) - 1) % 2 == 0 else {
                throw TrainingError("semantic-change loss: expected logits [B, 2K + 1, H, W] and a target [B, 3, H, W], "
                    + "got \(logits.shape) and \(target.shape)")
            }
            let out = try SemanticChangeOutput(concatenated: logits.to(.float32), classes: (logits.size(1) - 1) / 2)
            let ce = { (l: Tensor, t: Tensor) throws -> Tensor in
                try Functional.crossEntropy(l, t, ignoreIndex: self.options.semanticIgnoreIndex)
            }
            let a = try target.select(dim: 1, index: 0), b = try target.select(dim: 1, index: 1)
            let change = try target.select(dim: 1, index: 2)
            let keep = try (change .!= Double(options.ignoreIndex)).to(.float32)
            let y = try (change .== 1).to(.float32)
            let bce = try Functional.binaryCrossEntropyWithLogits(out.change.squeeze(dim: 1), y, weight: keep,
                                                                  posWeight: nil, reduction: .sum)
            return try ce(out.before, a) + ce(out.after, b) + bce / keep.sum().clamp(min: 1)
        case .embedding:
            return try contrastive!.contrastiveLoss(logits, target: target)
        default:
            throw TrainingError("no loss is defined for the \(kind.rawValue) task yet")
        }
    }

    /// The training loss: the model's own (`LossOptions.modelLoss`) when given, else the task's.
    func training(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        if let m = options.modelLoss { return try m(logits, target) }
        return try self(logits, target)
    }
}
