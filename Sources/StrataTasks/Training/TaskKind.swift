import StrataTensor

/// What is being learnt: decides the loss and the metrics.
public enum TaskKind: String, Sendable, CaseIterable {
    /// One class per sample (EuroSAT, So2Sat LCZ): cross-entropy; OA, AA, kappa, F1.
    case classification
    /// Several labels per sample (BigEarthNet): BCE with logits; mAP, micro/macro F1@0.5.
    case multilabel
    /// One class per pixel: cross-entropy with ignore index; OA, kappa, per-class IoU, mIoU.
    case segmentation
}

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

/// Accumulates predictions over an epoch and turns them into the metrics the literature reports.
public struct MetricAccumulator {
    public let kind: TaskKind
    public let numClasses: Int
    public private(set) var confusion: ConfusionMatrix?
    public private(set) var multiLabel: MultiLabelMetrics?

    public init(kind: TaskKind, numClasses: Int, ignoreIndex: Int? = nil) throws {
        self.kind = kind
        self.numClasses = numClasses
        switch kind {
        case .classification, .segmentation:
            confusion = try ConfusionMatrix(numClasses: numClasses, ignoreIndex: ignoreIndex)
        case .multilabel:
            multiLabel = try MultiLabelMetrics(numClasses: numClasses)
        }
    }

    public mutating func update(logits: Tensor, target: Tensor) throws {
        switch kind {
        case .classification, .segmentation:
            let pred = try logits.detached().argmax(dim: 1)
            try confusion!.update(predictions: pred, targets: target)
        case .multilabel:
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
        case .multilabel:
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
        case .multilabel:
            let m = multiLabel!
            let ap = m.averagePrecision, f1 = m.f1()
            return (["class", "AP", "F1@0.5"], (0..<numClasses).map { [n($0), f(ap[$0]), f(f1[$0])] })
        }
    }
}

/// Computes a task's loss from logits and targets.
public struct TaskLoss {
    public let kind: TaskKind
    public let options: LossOptions
    let weight: Tensor?

    public init(kind: TaskKind, options: LossOptions = .init()) throws {
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
        }
    }
}
