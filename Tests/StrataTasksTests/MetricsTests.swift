import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataTasks

/// Parity with scikit-learn on fixtures written by scripts/fixtures/metrics.py.
@Suite struct MetricsTests {
    struct ClassificationFixture: Decodable {
        struct Case: Decodable {
            let name: String
            let num_classes: Int
            let ignore_index: Int?
            let shape: [Int]
            let targets: [Int]
            let predictions: [Int]
            let logits: [Float]?
            let expected: Expected
        }
        struct Expected: Decodable {
            let confusion: [[Int]]
            let overall_accuracy, average_accuracy, kappa: Double
            let precision, recall, f1, iou: [Double]
            let support: [Int]
            let macro_precision, macro_recall, macro_f1, weighted_f1, mean_iou: Double
        }
        let cases: [Case]
    }
    struct MultiLabelFixture: Decodable {
        struct Case: Decodable {
            let name: String
            let num_classes: Int
            let targets: [Int]
            let scores: [Float]
            let logits: [Float]?
            let expected: Expected
        }
        struct Expected: Decodable {
            let average_precision: [Double]
            let mean_average_precision, micro_f1, macro_f1, micro_precision, micro_recall: Double
            let precision, recall, f1: [Double]
        }
        let cases: [Case]
    }

    static func load<T: Decodable>(_ file: String) throws -> T {
        let url = SharedData.fixtures("StrataTasksTests").appendingPathComponent(file)
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    func close(_ a: Double, _ b: Double, _ what: String, _ name: String) {
        #expect(abs(a - b) <= 1e-12, "\(name) \(what): strata \(a) vs sklearn \(b)")
    }
    func close(_ a: [Double], _ b: [Double], _ what: String, _ name: String) {
        #expect(a.count == b.count, "\(name) \(what): length \(a.count) vs \(b.count)")
        for (x, y) in zip(a, b) { close(x, y, what, name) }
    }

    func check(_ cm: ConfusionMatrix, _ e: ClassificationFixture.Expected, _ name: String) {
        #expect(cm.rows == e.confusion, "\(name): confusion matrix")
        #expect(cm.support == e.support, "\(name): support")
        close(cm.overallAccuracy, e.overall_accuracy, "OA", name)
        close(cm.averageAccuracy, e.average_accuracy, "AA", name)
        close(cm.kappa, e.kappa, "kappa", name)
        close(cm.precision, e.precision, "precision", name)
        close(cm.recall, e.recall, "recall", name)
        close(cm.f1, e.f1, "f1", name)
        close(cm.macroPrecision, e.macro_precision, "macro precision", name)
        close(cm.macroRecall, e.macro_recall, "macro recall", name)
        close(cm.macroF1, e.macro_f1, "macro F1", name)
        close(cm.weightedF1, e.weighted_f1, "weighted F1", name)
        close(cm.iou, e.iou, "IoU", name)
        close(cm.meanIoU, e.mean_iou, "mIoU", name)
    }

    @Test func singleLabelFromIntArraysMatchesSklearn() throws {
        let fx: ClassificationFixture = try Self.load("metrics_classification.json")
        #expect(fx.cases.count == 6)
        for c in fx.cases {
            var cm = try ConfusionMatrix(numClasses: c.num_classes, ignoreIndex: c.ignore_index)
            try cm.update(predictions: c.predictions, targets: c.targets)
            check(cm, c.expected, c.name)
        }
    }

    @Test func singleLabelStreamedTensorBatchesMatchSklearn() throws {
        let fx: ClassificationFixture = try Self.load("metrics_classification.json")
        for c in fx.cases {
            var cm = try ConfusionMatrix(numClasses: c.num_classes, ignoreIndex: c.ignore_index)
            let n = c.shape[0], per = c.targets.count / n
            let targets = try Tensor(c.targets, shape: c.shape)
            // Batches of uneven size along dim 0; logits where the fixture has them, else int32 indices.
            let preds: Tensor
            if let logits = c.logits {
                var s = c.shape
                s.insert(c.num_classes, at: 1)
                preds = try Tensor(logits, shape: s)
            } else {
                preds = try Tensor(c.predictions.map(Int32.init), shape: c.shape)
            }
            let narrow = Op("aten::narrow")
            var start = 0, size = 1
            while start < n {
                let len = min(size, n - start)
                try cm.update(predictions: try narrow.tensor([.tensor(preds), 0, .int(start), .int(len)]),
                              targets: try narrow.tensor([.tensor(targets), 0, .int(start), .int(len)]))
                start += len
                size = size * 2 + 1
            }
            #expect(cm.total == c.targets.filter { $0 != c.ignore_index }.count, "\(c.name): counted entries (\(per) per sample)")
            check(cm, c.expected, c.name)
        }
    }

    @Test func edgeCaseConventions() throws {
        let fx: ClassificationFixture = try Self.load("metrics_classification.json")
        let c = try #require(fx.cases.first { $0.name == "edge_absent_classes" })
        var cm = try ConfusionMatrix(numClasses: c.num_classes)
        try cm.update(predictions: c.predictions, targets: c.targets)
        // class 3 is never predicted: precision 0 (zero_division=0); class 4 never a target: recall 0;
        // class 5 absent from both: excluded from macro means.
        #expect(cm.predictedCounts[3] == 0 && cm.precision[3] == 0 && cm.recall[3] == 0)
        #expect(cm.support[4] == 0 && cm.recall[4] == 0 && cm.predictedCounts[4] > 0)
        #expect(cm.presentClasses == [0, 1, 2, 3, 4])
        // AA averages recall over classes 0–3 only (those with targets).
        let r = cm.recall
        #expect(abs(cm.averageAccuracy - (r[0] + r[1] + r[2] + r[3]) / 4) < 1e-15)
    }

    @Test func badInputsThrowClearErrors() throws {
        #expect(throws: MetricError.self) { try ConfusionMatrix(numClasses: 0) }
        #expect(throws: MetricError.self) { try ConfusionMatrix(numClasses: 3, ignoreIndex: 1) }
        var cm = try ConfusionMatrix(numClasses: 3, ignoreIndex: 255)
        #expect(throws: MetricError.self) { try cm.update(predictions: [0, 1], targets: [0]) }
        #expect(throws: MetricError.self) { try cm.update(predictions: [0, 3], targets: [0, 1]) }
        #expect(throws: MetricError.self) { try cm.update(predictions: try Tensor([0, 1]), targets: try Tensor([0, 7])) }
        #expect(throws: MetricError.self) {
            try cm.update(predictions: try Tensor([0.2, 0.8] as [Float]), targets: try Tensor([0, 1]))
        }
        #expect(throws: MetricError.self) {
            try cm.update(predictions: try Tensor.zeros([2, 4]), targets: try Tensor([0, 1]))
        }
        // the ignore index may be anything outside the class range, including in tensors
        try cm.update(predictions: try Tensor([0, 2, 1]), targets: try Tensor([0, 255, 1]))
        #expect(cm.total == 2 && cm.overallAccuracy == 1)
        let empty = try ConfusionMatrix(numClasses: 2)
        #expect(empty.overallAccuracy.isNaN && empty.kappa.isNaN)
    }

    @Test func mergeAndResetAndCodable() throws {
        var a = try ConfusionMatrix(numClasses: 3), b = try ConfusionMatrix(numClasses: 3)
        try a.update(predictions: [0, 1, 2], targets: [0, 2, 2])
        try b.update(predictions: [1, 1], targets: [1, 0])
        try a.merge(b)
        #expect(a.rows == [[1, 1, 0], [0, 1, 0], [0, 1, 1]])
        let round = try JSONDecoder().decode(ConfusionMatrix.self, from: JSONEncoder().encode(a))
        #expect(round == a)
        a.reset()
        #expect(a.total == 0)
        #expect(throws: MetricError.self) { try a.merge(try ConfusionMatrix(numClasses: 2)) }
    }

    @Test func multiLabelMatchesSklearn() throws {
        let fx: MultiLabelFixture = try Self.load("metrics_multilabel.json")
        #expect(fx.cases.count == 2)
        for c in fx.cases {
            let n = c.targets.count / c.num_classes
            // streamed in two uneven tensor batches
            var m = try MultiLabelMetrics(numClasses: c.num_classes)
            let cut = n / 3
            for (lo, hi) in [(0, cut), (cut, n)] {
                let r = lo * c.num_classes..<hi * c.num_classes
                try m.update(scores: try Tensor(Array(c.scores[r]), shape: [hi - lo, c.num_classes]),
                             targets: try Tensor(Array(c.targets[r]), shape: [hi - lo, c.num_classes]))
            }
            #expect(m.sampleCount == n)
            let e = c.expected
            close(m.averagePrecision, e.average_precision, "AP", c.name)
            close(m.meanAveragePrecision, e.mean_average_precision, "mAP", c.name)
            close(m.microF1(), e.micro_f1, "micro F1", c.name)
            close(m.macroF1(), e.macro_f1, "macro F1", c.name)
            close(m.microPrecision(), e.micro_precision, "micro precision", c.name)
            close(m.microRecall(), e.micro_recall, "micro recall", c.name)
            close(m.precision(), e.precision, "precision", c.name)
            close(m.recall(), e.recall, "recall", c.name)
            close(m.f1(), e.f1, "f1", c.name)
            if let logits = c.logits {
                var ml = try MultiLabelMetrics(numClasses: c.num_classes)
                try ml.update(logits: try Tensor(logits, shape: [n, c.num_classes]),
                              targets: try Tensor(c.targets, shape: [n, c.num_classes]))
                // AP is rank-based (sigmoid is monotonic); F1 uses the sigmoid of the logits vs 0.5
                close(ml.meanAveragePrecision, e.mean_average_precision, "mAP from logits", c.name)
                close(ml.microF1(), e.micro_f1, "micro F1 from logits", c.name)
            }
        }
        var m = try MultiLabelMetrics(numClasses: 2)
        #expect(throws: MetricError.self) { try m.update(scores: [0.1, 0.2, 0.3], targets: [0, 1, 1]) }
        #expect(throws: MetricError.self) { try m.update(scores: [0.1, 0.2], targets: [0, 2]) }
    }
}
