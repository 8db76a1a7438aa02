import Foundation
import StrataTestSupport
import Testing
@testable import StrataTasks

/// LCZ metrics against scikit-learn on fixed arrays (scripts/fixtures/lcz_metrics.py).
@Suite struct LCZMetricsTests {
    struct Case: Decodable {
        struct Expected: Decodable {
            let oa: Double, oa_built: Double?, oa_natural: Double?, kappa: Double, f1_weighted: Double
            let precision: [Double]
            let confusion: [[Int]]
        }
        let name: String, target: [Int], prediction: [Int], expected: Expected
    }

    static func close(_ a: Double, _ b: Double?) -> Bool {
        guard let b else { return a.isNaN }
        return abs(a - b) <= 1e-12
    }

    @Test func equalsScikitLearn() throws {
        let url = SharedData.fixtures("StrataTasksTests").appendingPathComponent("metrics_lcz.json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        #expect(cases.count == 3)
        for c in cases {
            var cm = try ConfusionMatrix(numClasses: 17)
            try cm.update(predictions: c.prediction, targets: c.target)
            #expect(cm.rows == c.expected.confusion, "\(c.name)")
            let m = try LCZMetrics(cm)
            let e = c.expected
            #expect(Self.close(m.overallAccuracy, e.oa), "\(c.name) oa \(m.overallAccuracy) vs \(e.oa)")
            #expect(Self.close(m.builtAccuracy, e.oa_built), "\(c.name) oa_built \(m.builtAccuracy)")
            #expect(Self.close(m.naturalAccuracy, e.oa_natural), "\(c.name) oa_natural \(m.naturalAccuracy)")
            #expect(Self.close(m.kappa, e.kappa), "\(c.name) kappa \(m.kappa) vs \(e.kappa)")
            #expect(Self.close(m.weightedF1, e.f1_weighted), "\(c.name) f1 \(m.weightedF1) vs \(e.f1_weighted)")
            #expect(zip(m.precision, e.precision).allSatisfy { Self.close($0, $1) }, "\(c.name) precision")
            #expect(m.summary["oa_built"] == m.builtAccuracy || m.builtAccuracy.isNaN)
        }
    }

    /// OA_built and OA_natural by hand on a tiny case; a matrix of another size is refused with the fix.
    @Test func groupsByHand() throws {
        var cm = try ConfusionMatrix(numClasses: 17)
        // Built: 0→0, 3→3, 9→10 (a built target predicted natural); natural: 10→10, 16→2.
        try cm.update(predictions: [0, 3, 10, 10, 2], targets: [0, 3, 9, 10, 16])
        let m = try LCZMetrics(cm)
        #expect(m.builtAccuracy == 2.0 / 3 && m.naturalAccuracy == 0.5 && m.overallAccuracy == 0.6)
        #expect(m.precision[10] == 0.5 && m.precision[2] == 0 && m.precision[5] == 0)
        do {
            _ = try LCZMetrics(ConfusionMatrix(numClasses: 10))
            Issue.record("expected an error")
        } catch let e as MetricError {
            #expect(e.description.contains("17") && e.description.contains("has 10"))
        }
    }
}
