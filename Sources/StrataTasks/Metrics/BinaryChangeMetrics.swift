import StrataTensor

/// Binary change-detection metrics over pixels, pooled over every update (the confusion counts are summed, so the
/// figures are those of all pixels together: what TinyCD's `test_ondata.py`, BIT and ChangeFormer report as
/// `F1_1`, `iou_1`, … for the change class).
///
/// Class 1 = change is the positive class. Targets equal to `ignoreIndex` (255, unlabelled) are skipped.
/// Precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R), IoU = TP / (TP + FP + FN),
/// OA = (TP + TN) / all, κ = Cohen's kappa of the 2×2 matrix; each is 0 when its denominator is 0 (TinyCD's
/// `cm2score` adds float32 eps to the denominators instead, which changes no figure at 4 decimals on any
/// non-empty class).
///
/// ```swift
/// var m = BinaryChangeMetrics()
/// try m.update(probabilities: prob, targets: label)        // prob > 0.5 is change
/// print(m.f1, m.iou)
/// ```
public struct BinaryChangeMetrics: Sendable, Equatable, Codable {
    public private(set) var truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0
    public let ignoreIndex: Int?

    public init(ignoreIndex: Int? = 255) { self.ignoreIndex = ignoreIndex }

    /// Accumulates 0/1 (or boolean) predictions against 0/1 targets (`ignoreIndex` skipped), any equal shapes.
    public mutating func update(predictions: Tensor, targets: Tensor) throws {
        guard predictions.shape == targets.shape else {
            throw MetricError("BinaryChangeMetrics.update: predictions \(predictions.shape) vs targets "
                + "\(targets.shape); give one 0/1 value per pixel for both")
        }
        guard !predictions.dtype.isFloatingPoint, !targets.dtype.isFloatingPoint else {
            throw MetricError("BinaryChangeMetrics.update: predictions and targets must be integer or boolean 0/1 "
                + "maps (threshold probabilities with update(probabilities:targets:))")
        }
        var p = try predictions.to(.int64).reshape([-1]), t = try targets.to(.int64).reshape([-1])
        if let ig = ignoreIndex {
            let keep = try t.ne(Double(ig))
            p = try p.maskedSelect(keep)
            t = try t.maskedSelect(keep)
        }
        let counts = try ChangeCounting.histogram(t * 2 + p, bins: 4, what: "BinaryChangeMetrics: predictions and "
            + "targets must be 0 or 1")
        trueNegatives += counts[0]; falsePositives += counts[1]; falseNegatives += counts[2]; truePositives += counts[3]
    }

    /// Thresholds change probabilities (`probability > threshold` is change, strictly, as TinyCD) and accumulates.
    public mutating func update(probabilities: Tensor, targets: Tensor, threshold: Double = 0.5) throws {
        try update(predictions: probabilities.gt(threshold), targets: targets)
    }

    public var total: Int { truePositives + falsePositives + falseNegatives + trueNegatives }
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double { let p = precision, r = recall; return p + r == 0 ? 0 : 2 * p * r / (p + r) }
    public var iou: Double { ratio(truePositives, truePositives + falsePositives + falseNegatives) }
    public var overallAccuracy: Double { ratio(truePositives + trueNegatives, total) }
    public var kappa: Double {
        ChangeCounting.kappa([[Double(trueNegatives), Double(falsePositives)],
                              [Double(falseNegatives), Double(truePositives)]])
    }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}

/// Counting and formulas shared by the change-detection metrics.
enum ChangeCounting {
    /// `bincount` of non-negative int64 codes into exactly `bins` bins; throws `what` for codes outside 0..<bins.
    static func histogram(_ codes: Tensor, bins: Int, what: String) throws -> [Int] {
        if codes.count == 0 { return [Int](repeating: 0, count: bins) }
        let lo = try codes.min().itemInt(), hi = try codes.max().itemInt()
        guard lo >= 0, hi < bins else { throw MetricError(what) }
        return try MetricOps.bincount.tensor([.tensor(codes), nil, .int(bins)]).ints()
    }

    /// Cohen's κ of a square matrix as Bi-SRNet's and ClearSCD's `cal_kappa`: 0 for an empty matrix or pe = 1.
    static func kappa(_ m: [[Double]]) -> Double {
        let n = m.count
        let total = m.reduce(0) { $0 + $1.reduce(0, +) }
        guard total != 0 else { return 0 }
        let po = (0..<n).reduce(0) { $0 + m[$1][$1] } / total
        let rows = m.map { $0.reduce(0, +) }
        let cols = (0..<n).map { j in m.reduce(0) { $0 + $1[j] } }
        let pe = zip(rows, cols).reduce(0) { $0 + $1.0 * $1.1 } / (total * total)
        return pe == 1 ? 0 : (po - pe) / (1 - pe)
    }

    /// `n × n` rows from a flat row-major histogram.
    static func square(_ flat: [Int], _ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { Double(flat[i * n + $0]) } }
    }

    /// NumPy's `np.round(x, 5)` (scale, round half to even, unscale).
    static func round5(_ x: Double) -> Double { (x * 1e5).rounded(.toNearestOrEven) / 1e5 }
}
