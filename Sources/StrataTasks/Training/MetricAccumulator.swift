import StrataModels
import StrataTensor

/// Accumulates predictions over an epoch and turns them into the metrics the literature reports: a task's metrics
/// hook (a new task adds its case here and in `TaskLoss`).
public struct MetricAccumulator {
    public let kind: TaskKind
    public let numClasses: Int
    public private(set) var confusion: ConfusionMatrix?
    public private(set) var multiLabel: MultiLabelMetrics?
    /// Binary change metrics (`.change` with two classes: no change, change).
    public private(set) var binaryChange: BinaryChangeMetrics?
    /// Semantic change metrics: ClearSCD's convention or SECOND's — see `SemanticChangeMetrics`. Targets are in
    /// ClearSCD's encoding either way (K classes, K = unlabelled; SECOND's "no change" is unlabelled there).
    public private(set) var clearSCD: SemanticChangeMetrics.ClearSCD?
    public private(set) var second: SemanticChangeMetrics.SECOND?
    public private(set) var embedding: EmbeddingAgreement?

    /// Whether the classification summary adds `LCZMetrics`' group accuracies (`oa_built`, `oa_natural`).
    public let lcz: Bool

    public init(kind: TaskKind, numClasses: Int, ignoreIndex: Int? = nil, secondConvention: Bool = false,
                lcz: Bool = false) throws {
        guard !lcz || (kind == .classification && numClasses == 17) else {
            throw TrainingError("LCZ metrics need a classification of the 17 local climate zones, not \(numClasses) "
                + "\(kind.rawValue) classes")
        }
        self.kind = kind
        self.numClasses = numClasses
        self.lcz = lcz
        switch kind {
        case .classification, .segmentation:
            confusion = try ConfusionMatrix(numClasses: numClasses, ignoreIndex: ignoreIndex)
        case .multilabel:
            multiLabel = try MultiLabelMetrics(numClasses: numClasses)
        case .semanticChange:
            // SECOND's convention when class 0 is "no change" (SECOND labels), else ClearSCD's (K classes, K unlabelled).
            if secondConvention { second = try SemanticChangeMetrics.SECOND(classCount: numClasses) }
            else { clearSCD = try SemanticChangeMetrics.ClearSCD(classCount: numClasses) }
            binaryChange = BinaryChangeMetrics(ignoreIndex: 255)
        case .change:
            confusion = try ConfusionMatrix(numClasses: numClasses, ignoreIndex: ignoreIndex)
            if numClasses == 2 { binaryChange = BinaryChangeMetrics(ignoreIndex: ignoreIndex) }
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
        case .semanticChange:
            let k = (logits.size(1) - 1) / 2
            let out = try SemanticChangeOutput(concatenated: logits.detached(), classes: k)
            var pa = try out.before.argmax(dim: 1), pb = try out.after.argmax(dim: 1)
            let mask = try (out.change.squeeze(dim: 1) .> 0).to(.int64)
            let la = try target.select(dim: 1, index: 0), lb = try target.select(dim: 1, index: 1)
            let lc = try target.select(dim: 1, index: 2)
            try binaryChange!.update(predictions: mask, targets: lc)
            if second != nil {
                // SECOND: classes + 1 where change is predicted (labelled), 0 elsewhere; both dates in one histogram.
                pa = try (pa + 1) * mask
                pb = try (pb + 1) * mask
                let back = { (l: Tensor) throws -> Tensor in try Tensor.where(l .== Double(k), 0, l + 1).to(.int64) }
                try second!.update(predictions: Tensor.cat([pa, pb]), labels: Tensor.cat([back(la), back(lb)]))
            } else {
                try clearSCD!.update(labelsA: la, labelsB: lb, changeLabels: lc, predictionsA: pa, predictionsB: pb,
                                     changeMask: mask)
            }
        case .change:
            // One logit: change where it is > 0 (probability > 0.5); K logits: the argmax class.
            let l = try logits.detached()
            let pred = try l.size(1) == 1 ? (l.squeeze(dim: 1) .> 0).to(.int64) : l.argmax(dim: 1)
            try confusion!.update(predictions: pred, targets: target)
            try binaryChange?.update(predictions: pred, targets: target)
        case .embedding:
            try embedding!.update(output: logits, target: target)
        default:
            try multiLabel!.update(logits: logits.detached().to(.float32), targets: target)
        }
    }

    /// Scalar metrics by name (`oa`, `aa`, `kappa`, `f1_macro`, `f1_weighted`, `miou`, `map`, `oa_built`, …).
    public var summary: [String: Double] {
        switch kind {
        case .classification:
            let c = confusion!
            var s = ["oa": c.overallAccuracy, "aa": c.averageAccuracy, "kappa": c.kappa,
                     "f1_macro": c.macroF1, "f1_weighted": c.weightedF1]
            if lcz {
                s["oa_built"] = LCZMetrics.groupAccuracy(c, LCZMetrics.builtClasses)
                s["oa_natural"] = LCZMetrics.groupAccuracy(c, LCZMetrics.naturalClasses)
            }
            return s
        case .segmentation:
            let c = confusion!
            return ["oa": c.overallAccuracy, "kappa": c.kappa, "miou": c.meanIoU, "f1_macro": c.macroF1]
        case .semanticChange:
            let b = binaryChange!
            var out = ["f1_change": b.f1, "iou_change": b.iou, "precision_change": b.precision,
                       "recall_change": b.recall]
            if let m = second {
                out.merge(["miou": m.meanIoU, "sek": m.sek, "fscd": m.fscd, "score": m.score,
                           "oa": m.overallAccuracyPooled]) { a, _ in a }
            } else if let m = clearSCD {
                out.merge(["kappa": m.kappa, "kappa_nuc": m.kappaNUC, "sek": m.sek, "overall_score": m.overallScore,
                           "seg_miou": m.segMeanIoU, "oa_scd": m.overallAccuracySCD]) { a, _ in a }
            }
            return out
        case .change:
            if let b = binaryChange {  // the change class's figures (BIT / ChangeFormer / TinyCD's F1_1, iou_1, …)
                return ["precision": b.precision, "recall": b.recall, "f1": b.f1, "iou": b.iou,
                        "oa": b.overallAccuracy, "kappa": b.kappa]
            }
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
        case .semanticChange:
            // Per class: IoU and F1 of the semantic maps of both dates (ClearSCD: its C × C semantic confusion,
            // labelled pixels; SECOND: its histogram, class 0 = no change).
            let (cells, k, gtMajor): ([Int], Int, Bool) = second.map { ($0.histogram, $0.classCount + 1, false) }
                ?? (clearSCD!.semantic, clearSCD!.classCount, true)
            let label = { (i: Int) -> String in self.second == nil ? n(i) : i == 0 ? "no change" : n(i - 1) }
            let rows = (0..<k).map { i -> [String] in
                var tp = 0.0, predicted = 0.0, actual = 0.0
                for j in 0..<k {
                    let (gtRow, predRow) = gtMajor ? (cells[i * k + j], cells[j * k + i]) : (cells[j * k + i], cells[i * k + j])
                    actual += Double(gtRow)
                    predicted += Double(predRow)
                }
                tp = Double(cells[i * k + i])
                let iou = tp / (predicted + actual - tp), f1 = 2 * tp / (predicted + actual)
                return [label(i), f(iou), f(f1), String(Int(actual))]
            }
            return (["class", "IoU", "F1", "support"], rows)
        case .classification, .segmentation, .change:
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
