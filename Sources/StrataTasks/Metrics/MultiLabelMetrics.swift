import StrataTensor

/// Streaming multi-label metrics (BigEarthNet-style): keeps every score so ranking metrics are exact.
///
/// - ``averagePrecision`` per class is scikit-learn's `average_precision_score` (step-wise, no interpolation:
///   AP = Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the distinct score thresholds, ties grouped); a class with no positive target
///   gets AP 0, as sklearn does; ``meanAveragePrecision`` is the macro mean over all classes.
/// - F1 at a threshold (default 0.5) predicts a label when `score > threshold` (torchmetrics' rule, used by
///   TorchGeo); micro F1 pools TP/FP/FN over classes, macro F1 averages per-class F1 over all classes,
///   0 where undefined (`zero_division=0`).
///
/// Feed probabilities with ``update(scores:targets:)`` or raw logits with ``update(logits:targets:)``.
public struct MultiLabelMetrics: Sendable {
    public let numClasses: Int
    /// Scores, row-major `[samples, numClasses]`.
    public private(set) var scores: [Float] = []
    /// 0/1 targets, row-major `[samples, numClasses]`.
    public private(set) var targets: [UInt8] = []

    public init(numClasses: Int) throws {
        guard numClasses >= 1 else { throw MetricError("MultiLabelMetrics: numClasses must be ≥ 1, got \(numClasses)") }
        self.numClasses = numClasses
    }

    /// Samples seen so far.
    public var sampleCount: Int { targets.count / numClasses }

    public mutating func reset() { scores = []; targets = [] }

    /// Accumulates probabilities `[N, C]` (row-major) and 0/1 targets of the same length.
    public mutating func update(scores s: [Float], targets t: [Int]) throws {
        guard s.count == t.count, s.count % numClasses == 0 else {
            throw MetricError("MultiLabelMetrics.update: \(s.count) scores and \(t.count) targets must be equal multiples of \(numClasses) classes")
        }
        var bits = [UInt8](repeating: 0, count: t.count)
        for (i, v) in t.enumerated() {
            guard v == 0 || v == 1 else { throw MetricError("MultiLabelMetrics.update: target value \(v) is not 0 or 1") }
            bits[i] = UInt8(v)
        }
        scores += s
        targets += bits
    }

    /// Accumulates probabilities `[N, C]` and 0/1 targets `[N, C]` (any dtype, any device).
    public mutating func update(scores s: Tensor, targets t: Tensor) throws {
        guard s.rank == 2, s.size(1) == numClasses, t.shape == s.shape else {
            throw MetricError("MultiLabelMetrics.update: scores \(s.shape) and targets \(t.shape) must both be [N, \(numClasses)]")
        }
        try update(scores: try s.floats(), targets: try t.to(.int64).ints())
    }

    /// Accumulates logits `[N, C]` (the sigmoid is applied first) and 0/1 targets `[N, C]`.
    public mutating func update(logits: Tensor, targets t: Tensor) throws {
        try update(scores: try MetricOps.sigmoid.tensor([.tensor(logits)]), targets: t)
    }

    // MARK: ranking

    /// Average precision of one class.
    public func averagePrecision(ofClass c: Int) -> Double {
        let n = sampleCount
        var pairs = [(Float, UInt8)]()
        pairs.reserveCapacity(n)
        for i in 0..<n { pairs.append((scores[i * numClasses + c], targets[i * numClasses + c])) }
        pairs.sort { $0.0 > $1.0 }
        let positives = pairs.reduce(0) { $0 + Int($1.1) }
        guard positives > 0 else { return 0 }
        var ap = 0.0, tp = 0, fp = 0, lastRecall = 0.0
        var i = 0
        while i < n {
            let threshold = pairs[i].0
            while i < n && pairs[i].0 == threshold {
                if pairs[i].1 == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            let recall = Double(tp) / Double(positives)
            ap += (recall - lastRecall) * Double(tp) / Double(tp + fp)
            lastRecall = recall
        }
        return ap
    }

    /// Average precision per class.
    public var averagePrecision: [Double] { (0..<numClasses).map { averagePrecision(ofClass: $0) } }
    /// mAP: macro mean of the per-class average precision.
    public var meanAveragePrecision: Double { mean(averagePrecision) }

    // MARK: thresholded

    /// Per-class TP, FP, FN with `score > threshold` as the prediction.
    public func counts(threshold: Float = 0.5) -> (tp: [Int], fp: [Int], fn: [Int]) {
        var tp = [Int](repeating: 0, count: numClasses), fp = tp, fn = tp
        for i in 0..<targets.count {
            let c = i % numClasses
            let predicted = scores[i] > threshold, positive = targets[i] == 1
            if predicted && positive { tp[c] += 1 } else if predicted { fp[c] += 1 } else if positive { fn[c] += 1 }
        }
        return (tp, fp, fn)
    }

    public func precision(threshold: Float = 0.5) -> [Double] {
        let k = counts(threshold: threshold)
        return (0..<numClasses).map { ratio(k.tp[$0], k.tp[$0] + k.fp[$0]) }
    }
    public func recall(threshold: Float = 0.5) -> [Double] {
        let k = counts(threshold: threshold)
        return (0..<numClasses).map { ratio(k.tp[$0], k.tp[$0] + k.fn[$0]) }
    }
    public func f1(threshold: Float = 0.5) -> [Double] {
        let k = counts(threshold: threshold)
        return (0..<numClasses).map { ratio(2 * k.tp[$0], 2 * k.tp[$0] + k.fp[$0] + k.fn[$0]) }
    }
    /// Macro F1 over all classes.
    public func macroF1(threshold: Float = 0.5) -> Double { mean(f1(threshold: threshold)) }
    /// Micro F1: TP, FP, FN pooled over classes.
    public func microF1(threshold: Float = 0.5) -> Double {
        let k = counts(threshold: threshold)
        let tp = k.tp.reduce(0, +), fp = k.fp.reduce(0, +), fn = k.fn.reduce(0, +)
        return ratio(2 * tp, 2 * tp + fp + fn)
    }
    public func microPrecision(threshold: Float = 0.5) -> Double {
        let k = counts(threshold: threshold)
        return ratio(k.tp.reduce(0, +), k.tp.reduce(0, +) + k.fp.reduce(0, +))
    }
    public func microRecall(threshold: Float = 0.5) -> Double {
        let k = counts(threshold: threshold)
        return ratio(k.tp.reduce(0, +), k.tp.reduce(0, +) + k.fn.reduce(0, +))
    }

    /// Scalar metrics by name for logs and reports: `map`, `f1_micro`, `f1_macro` (threshold 0.5).
    public var summary: [String: Double] {
        ["map": meanAveragePrecision, "f1_micro": microF1(), "f1_macro": macroF1()]
    }
}
