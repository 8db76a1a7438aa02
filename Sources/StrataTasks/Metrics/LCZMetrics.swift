/// The local-climate-zone scores DF4LCZ reports (`fusion.py`, methods.md §1.5), from a 17-class
/// ``ConfusionMatrix`` whose classes are LCZ 1–10 (built types, indices 0–9) then LCZ A–G (natural, 10–16):
///
/// - ``overallAccuracy`` (OA), ``kappa`` (Cohen's κ) and ``weightedF1`` as scikit-learn's `accuracy_score`,
///   `cohen_kappa_score`, `f1_score(average="weighted")`;
/// - ``builtAccuracy`` (OA_B): correct among the targets of LCZ 1–10, `Σ diag[0…9] / Σ rows 0…9`;
///   ``naturalAccuracy`` (OA_N): the same over LCZ A–G; NaN when the group has no targets;
/// - ``precision`` per class, TP / (TP + FP) — what DF4LCZ's code calls "accuracy per class" — 0 for a class never
///   predicted (scikit-learn's `zero_division=0`; the authors' numpy division would give NaN).
///
/// ```swift
/// var cm = try ConfusionMatrix(numClasses: 17)
/// try cm.update(predictions: fusedProbabilities, targets: labels)
/// let lcz = try LCZMetrics(cm)
/// print(lcz.overallAccuracy, lcz.builtAccuracy, lcz.naturalAccuracy, lcz.kappa)
/// ```
public struct LCZMetrics: Sendable, Equatable, Codable {
    /// Indices of the built types LCZ 1–10 and of the natural types LCZ A–G.
    public static let builtClasses = 0..<10, naturalClasses = 10..<17

    public let overallAccuracy: Double
    public let builtAccuracy: Double
    public let naturalAccuracy: Double
    public let kappa: Double
    public let weightedF1: Double
    public let precision: [Double]

    /// Scores of a 17-class confusion matrix (rows targets, columns predictions).
    public init(_ cm: ConfusionMatrix) throws {
        guard cm.numClasses == 17 else {
            throw MetricError("LCZMetrics: expected the 17 LCZ classes (LCZ 1–10, A–G), the confusion matrix has "
                + "\(cm.numClasses); build it with ConfusionMatrix(numClasses: 17)")
        }
        overallAccuracy = cm.overallAccuracy
        builtAccuracy = Self.groupAccuracy(cm, Self.builtClasses)
        naturalAccuracy = Self.groupAccuracy(cm, Self.naturalClasses)
        kappa = cm.kappa
        weightedF1 = cm.weightedF1
        precision = cm.precision
    }

    /// Correct among the targets of a group of classes: `Σ_{c ∈ group} cm[c, c] / Σ_{c ∈ group} support(c)`.
    public static func groupAccuracy(_ cm: ConfusionMatrix, _ group: Range<Int>) -> Double {
        let correct = group.reduce(0) { $0 + cm[$1, $1] }
        let targets = group.reduce(0) { s, r in s + (0..<cm.numClasses).reduce(0) { $0 + cm[r, $1] } }
        return targets == 0 ? .nan : Double(correct) / Double(targets)
    }

    /// Scalars by name for logs and reports: `oa`, `oa_built`, `oa_natural`, `kappa`, `f1_weighted`.
    public var summary: [String: Double] {
        ["oa": overallAccuracy, "oa_built": builtAccuracy, "oa_natural": naturalAccuracy, "kappa": kappa,
         "f1_weighted": weightedF1]
    }
}
