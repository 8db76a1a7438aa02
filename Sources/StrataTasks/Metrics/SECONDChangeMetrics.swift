import Foundation
import StrataTensor

extension SemanticChangeMetrics {
    /// The SECOND / Bi-SRNet convention (`utils/utils.py::SCDD_eval_all` and `Eval_SCD.py`, unmodified
    /// formulas; see `SemanticChangeMetrics` for the comparison with ClearSCD's).
    ///
    /// Each update takes maps of one or both dates in SECOND's format — 0 = no change, 1…`classCount` = the
    /// land-cover class of a changed pixel — for predictions and labels alike (set the predicted no-change region
    /// to 0 in both predicted maps). All maps go into one `(classCount + 1)²` histogram `hist[prediction][label]`.
    /// - binary matrix: TN = hist[0,0], FP = Σ row 0 − TN, FN = Σ column 0 − TN, TP = Σ hist[1…, 1…];
    /// - `iouChange` = TP / (TP + FP + FN), `meanIoU` = (IoU_no-change + IoU_change) / 2;
    /// - `sek` = κ(hist with hist[0,0] = 0) · exp(IoU_change) / e (κ = 0 for an empty matrix or pe = 1);
    /// - `score` = 0.3 · mIoU + 0.7 · SeK (the SECOND challenge score);
    /// - `fscd`: SC_TP = Σ_{i≥1} hist[i,i], P = SC_TP / (pixels predicted changed), R = SC_TP / (pixels labelled
    ///   changed), harmonic mean (0 when P or R is 0);
    /// - `overallAccuracyPerImage`: mean over maps of each map's pixel accuracy (`Eval_SCD.py`'s `acc_meter`,
    ///   `correct / (pixels + 1e-10)`); `overallAccuracyPooled` = trace / total (what others call OA).
    /// No zero guards beyond the original's: with no change anywhere the IoUs are NaN, as there.
    public struct SECOND: Sendable, Equatable, Codable {
        /// Land-cover classes (6 for SECOND); maps hold 0…classCount.
        public let classCount: Int
        /// Row-major `hist[prediction * (classCount + 1) + label]`.
        public private(set) var histogram: [Int]
        private var accuracySum = 0.0
        public private(set) var imageCount = 0

        public init(classCount: Int = 6) throws {
            guard classCount >= 1 else { throw MetricError("SemanticChangeMetrics.SECOND: classCount must be ≥ 1, "
                + "got \(classCount)") }
            self.classCount = classCount
            histogram = [Int](repeating: 0, count: (classCount + 1) * (classCount + 1))
        }

        /// `predictions`, `labels`: integer maps `[H, W]` (one image) or `[N, H, W]` (N images, e.g. both dates
        /// of a pair one after the other).
        public mutating func update(predictions: Tensor, labels: Tensor) throws {
            guard predictions.shape == labels.shape, predictions.rank == 2 || predictions.rank == 3 else {
                throw MetricError("SemanticChangeMetrics.SECOND.update: predictions \(predictions.shape) and labels "
                    + "\(labels.shape) must be equal [H, W] or [N, H, W] maps")
            }
            let n = classCount + 1
            let p = try predictions.to(.int64), l = try labels.to(.int64)
            let codes = try (p * n + l).reshape([-1])
            let what = "SemanticChangeMetrics.SECOND: predictions and labels must hold 0 (no change) … \(classCount) "
                + "(classes of changed pixels)"
            for t in [p, l] where try t.min().itemInt() < 0 || t.max().itemInt() >= n { throw MetricError(what) }
            let bins = try ChangeCounting.histogram(codes, bins: n * n, what: what)
            for i in bins.indices { histogram[i] += bins[i] }
            let images = predictions.rank == 2 ? [(p, l)] : try zip(p.unbind(dim: 0), l.unbind(dim: 0)).map { ($0, $1) }
            for (pi, li) in images {
                let correct = try pi.eq(li).sum().item()
                accuracySum += correct / (Double(li.count) + 1e-10)
                imageCount += 1
            }
        }

        private var n: Int { classCount + 1 }
        private func h(_ i: Int, _ j: Int) -> Double { Double(histogram[i * n + j]) }
        private var total: Double { Double(histogram.reduce(0, +)) }
        private var row0: Double { (0..<n).reduce(0) { $0 + h(0, $1) } }
        private var col0: Double { (0..<n).reduce(0) { $0 + h($1, 0) } }

        /// The 2×2 no-change/change matrix `[[TN, FP], [FN, TP]]` (rows predictions).
        public var binaryMatrix: [[Double]] {
            let tn = h(0, 0)
            var tp = 0.0
            for i in 1..<n { for j in 1..<n { tp += h(i, j) } }
            return [[tn, row0 - tn], [col0 - tn, tp]]
        }
        private var ious: (noChange: Double, change: Double) {
            let c = binaryMatrix
            func iu(_ i: Int) -> Double {
                let rowSum: Double = c[i][0] + c[i][1], colSum: Double = c[0][i] + c[1][i]
                return c[i][i] / (rowSum + colSum - c[i][i])
            }
            return (iu(0), iu(1))
        }
        public var iouChange: Double { ious.change }
        public var meanIoU: Double { let i = ious; return (i.noChange + i.change) / 2 }
        /// κ of the histogram with the no-change/no-change cell zeroed.
        public var kappaN0: Double {
            var m = ChangeCounting.square(histogram, n)
            m[0][0] = 0
            return ChangeCounting.kappa(m)
        }
        public var sek: Double { kappaN0 * exp(iouChange) / M_E }
        public var score: Double { 0.3 * meanIoU + 0.7 * sek }
        public var fscd: Double {
            let scTP = (1..<n).reduce(0) { $0 + h($1, $1) }
            let p = scTP / (total - row0), r = scTP / (total - col0)
            return p == 0 || r == 0 ? 0 : 1 / ((1 / p + 1 / r) / 2)
        }
        public var overallAccuracyPerImage: Double { accuracySum / Double(imageCount) }
        public var overallAccuracyPooled: Double { (0..<n).reduce(0) { $0 + h($1, $1) } / total }
    }
}
