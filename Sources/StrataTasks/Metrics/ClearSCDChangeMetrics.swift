import Foundation
import StrataTensor

extension SemanticChangeMetrics {
    /// ClearSCD's convention, exactly as its `test.py` computes it with `utils/evaluator.py` for Hi-UCD (and
    /// LsSCD): see `SemanticChangeMetrics` for the comparison with SECOND's.
    ///
    /// Inputs per update (integer maps `[H, W]` or `[N, H, W]`): semantic labels of both dates (0…C−1, C =
    /// `classCount` = unlabelled), the change label (0/1, 255 = unlabelled), the predicted classes of both dates
    /// (0…C−1, argmax of the semantic heads) and the predicted change mask (0/1, rounded sigmoid).
    ///
    /// Figures (names of the original's variables):
    /// - `overallAccuracySCD` (`OA_scd`), `kappa` (`kappa_trad`), `kappaNUC` (`kappa_nuc`): from the
    ///   (C² + 1)-class from→to matrix (rows labels). Label code A·C + B, C² where A = B, dropped where a date is
    ///   unlabelled; prediction code A·C + B, C² where the mask is 0 (a predicted change with equal classes keeps
    ///   a diagonal code no label has). `kappa_nuc` zeroes the no-change/no-change cell.
    /// - `iouChange`, `f1Change` (`BCD_IoU`, `BCD_F1`): change label vs mask (2×2, 255 skipped); `sek` =
    ///   κ_nuc · exp(IoU) / e; `overallScore` = 0.3 · IoU + 0.7 · SeK (unrounded inputs).
    /// - `invalidArea`: change-label-1 pixels predicted changed whose two predicted classes agree; the `…Mod`
    ///   figures move them from TP to FP.
    /// - `segMeanIoU`, `segMeanF1`: C-class confusion of both dates' maps stacked (unlabelled skipped).
    /// - `binaryConsistency`: mIoU of mask vs "predicted classes differ", every pixel.
    /// - `changeConsistency` (mIoU_sc): change-type code from·C + to minus the number of diagonal codes below it
    ///   (0…C(C−1)−1), C(C−1) = unchanged, C(C−1)+1 = unlabelled; sum of the C(C−1)+1 IoUs divided by (number of
    ///   distinct label codes seen − 1).
    /// - `noChangeConsistency` (mIoU_nc): code i for unchanged i→i, C for changed or inconsistent, C+1
    ///   unlabelled; the C-th IoU replaced by `iouChange`; sum divided by (distinct label codes − 1).
    /// Rounding as the original: F1s and the mean IoUs to 5 decimals; `iouChange`, OA and κ unrounded. A class
    /// absent from labels and predictions has IoU 0 (it lowers the means); an F1 without support is NaN.
    public struct ClearSCD: Sendable, Equatable, Codable {
        public let classCount: Int
        /// From→to counts, `[(C²+1)²]` row-major (rows labels).
        public private(set) var fromTo: [Int]
        public private(set) var semantic: [Int]
        public private(set) var binary: [Int]
        public private(set) var consistency: [Int]
        public private(set) var changeType: [Int]
        public private(set) var noChangeType: [Int]
        /// Distinct label codes seen by the two consistency evaluators (the original's `class_list`).
        public private(set) var changeTypeLabels: Set<Int> = []
        public private(set) var noChangeTypeLabels: Set<Int> = []
        public private(set) var invalidArea = 0

        public init(classCount: Int = 9) throws {
            guard classCount >= 2 else { throw MetricError("SemanticChangeMetrics.ClearSCD: classCount must be ≥ 2, "
                + "got \(classCount)") }
            self.classCount = classCount
            let c = classCount
            fromTo = [Int](repeating: 0, count: (c * c + 1) * (c * c + 1))
            semantic = [Int](repeating: 0, count: c * c)
            binary = [Int](repeating: 0, count: 4)
            consistency = [Int](repeating: 0, count: 4)
            changeType = [Int](repeating: 0, count: (c * (c - 1) + 1) * (c * (c - 1) + 1))
            noChangeType = [Int](repeating: 0, count: (c + 1) * (c + 1))
        }

        public mutating func update(labelsA: Tensor, labelsB: Tensor, changeLabels: Tensor,
                                    predictionsA: Tensor, predictionsB: Tensor, changeMask: Tensor) throws {
            let all = [labelsA, labelsB, changeLabels, predictionsA, predictionsB, changeMask]
            guard all.allSatisfy({ $0.shape == labelsA.shape && !$0.dtype.isFloatingPoint }) else {
                throw MetricError("SemanticChangeMetrics.ClearSCD.update: all six maps must be integer maps of one "
                    + "shape, got \(all.map(\.shape))")
            }
            let c = classCount
            let (la, lb, lc, pa, pb, m) = try (flat(labelsA), flat(labelsB), flat(changeLabels), flat(predictionsA),
                                               flat(predictionsB), flat(changeMask))
            try check(la, 0...c, "labelsA", "classes 0…\(c - 1) or \(c) (unlabelled)")
            try check(lb, 0...c, "labelsB", "classes 0…\(c - 1) or \(c) (unlabelled)")
            try check(pa, 0...(c - 1), "predictionsA", "classes 0…\(c - 1)")
            try check(pb, 0...(c - 1), "predictionsB", "classes 0…\(c - 1)")
            try check(m, 0...1, "changeMask", "0 or 1")
            let lcValid = try lc.eq(0).logicalOr(lc.eq(1)).logicalOr(lc.eq(255))
            guard try lcValid.all().item() != 0 else {
                throw MetricError("SemanticChangeMetrics.ClearSCD: changeLabels must hold 0, 1 or 255 (unlabelled)")
            }
            let noChange = Double(c * c)
            // 82-class from→to matrix
            let unlabelled = try la.eq(Double(c)).logicalOr(lb.eq(Double(c)))
            var labelCode = try Tensor.where(la.eq(lb), noChange, la * c + lb).to(.int64)
            let predCode = try Tensor.where(m.eq(0), noChange, pa * c + pb).to(.int64)
            labelCode = try labelCode.maskedSelect(unlabelled.logicalNot())
            let k = c * c + 1
            try add(&fromTo, labelCode * k + predCode.maskedSelect(unlabelled.logicalNot()), k * k)
            // semantic maps of both dates
            let segL = try Tensor.cat([la, lb]), segP = try Tensor.cat([pa, pb])
            let labelled = try segL.lt(Double(c))
            try add(&semantic, segL.maskedSelect(labelled) * c + segP.maskedSelect(labelled), c * c)
            // change label vs mask
            let known = try lc.ne(255)
            try add(&binary, lc.maskedSelect(known) * 2 + m.maskedSelect(known), 4)
            // mask vs post-classification change
            try add(&consistency, m * 2 + pa.ne(pb).to(.int64), 4)
            invalidArea += try lc.eq(1).logicalAnd(m.eq(1)).logicalAnd(pa.eq(pb)).sum().itemInt()
            // change types (mIoU_sc)
            let kc = c * (c - 1) + 1
            let ctLabel = try changeTypeCode(la, lb, mask: lc, changeLabel: lc)
            let ctPred = try changeTypeCode(pa, pb, mask: m, changeLabel: lc)
            changeTypeLabels.formUnion(try distinct(ctLabel))
            let ctKeep = try ctLabel.lt(Double(kc))
            try add(&changeType, ctLabel.maskedSelect(ctKeep) * kc + ctPred.maskedSelect(ctKeep), kc * kc)
            // no-change types (mIoU_nc)
            let ncLabel = try noChangeTypeCode(la, lb, mask: lc, changeLabel: lc)
            let ncPred = try noChangeTypeCode(pa, pb, mask: m, changeLabel: lc)
            noChangeTypeLabels.formUnion(try distinct(ncLabel))
            let ncKeep = try ncLabel.lt(Double(c + 1))
            try add(&noChangeType, ncLabel.maskedSelect(ncKeep) * (c + 1) + ncPred.maskedSelect(ncKeep),
                    (c + 1) * (c + 1))
        }

        // MARK: codes

        /// Number of diagonal codes i·C + i strictly below `fromTo` (`np.searchsorted(diagonals, fromTo)`).
        private func diagonalsBelow(_ fromTo: Tensor) throws -> Tensor {
            try ((fromTo - 1).div(Double(classCount + 1), rounding: .floor) + 1).clamp(min: 0, max: Double(classCount))
                .to(.int64)
        }

        /// `cal_change_type`.
        private func changeTypeCode(_ t1: Tensor, _ t2: Tensor, mask: Tensor, changeLabel: Tensor) throws -> Tensor {
            let c = classCount
            let fromTo = try t1 * c + t2
            var code = try fromTo - diagonalsBelow(fromTo)
            code = try Tensor.where(changeLabel.eq(255), Double(c * (c - 1) + 1), code).to(.int64)
            return try Tensor.where(mask.eq(0), Double(c * (c - 1)), code).to(.int64)
        }

        /// `cal_nochange_type`.
        private func noChangeTypeCode(_ t1: Tensor, _ t2: Tensor, mask: Tensor, changeLabel: Tensor) throws -> Tensor {
            let c = classCount
            let fromTo = try t1 * c + t2
            var code = try diagonalsBelow(fromTo)
            let isDiagonal = try (fromTo % (c + 1)).eq(0).logicalAnd(fromTo.le(Double((c - 1) * (c + 1))))
            code = try Tensor.where(isDiagonal.logicalNot().logicalAnd(mask.eq(0)), Double(c), code).to(.int64)
            code = try Tensor.where(changeLabel.eq(255), Double(c + 1), code).to(.int64)
            return try Tensor.where(mask.eq(1), Double(c), code).to(.int64)
        }

        // MARK: figures

        public var overallAccuracySCD: Double {
            let k = classCount * classCount + 1
            let m = ChangeCounting.square(fromTo, k)
            return (0..<k).reduce(0) { $0 + m[$1][$1] } / m.reduce(0) { $0 + $1.reduce(0, +) }
        }
        public var kappa: Double { ChangeCounting.kappa(ChangeCounting.square(fromTo, classCount * classCount + 1)) }
        public var kappaNUC: Double {
            let k = classCount * classCount + 1
            var m = ChangeCounting.square(fromTo, k)
            m[k - 1][k - 1] = 0
            return ChangeCounting.kappa(m)
        }

        private var tp: Double { Double(binary[3]) }
        private var fp: Double { Double(binary[1]) }
        private var fn: Double { Double(binary[2]) }
        private static func iou(_ tp: Double, _ fp: Double, _ fn: Double) -> Double {
            let d = tp + fn + fp
            return d == 0 ? 0 : tp / d
        }
        private static func f1(_ tp: Double, _ fp: Double, _ fn: Double) -> Double {
            ChangeCounting.round5(2 * tp / (2 * tp + fp + fn))
        }
        public var iouChange: Double { Self.iou(tp, fp, fn) }
        public var f1Change: Double { Self.f1(tp, fp, fn) }
        public var iouChangeMod: Double { Self.iou(tp - Double(invalidArea), fp + Double(invalidArea), fn) }
        public var f1ChangeMod: Double { Self.f1(tp - Double(invalidArea), fp + Double(invalidArea), fn) }
        public var sek: Double { kappaNUC * exp(iouChange) / M_E }
        public var sekMod: Double { kappaNUC * exp(iouChangeMod) / M_E }
        public var overallScore: Double { 0.3 * iouChange + 0.7 * sek }

        /// Per-class IoU with 0 for classes absent from labels and predictions (`np.where(d == 0, 0, TP / d)`).
        private static func ious(_ counts: [Int], _ n: Int) -> [Double] {
            let m = ChangeCounting.square(counts, n)
            return (0..<n).map { i in
                let row = m[i].reduce(0, +), col = m.reduce(0) { $0 + $1[i] }
                return iou(m[i][i], col - m[i][i], row - m[i][i])
            }
        }
        public var segMeanIoU: Double {
            let v = Self.ious(semantic, classCount)
            return ChangeCounting.round5(v.reduce(0, +) / Double(v.count))
        }
        public var segMeanF1: Double {
            let m = ChangeCounting.square(semantic, classCount)
            let f = (0..<classCount).map { i in
                let row = m[i].reduce(0, +), col = m.reduce(0) { $0 + $1[i] }
                return Self.f1(m[i][i], col - m[i][i], row - m[i][i])
            }
            return f.reduce(0, +) / Double(f.count)
        }
        public var binaryConsistency: Double {
            let v = Self.ious(consistency, 2)
            return ChangeCounting.round5(v.reduce(0, +) / 2)
        }
        public var changeConsistency: Double {
            let v = Self.ious(changeType, classCount * (classCount - 1) + 1)
            return ChangeCounting.round5(v.reduce(0, +) / Double(changeTypeLabels.count - 1))
        }
        public var noChangeConsistency: Double {
            var v = Self.ious(noChangeType, classCount + 1)
            v[classCount] = iouChange
            return ChangeCounting.round5(v.reduce(0, +) / Double(noChangeTypeLabels.count - 1))
        }

        // MARK: helpers

        private func flat(_ t: Tensor) throws -> Tensor { try t.to(.int64).reshape([-1]) }
        private func check(_ t: Tensor, _ range: ClosedRange<Int>, _ name: String, _ allowed: String) throws {
            guard t.count > 0 else { return }
            guard try range.contains(t.min().itemInt()) && range.contains(t.max().itemInt()) else {
                throw MetricError("SemanticChangeMetrics.ClearSCD: \(name) must hold \(allowed)")
            }
        }
        private func add(_ counts: inout [Int], _ codes: Tensor, _ bins: Int) throws {
            let h = try ChangeCounting.histogram(codes, bins: bins, what: "SemanticChangeMetrics.ClearSCD: code out "
                + "of range")
            for i in counts.indices { counts[i] += h[i] }
        }
        private func distinct(_ codes: Tensor) throws -> Set<Int> {
            guard codes.count > 0 else { return [] }
            let hi = try codes.max().itemInt()
            let h = try ChangeCounting.histogram(codes, bins: hi + 1, what: "negative code")
            return Set(h.indices.filter { h[$0] > 0 })
        }
    }
}
