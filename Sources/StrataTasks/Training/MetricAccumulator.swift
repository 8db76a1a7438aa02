import StrataTensor

/// Accumulates predictions over an epoch and turns them into the metrics the literature reports: a task's metrics
/// hook (a new task adds its case here and in `TaskLoss`).
public struct MetricAccumulator {
    public let kind: TaskKind
    public let numClasses: Int
    public private(set) var confusion: ConfusionMatrix?
    public private(set) var multiLabel: MultiLabelMetrics?
    public private(set) var embedding: EmbeddingAgreement?

    public init(kind: TaskKind, numClasses: Int, ignoreIndex: Int? = nil) throws {
        self.kind = kind
        self.numClasses = numClasses
        switch kind {
        case .classification, .segmentation:
            confusion = try ConfusionMatrix(numClasses: numClasses, ignoreIndex: ignoreIndex)
        case .multilabel:
            multiLabel = try MultiLabelMetrics(numClasses: numClasses)
        case .embedding:
            embedding = EmbeddingAgreement()
        default:
            throw TrainingError("no metrics are defined for the \(kind.rawValue) task yet")
        }
    }

    public mutating func update(logits: Tensor, target: Tensor) throws {
        switch kind {
        case .classification, .segmentation:
            let pred = try logits.detached().argmax(dim: 1)
            try confusion!.update(predictions: pred, targets: target)
        case .embedding:
            try embedding!.update(output: logits, target: target)
        default:
            try multiLabel!.update(logits: logits.detached().to(.float32), targets: target)
        }
    }

    /// Scalar metrics by name (`oa`, `aa`, `kappa`, `f1_macro`, `f1_weighted`, `miou`, `map`, …).
    public var summary: [String: Double] {
        switch kind {
        case .classification:
            let c = confusion!
            return ["oa": c.overallAccuracy, "aa": c.averageAccuracy, "kappa": c.kappa,
                    "f1_macro": c.macroF1, "f1_weighted": c.weightedF1]
        case .segmentation:
            let c = confusion!
            return ["oa": c.overallAccuracy, "kappa": c.kappa, "miou": c.meanIoU, "f1_macro": c.macroF1]
        case .embedding:
            return embedding!.summary
        default:
            let m = multiLabel!
            return ["map": m.meanAveragePrecision, "f1_micro": m.microF1(), "f1_macro": m.macroF1()]
        }
    }

    /// Per-class rows for reports: (name, values) with the column names.
    public func perClass(names: [String]) -> (columns: [String], rows: [[String]]) {
        func n(_ i: Int) -> String { i < names.count ? names[i] : String(i) }
        func f(_ v: Double) -> String { v.isFinite ? String(format: "%.4f", v) : "–" }
        switch kind {
        case .classification, .segmentation:
            let c = confusion!
            let p = c.precision, r = c.recall, f1 = c.f1, iou = c.iou, s = c.support
            return (["class", "precision", "recall", "F1", "IoU", "support"],
                    (0..<numClasses).map { [n($0), f(p[$0]), f(r[$0]), f(f1[$0]), f(iou[$0]), String(s[$0])] })
        case .embedding:
            return (["metric", "value"], embedding!.summary.sorted { $0.key < $1.key }.map { [$0.key, f($0.value)] })
        default:
            let m = multiLabel!
            let ap = m.averagePrecision, f1 = m.f1()
            return (["class", "AP", "F1@0.5"], (0..<numClasses).map { [n($0), f(ap[$0]), f(f1[$0])] })
        }
    }
}
