/// Semantic-segmentation metrics from a ``ConfusionMatrix`` accumulated over pixels, matching scikit-learn's
/// `jaccard_score`: IoU = TP / (TP + FP + FN) per class (0 when a class is absent from targets and predictions,
/// `zero_division=0`); mIoU averages over the classes present in targets or predictions (sklearn's default
/// `labels=None`, the usual "nan-mean" of segmentation benchmarks).
extension ConfusionMatrix {
    /// Intersection over union per class.
    public var iou: [Double] {
        let tp = truePositives, s = support, p = predictedCounts
        return (0..<numClasses).map { ratio(tp[$0], s[$0] + p[$0] - tp[$0]) }
    }

    /// mIoU over the classes present in targets or predictions.
    public var meanIoU: Double { let v = iou; return mean(presentClasses.map { v[$0] }) }

    /// Pixel accuracy (the same as ``overallAccuracy``; named for segmentation reports).
    public var pixelAccuracy: Double { overallAccuracy }
}
