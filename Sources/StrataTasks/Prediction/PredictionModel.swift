import StrataGeo
import StrataTensor

/// A trained model as prediction sees it, independent of how it was trained or stored: a forward function plus the
/// metadata needed to feed it (band names, per-band normalisation, chip size) and to label its output (classes,
/// colours).
///
/// The forward function maps a float batch `[B, C, h, w]` to logits: `[B, K, h, w]` for `.segmentation` (one
/// score per class and pixel) or `[B, K]` for `.classification` (scene classification: one per class and window). `K` is the number
/// of classes, or 1 for a binary model whose single logit goes through a sigmoid (then `classNames` has 2 entries:
/// negative, positive). Change models (`.change`) return `[B, K, h, w]` like segmentation and semantic-change models
/// `[B, 2K + 1, h, w]`, both from the two dates stacked on channels (`PredictionModel+Change.swift`). It is only
/// ever called on the thread that calls `Predictor.predict`.
public struct PredictionModel {
    /// The tasks a class map can be made for: `.segmentation`, `.classification` (of scene windows), and the pair
    /// tasks `.change` and `.semanticChange` (see `PredictionModel+Change.swift`).
    public static let mappableTasks: [TaskKind] = [.segmentation, .classification, .change, .semanticChange]

    /// One of `mappableTasks` (`validate()` rejects the others).
    public var kind: TaskKind
    /// The kind as prediction summaries name it: `segmentation`, `scene-classification`, `change` or
    /// `semantic-change`.
    public var kindName: String { kind == .classification ? "scene-classification" : kind.rawValue }
    /// One name per class in output order (`.change`: the change classes, e.g. `[no change, change]`;
    /// `.semanticChange`: the K semantic classes of each date).
    public var classNames: [String]
    /// Colours for the class map's colour table (nil: `ClassPalette.colors(count:)`).
    public var colors: [RGBA]?
    /// Input band names in channel order (matched against the inputs' band names; empty: take the inputs' bands
    /// in order, which must then number exactly `channels`).
    public var bands: [String]
    /// Number of input channels.
    public var channels: Int
    /// Per-channel normalisation `y = x·scale + offset`, applied to the bands read as float32 (after the file's own
    /// scale/offset).
    public var scale: [Double]
    public var offset: [Double]
    /// The chip (segmentation) or window (scene classification) size the model was trained on, `[h, w]`, when fixed.
    public var inputSize: [Int]?
    /// Where the forward runs; batches are moved there.
    public var device: Device
    /// A short description for reports ("unet-resnet18", …).
    public var name: String
    /// The forward function (see the type's documentation).
    public var forward: (Tensor) throws -> Tensor

    public init(kind: TaskKind, classNames: [String], channels: Int, bands: [String] = [], scale: [Double]? = nil,
                offset: [Double]? = nil, inputSize: [Int]? = nil, colors: [RGBA]? = nil, device: Device = .cpu,
                name: String = "model", forward: @escaping (Tensor) throws -> Tensor) {
        self.kind = kind
        self.classNames = classNames
        self.channels = channels
        self.bands = bands
        self.scale = scale ?? Array(repeating: 1, count: channels)
        self.offset = offset ?? Array(repeating: 0, count: channels)
        self.inputSize = inputSize
        self.colors = colors
        self.device = device
        self.name = name
        self.forward = forward
    }

    /// Checks the metadata's counts; throws naming what disagrees.
    public func validate() throws {
        guard Self.mappableTasks.contains(kind) else {
            throw PredictionError("model \(name): a \(kind.rawValue) model does not give a class map; prediction maps segmentation and (single-label) scene-classification models")
        }
        guard channels >= 1 else { throw PredictionError("model \(name): needs at least one input channel") }
        if kind == .change || kind == .semanticChange { try validatePair() }
        guard classNames.count >= 1, classNames.count <= 255 else {
            throw PredictionError("model \(name): \(classNames.count) classes; a uint8 class map holds 1...255 classes (255 is nodata)")
        }
        guard scale.count == channels, offset.count == channels else {
            throw PredictionError("model \(name): normalisation has \(scale.count) scales and \(offset.count) offsets for \(channels) channels (give one per channel)")
        }
        guard bands.isEmpty || bands.count == channels else {
            throw PredictionError("model \(name): \(bands.count) band names for \(channels) channels (give one per channel, or none)")
        }
        if let c = colors, c.count < classNames.count {
            throw PredictionError("model \(name): \(c.count) colours for \(classNames.count) classes (give one per class)")
        }
        if let s = inputSize, s.count != 2 || s.contains(where: { $0 < 1 }) {
            throw PredictionError("model \(name): input size must be [height, width] with positive values, got \(s)")
        }
    }
}
