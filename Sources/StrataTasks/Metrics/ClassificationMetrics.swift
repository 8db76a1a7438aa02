/// Single-label classification metrics from a ``ConfusionMatrix``, matching scikit-learn:
///
/// - per-class ``precision``, ``recall``, ``f1`` cover every class `0..<numClasses` and are 0 where undefined
///   (sklearn's `zero_division=0`: a class never predicted has precision 0, a class absent from the targets has
///   recall 0; F1 = 2·TP / (2·TP + FP + FN), 0 when that denominator is 0);
/// - macro averages run over the classes that occur in the targets or the predictions (sklearn's default
///   `labels=None`), so a class absent from both does not drag the mean down;
/// - ``averageAccuracy`` (AA) is the mean recall over the classes present in the targets
///   (`balanced_accuracy_score`); ``kappa`` is `cohen_kappa_score`.
///
/// Means over nothing (an empty matrix) are NaN.
extension ConfusionMatrix {
    /// True positives per class (the diagonal).
    public var truePositives: [Int] { (0..<numClasses).map { self[$0, $0] } }
    /// Targets per class (row sums).
    public var support: [Int] { (0..<numClasses).map { r in (0..<numClasses).reduce(0) { $0 + self[r, $1] } } }
    /// Predictions per class (column sums).
    public var predictedCounts: [Int] { (0..<numClasses).map { c in (0..<numClasses).reduce(0) { $0 + self[$1, c] } } }

    /// Classes that occur in the targets or the predictions (the classes macro averages run over).
    public var presentClasses: [Int] {
        let s = support, p = predictedCounts
        return (0..<numClasses).filter { s[$0] > 0 || p[$0] > 0 }
    }

    /// OA: correctly classified / all counted entries.
    public var overallAccuracy: Double {
        let n = total
        return n == 0 ? .nan : Double(truePositives.reduce(0, +)) / Double(n)
    }

    /// Precision per class: TP / predicted (0 when never predicted).
    public var precision: [Double] { zip(truePositives, predictedCounts).map { ratio($0, $1) } }
    /// Recall (producer's accuracy) per class: TP / support (0 when absent from the targets).
    public var recall: [Double] { zip(truePositives, support).map { ratio($0, $1) } }
    /// F1 per class: 2·TP / (2·TP + FP + FN).
    public var f1: [Double] {
        let tp = truePositives, s = support, p = predictedCounts
        return (0..<numClasses).map { ratio(2 * tp[$0], s[$0] + p[$0]) }
    }

    /// AA: mean per-class recall over the classes present in the targets (sklearn `balanced_accuracy_score`).
    public var averageAccuracy: Double {
        let r = recall, s = support
        return mean((0..<numClasses).filter { s[$0] > 0 }.map { r[$0] })
    }

    /// Cohen's kappa: agreement beyond chance, `1 − Σ off-diagonal observed / Σ off-diagonal expected`.
    public var kappa: Double {
        let n = Double(total), s = support, p = predictedCounts
        guard n > 0 else { return .nan }
        let expectedAgree = zip(s, p).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / n
        let observedOff = n - Double(truePositives.reduce(0, +))
        let expectedOff = n - expectedAgree
        return 1 - observedOff / expectedOff
    }

    public var macroPrecision: Double { let v = precision; return mean(presentClasses.map { v[$0] }) }
    public var macroRecall: Double { let v = recall; return mean(presentClasses.map { v[$0] }) }
    public var macroF1: Double { let v = f1; return mean(presentClasses.map { v[$0] }) }
    /// F1 averaged with the class supports as weights.
    public var weightedF1: Double {
        let v = f1, s = support, n = s.reduce(0, +)
        guard n > 0 else { return .nan }
        return zip(v, s).reduce(0.0) { $0 + $1.0 * Double($1.1) } / Double(n)
    }

    /// Scalar metrics by name, for logs and reports: `oa`, `aa`, `kappa`, `f1_macro`, `f1_weighted`,
    /// `precision_macro`, `recall_macro`, `miou`.
    public var summary: [String: Double] {
        ["oa": overallAccuracy, "aa": averageAccuracy, "kappa": kappa, "f1_macro": macroF1,
         "f1_weighted": weightedF1, "precision_macro": macroPrecision, "recall_macro": macroRecall, "miou": meanIoU]
    }
}

@inline(__always) func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
@inline(__always) func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
