import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataTasks

/// Change-detection metrics: small cases worked out by hand, and the figures the original implementations
/// (ClearSCD `test.py`, Bi-SRNet `SCDD_eval_all`) computed on `reference-outputs/scd-metrics`.
@Suite struct ChangeMetricsTests {
    static func t(_ v: [Int], _ shape: [Int]? = nil) throws -> Tensor {
        try Tensor(v.map(Int64.init), shape: shape ?? [v.count])
    }

    @Test func binaryChangeByHand() throws {
        var m = BinaryChangeMetrics()
        // TP, FP, TN, FN and one unlabelled pixel
        try m.update(predictions: Self.t([1, 1, 0, 0, 1]), targets: Self.t([1, 0, 0, 1, 255]))
        #expect([m.truePositives, m.falsePositives, m.trueNegatives, m.falseNegatives] == [1, 1, 1, 1] as [Int])
        #expect(m.precision == 0.5 && m.recall == 0.5 && m.f1 == 0.5 && m.overallAccuracy == 0.5)
        #expect(abs(m.iou - 1.0 / 3) < 1e-15)
        #expect(abs(m.kappa) < 1e-15)                      // po = pe = 0.5
        try m.update(probabilities: Tensor([0.5, 0.7] as [Float]), targets: Self.t([0, 1]))  // 0.5 is not change
        #expect(m.truePositives == 2 && m.trueNegatives == 2)
        #expect(throws: MetricError.self) { try m.update(predictions: Self.t([2]), targets: Self.t([1])) }
        #expect(throws: MetricError.self) { try m.update(predictions: Self.t([1, 0]), targets: Self.t([1])) }
    }

    @Test func secondConventionByHand() throws {
        var m = try SemanticChangeMetrics.SECOND(classCount: 2)
        try m.update(predictions: Self.t([0, 1, 2, 0], [2, 2]), labels: Self.t([0, 1, 1, 2], [2, 2]))
        #expect(m.binaryMatrix == [[1, 1], [0, 2]] as [[Double]])
        #expect(abs(m.meanIoU - 7.0 / 12) < 1e-15)
        #expect(abs(m.kappaN0) < 1e-15 && abs(m.sek) < 1e-15)  // po = pe = 1/3 without the (0,0) cell
        #expect(abs(m.fscd - 0.4) < 1e-15)                      // P = 1/2, R = 1/3
        #expect(m.overallAccuracyPerImage == 2.0 / (4 + 1e-10))   // 2 of 4 pixels, over (pixels + 1e-10)
        #expect(throws: MetricError.self) {
            try m.update(predictions: Self.t([3], [1, 1]), labels: Self.t([0], [1, 1]))
        }
    }

    @Test func clearSCDConventionByHand() throws {
        var m = try SemanticChangeMetrics.ClearSCD(classCount: 2)
        // pixels: 0→1 detected; 0→0 unchanged; 1→0 detected but predicted 1→1 (invalid); date A unlabelled
        try m.update(labelsA: Self.t([0, 0, 1, 2]), labelsB: Self.t([1, 0, 0, 0]), changeLabels: Self.t([1, 0, 1, 255]),
                     predictionsA: Self.t([0, 0, 1, 0]), predictionsB: Self.t([1, 0, 1, 1]),
                     changeMask: Self.t([1, 0, 1, 1]))
        #expect(abs(m.overallAccuracySCD - 2.0 / 3) < 1e-15)
        #expect(abs(m.kappa - 4.0 / 7) < 1e-15)
        #expect(abs(m.kappaNUC - 1.0 / 3) < 1e-15)
        #expect(m.iouChange == 1 && m.f1Change == 1 && m.invalidArea == 1)
        #expect(m.iouChangeMod == 0.5 && m.f1ChangeMod == 0.66667)
        #expect(abs(m.sek - 1.0 / 3) < 1e-15 && abs(m.sekMod - exp(-0.5) / 3) < 1e-15)
        #expect(abs(m.overallScore - (0.3 + 0.7 / 3)) < 1e-15)
        #expect(throws: MetricError.self) {
            try m.update(labelsA: Self.t([0]), labelsB: Self.t([0]), changeLabels: Self.t([2]),
                         predictionsA: Self.t([0]), predictionsB: Self.t([0]), changeMask: Self.t([0]))
        }
    }

    struct Reference: Decodable {
        let clearscd_hiucd: [String: Double]
        let bisrnet_second: [String: Double]
    }

    /// Every figure of metrics.json. The original rounds some to 5 decimals (README), computed the same way here, so
    /// all agree to 1e-9 (floating-point summation order only).
    @Test(.enabled(if: SharedData.shouldRun)) func reproducesTheOriginalImplementations() throws {
        let dir = "reference-outputs/scd-metrics"
        let json = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("\(dir)/metrics.json")))
        let ref = try JSONDecoder().decode(Reference.self, from: json)
        func npy(_ name: String) throws -> Tensor { try NPY.read(SharedData.path("\(dir)/\(name).npy")) }
        let (la, lb, lc) = (try npy("labels_A"), try npy("labels_B"), try npy("labels_BCD"))
        let (pa, pb, cm) = (try npy("preds_A"), try npy("preds_B"), try npy("change_mask"))
        var clear = try SemanticChangeMetrics.ClearSCD(classCount: 9)
        for i in 0..<la.shape[0] {   // one image per batch, as the reference run
            try clear.update(labelsA: la.select(dim: 0, index: i), labelsB: lb.select(dim: 0, index: i),
                             changeLabels: lc.select(dim: 0, index: i), predictionsA: pa.select(dim: 0, index: i),
                             predictionsB: pb.select(dim: 0, index: i), changeMask: cm.select(dim: 0, index: i))
        }
        let ours: [String: Double] = [
            "OA_scd": clear.overallAccuracySCD, "kappa_trad": clear.kappa, "kappa_nuc": clear.kappaNUC,
            "BCD_IoU": clear.iouChange, "BCD_F1": clear.f1Change, "BCD_IoU_mod": clear.iouChangeMod,
            "BCD_F1_mod": clear.f1ChangeMod, "SeK": clear.sek, "SeK_mod": clear.sekMod,
            "invalid_area": Double(clear.invalidArea), "SEG_mIoU": clear.segMeanIoU, "SEG_mF1": clear.segMeanF1,
            "binary_consistency": clear.binaryConsistency, "change_consistency": clear.changeConsistency,
            "nochange_consistency": clear.noChangeConsistency, "Overall_Score": clear.overallScore,
        ]
        #expect(Set(ours.keys) == Set(ref.clearscd_hiucd.keys))
        for (k, v) in ref.clearscd_hiucd { #expect(abs(ours[k]! - v) <= 1e-9, "ClearSCD \(k): \(ours[k]!) vs \(v)") }

        let (sp, sl) = (try npy("second_preds"), try npy("second_labels"))
        var second = try SemanticChangeMetrics.SECOND(classCount: 6)
        for pair in 0..<(sp.shape[0] / 2) {
            try second.update(predictions: sp.narrow(dim: 0, start: 2 * pair, length: 2),
                              labels: sl.narrow(dim: 0, start: 2 * pair, length: 2))
        }
        let theirs = ref.bisrnet_second
        let s: [String: Double] = ["Fscd": second.fscd, "mIoU": second.meanIoU, "SeK": second.sek,
                                   "Score": second.score, "OA_mean_per_image": second.overallAccuracyPerImage]
        #expect(Set(s.keys) == Set(theirs.keys))
        for (k, v) in theirs { #expect(abs(s[k]! - v) <= 1e-9, "Bi-SRNet \(k): \(s[k]!) vs \(v)") }
    }
}
