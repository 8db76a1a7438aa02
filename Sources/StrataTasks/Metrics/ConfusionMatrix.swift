import StrataTensor

/// A streaming confusion matrix for single-label classification and semantic segmentation.
///
/// Rows are targets, columns predictions (`self[target, prediction]`), as scikit-learn's `confusion_matrix`.
/// Feed it batch by batch with ``update(predictions:targets:)-(Tensor,Tensor)`` (class indices, or scores/logits
/// with the class dimension at 1) or with `[Int]`s; entries whose target equals `ignoreIndex` are skipped. All
/// classification metrics (``overallAccuracy``, ``kappa``, ``f1``, ``iou``, …) are computed from the counts, so
/// accumulating batches gives exactly the metrics of the concatenated predictions.
///
/// ```swift
/// var cm = try ConfusionMatrix(numClasses: 10, ignoreIndex: 255)
/// for batch in loader { try cm.update(predictions: model(batch.image), targets: batch.label) }
/// print(cm.overallAccuracy, cm.kappa, cm.macroF1)
/// ```
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public let numClasses: Int
    /// Target value marking entries to skip (unlabelled pixels, padding), or nil.
    public let ignoreIndex: Int?
    /// Row-major `numClasses × numClasses` counts: `counts[target * numClasses + prediction]`.
    public private(set) var counts: [Int]

    public init(numClasses: Int, ignoreIndex: Int? = nil) throws {
        guard numClasses >= 1 else { throw MetricError("ConfusionMatrix: numClasses must be ≥ 1, got \(numClasses)") }
        if let ig = ignoreIndex, (0..<numClasses).contains(ig) {
            throw MetricError("ConfusionMatrix: ignoreIndex \(ig) is a valid class (0..<\(numClasses)); use a value outside the class range such as 255 or -1")
        }
        self.numClasses = numClasses
        self.ignoreIndex = ignoreIndex
        counts = [Int](repeating: 0, count: numClasses * numClasses)
    }

    /// Count for one (target, prediction) pair.
    public subscript(target: Int, prediction: Int) -> Int { counts[target * numClasses + prediction] }

    /// The counts as rows (one per target class).
    public var rows: [[Int]] { (0..<numClasses).map { Array(counts[$0 * numClasses..<($0 + 1) * numClasses]) } }

    /// Number of counted (non-ignored) entries.
    public var total: Int { counts.reduce(0, +) }

    /// Clears the counts (start of a new epoch).
    public mutating func reset() { counts = [Int](repeating: 0, count: numClasses * numClasses) }

    /// Adds another matrix's counts (e.g. from another worker).
    public mutating func merge(_ other: ConfusionMatrix) throws {
        guard other.numClasses == numClasses else {
            throw MetricError("ConfusionMatrix.merge: \(other.numClasses) classes vs \(numClasses)")
        }
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    /// Accumulates class-index predictions and targets of equal length.
    public mutating func update(predictions: [Int], targets: [Int]) throws {
        guard predictions.count == targets.count else {
            throw MetricError("ConfusionMatrix.update: \(predictions.count) predictions vs \(targets.count) targets")
        }
        var add = [Int](repeating: 0, count: counts.count)
        for (p, t) in zip(predictions, targets) {
            if t == ignoreIndex { continue }
            try checkLabel(t, "target")
            try checkLabel(p, "prediction")
            add[t * numClasses + p] += 1
        }
        for i in counts.indices { counts[i] += add[i] }
    }

    private func checkLabel(_ v: Int, _ what: String) throws {
        guard v >= 0 && v < numClasses else {
            let ig = ignoreIndex.map { " and is not the ignore index \($0)" } ?? " (no ignore index set)"
            throw MetricError("ConfusionMatrix: \(what) label \(v) is outside 0..<\(numClasses)\(ig)")
        }
    }

    /// Accumulates a batch given as tensors on any device.
    ///
    /// - `targets`: integer class indices, shape `[N]` (classification) or `[N, H, W]` (segmentation).
    /// - `predictions`: integer class indices of the same shape, or scores/logits/probabilities with one more
    ///   dimension, the class dimension at index 1 (`[N, C]`, `[N, C, H, W]`); the argmax is taken.
    public mutating func update(predictions: Tensor, targets: Tensor) throws {
        var pred = predictions
        if predictions.rank == targets.rank + 1 {
            guard predictions.size(1) == numClasses else {
                throw MetricError("ConfusionMatrix.update: scores have \(predictions.size(1)) classes at dim 1, expected \(numClasses)")
            }
            pred = try MetricOps.argmax.tensor([.tensor(predictions), 1, false])
        } else if predictions.rank != targets.rank || predictions.dtype.isFloatingPoint {
            throw MetricError("ConfusionMatrix.update: predictions \(predictions.shape) (\(predictions.dtype)) must be integer class indices shaped like the targets \(targets.shape), or scores with a class dimension at 1")
        }
        guard pred.shape == targets.shape else {
            throw MetricError("ConfusionMatrix.update: predictions \(pred.shape) vs targets \(targets.shape)")
        }
        guard !targets.dtype.isFloatingPoint else {
            throw MetricError("ConfusionMatrix.update: targets must be integer class indices, got \(targets.dtype)")
        }
        var t = try MetricOps.reshape.tensor([.tensor(try targets.to(.int64)), [-1]])
        var p = try MetricOps.reshape.tensor([.tensor(try pred.to(.int64)), [-1]])
        if let ig = ignoreIndex {
            let keep = try MetricOps.neScalar.tensor([.tensor(t), .int(ig)])
            t = try MetricOps.maskedSelect.tensor([.tensor(t), .tensor(keep)])
            p = try MetricOps.maskedSelect.tensor([.tensor(p), .tensor(keep)])
        }
        if t.count == 0 { return }
        for (x, what) in [(t, "target"), (p, "prediction")] {
            let mm = try MetricOps.aminmax.tensors([.tensor(x)])
            try checkLabel(try mm[0].itemInt(), what)
            try checkLabel(try mm[1].itemInt(), what)
        }
        let flat = try MetricOps.add.tensor([.tensor(try MetricOps.mulScalar.tensor([.tensor(t), .int(numClasses)])), .tensor(p)])
        let bins = try MetricOps.bincount.tensor([.tensor(flat), nil, .int(numClasses * numClasses)]).ints()
        for i in counts.indices { counts[i] += bins[i] }
    }
}

/// Operators the metrics use (boxed ATen calls).
enum MetricOps {
    static let argmax = Op("aten::argmax")
    static let reshape = Op("aten::reshape")
    static let neScalar = Op("aten::ne", "Scalar")
    static let maskedSelect = Op("aten::masked_select")
    static let aminmax = Op("aten::aminmax")
    static let mulScalar = Op("aten::mul", "Scalar")
    static let add = Op("aten::add", "Tensor")
    static let bincount = Op("aten::bincount")
    static let sigmoid = Op("aten::sigmoid")
}
