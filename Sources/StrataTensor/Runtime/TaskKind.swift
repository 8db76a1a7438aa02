/// What a model learns: the one task vocabulary of Strata. Datasets say which task their labels serve, model cards
/// and the registry say which task a model solves, configs (`task:`) choose one, and the task layer picks the loss,
/// metrics and prediction output from it. It lives in the lowest layer because datasets (StrataData) and models
/// (StrataModels) both name it.
///
/// The raw values are the names stored in model cards and printed in reports (`"multi-label"` keeps the model-card
/// spelling); `init(name:)` also accepts the spellings configs used (`multilabel`, `multiclass`).
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    /// One class per sample (EuroSAT, So2Sat LCZ): `[B]` int64 labels; cross-entropy; OA, AA, kappa, F1.
    case classification
    /// Several labels per sample (BigEarthNet): `[B, K]` multi-hot labels; BCE with logits; mAP, micro/macro F1.
    case multilabel = "multi-label"
    /// One class per pixel: cross-entropy with ignore index; OA, kappa, per-class IoU, mIoU.
    case segmentation
    /// Binary change between two co-registered images (LEVIR-CD, OSCD): one change/no-change value per pixel.
    case change
    /// Change between two images with a land-cover class per pixel and date (SECOND, ClearSCD).
    case semanticChange = "semantic-change"
    /// An embedding per sample (contrastive / zero-shot models such as CLIP): no classes of its own.
    case embedding

    /// Parses a task name: the raw value, or one of the accepted aliases (`multilabel`, `multi_label`,
    /// `multiclass`, `semantic_change`, `zero-shot`), case-insensitively. Nil for anything else.
    public init?(name: String) {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        switch key {
        case "multilabel": self = .multilabel
        case "multiclass", "scene-classification": self = .classification
        case "zero-shot", "zeroshot": self = .embedding
        case "change-detection": self = .change
        default:
            guard let t = TaskKind(rawValue: key) else { return nil }
            self = t
        }
    }

    /// True for tasks with one class per pixel (the output is a map of the input's size).
    public var isDense: Bool { self == .segmentation || self == .change || self == .semanticChange }
}
