import Foundation
import StrataData
import StrataModels
import StrataTensor

/// Zero-shot classification of every chip of a `ChipDataset`, with metrics when the dataset's labels name the
/// classifier's classes.
///
/// The dataset must deliver the three bands the preprocessing expects (open it with `bands: ["B04", "B03",
/// "B02"]`). Scores of all chips are kept: calibration (SenCLIP's per-class division by the mean over the evaluated
/// set) needs them all before any prediction.
public struct ZeroShotEvaluation {
    public struct Options: Sendable {
        public var batchSize: Int
        /// SenCLIP's transductive per-class calibration (`ZeroShotMath.calibrate`) before the argmax.
        public var calibrate: Bool
        /// Print progress (chips, chips/s) to stderr.
        public var showProgress: Bool
        public init(batchSize: Int = 64, calibrate: Bool = false, showProgress: Bool = false) {
            self.batchSize = batchSize; self.calibrate = calibrate; self.showProgress = showProgress
        }
    }

    /// What a run found.
    public struct Result {
        public var classNames: [String]
        /// Chip ids in dataset order.
        public var ids: [String]
        /// Cosine similarities `[N, C]` before calibration.
        public var similarities: Tensor
        /// The scores predictions are made from: calibrated similarities with `calibrate`, else the similarities.
        public var scores: Tensor
        /// Top-1 class per chip.
        public var predictions: [Int]
        /// Labels in the classifier's class indices (nil when the dataset's classes are not the classifier's).
        public var labels: [ChipLabel]?
        /// Single-label datasets with labels: the confusion matrix (rows = truth).
        public var confusion: ConfusionMatrix?
        /// Multi-label datasets with labels: SenCLIP's top-k hit rate (hits / labels), and the average precision
        /// of each class's scores over the chips (AP only ranks, so the scores need not be probabilities).
        public var topKHits: (hits: Int, labels: Int)?
        public var multiLabel: MultiLabelMetrics?
        public var calibrated: Bool
        public var seconds: Double
        public var chipsPerSecond: Double { seconds > 0 ? Double(ids.count) / seconds : 0 }
    }

    public let classifier: ZeroShotClassifier
    public let preprocessing: CLIPPreprocessing
    public let options: Options

    public init(classifier: ZeroShotClassifier, preprocessing: CLIPPreprocessing, options: Options = .init()) {
        self.classifier = classifier; self.preprocessing = preprocessing; self.options = options
    }

    /// For each dataset class, its index among the classifier's classes (names compared case-insensitively, also
    /// against the prompt names); nil unless every dataset class is found.
    public func labelMap(_ datasetClasses: [String]) -> [Int]? {
        let set = classifier.classes
        func key(_ s: String) -> String { s.lowercased().filter { $0.isLetter || $0.isNumber } }
        let own = set.classNames.map(key), prompt = set.promptNames.map(key)
        let map = datasetClasses.map { c -> Int? in
            own.firstIndex(of: key(c)) ?? prompt.firstIndex(of: key(c))
        }
        return map.contains(nil) ? nil : map.map { $0! }
    }

    public func run(_ dataset: any ChipDataset) throws -> Result {
        guard dataset.count > 0 else { throw ZeroShotError("the dataset has no chips") }
        guard options.batchSize >= 1 else { throw ZeroShotError("batch size must be ≥ 1, got \(options.batchSize)") }
        let map = labelMap(dataset.classNames)
        let device = classifier.model.logitScale.device
        let start = Date()
        let progress = options.showProgress ? Progress("zero-shot", total: Double(dataset.count), unit: "chips") : nil
        var rows: [Tensor] = [], ids: [String] = [], labels: [ChipLabel] = []
        var i = 0
        while i < dataset.count {
            let n = min(options.batchSize, dataset.count - i)
            var images: [Tensor] = []
            for j in i..<(i + n) {
                let s = try dataset.sample(at: j)
                guard s.image.rank == 3, s.image.size(0) == 3 else {
                    let names = s.bandNames.joined(separator: ", ")
                    throw ZeroShotError("chip \(s.id) has \(s.image.shape[0]) bands (\(names)); "
                        + "zero-shot CLIP needs the three RGB bands (B04, B03, B02)")
                }
                images.append(s.image)
                ids.append(s.id)
                if let map {
                    let label: ChipLabel = switch s.label {
                    case .single(let c): .single(map[c])
                    case .multiple(let cs): .multiple(cs.map { map[$0] }.sorted())
                    }
                    labels.append(label)
                }
            }
            let batch = try preprocessing(Tensor.stack(images, dim: 0).to(device))
            rows.append(try classifier.similarities(images: batch).to(.cpu))
            i += n
            progress?.advance(Double(n))
        }
        progress?.finish()
        let sims = try Tensor.cat(rows, dim: 0)
        let scores = options.calibrate ? try ZeroShotMath.calibrate(sims) : sims
        let predictions = try scores.argmax(dim: 1).ints()
        var result = Result(classNames: classifier.classes.classNames, ids: ids, similarities: sims, scores: scores,
                            predictions: predictions, labels: map == nil ? nil : labels, confusion: nil,
                            topKHits: nil, multiLabel: nil, calibrated: options.calibrate,
                            seconds: Date().timeIntervalSince(start))
        if map != nil {
            let k = classifier.classes.classNames.count
            if dataset.task == .multilabel {
                result.topKHits = try ZeroShotMath.topKHits(scores: scores, labels: labels.map(\.classes))
                var ml = try MultiLabelMetrics(numClasses: k)
                try ml.update(scores: scores.floats(), targets: labels.flatMap { l in
                    l.multiHot(classCount: k).map { Int($0) } })
                result.multiLabel = ml
            } else {
                var cm = try ConfusionMatrix(numClasses: k)
                try cm.update(predictions: predictions, targets: labels.map { $0.classes[0] })
                result.confusion = cm
            }
        }
        return result
    }
}
