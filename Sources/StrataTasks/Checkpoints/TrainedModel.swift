import Foundation
import StrataGeo
import StrataModels
import StrataTensor

/// A trained model as stored on disk — the one loader `strata evaluate`, `strata predict` and the training scaffold
/// use: a training `Checkpoint` (model card under `strata.model_card` in its metadata, or in `<name>.card.json`
/// beside it) or plain weights in `ModelWeights`' layout (card embedded or beside it). The card's architecture is
/// built by `ModelRegistry.make(card:)`, or as a `ConvStack` for `conv-stack`.
public struct TrainedModel {
    /// The metadata key under which `strata train` stores the run's resolved config (YAML, after `--set` and
    /// `--output`).
    public static let configKey = "config"

    public let path: String
    public let card: ModelCard
    public let weights: StateDict
    /// The training checkpoint's metadata (empty for plain weights).
    public let metadata: [String: String]
    /// The full training checkpoint (nil for plain weights).
    public let checkpoint: Checkpoint?

    /// The resolved training config stored in the checkpoint (nil for plain weights).
    public var config: String? { metadata[Self.configKey] }

    /// Reads `path`; errors say whether the file is missing, not a checkpoint, corrupt, or lacks a model card.
    ///
    /// `architecture` (a `ModelRegistry` name, e.g. `so2sat-resnet20`) names the model of a Keras HDF5 weights
    /// file, which holds no config: its card is `<name>.card.json` beside the file when there is one, else the
    /// architecture's built-in card (`KerasImport.defaultCard`). For files with their own card it must agree with
    /// the card's architecture (a check, never an override).
    public static func load(_ path: String, architecture: String? = nil) throws -> TrainedModel {
        let side = ModelWeights.sidecarURL(for: path)
        let loaded: TrainedModel
        switch try CheckpointFile.kind(of: path) {
        case .trainingCheckpoint:
            let ck = try CheckpointFile.load(path)
            let card: ModelCard
            if let json = ck.metadata[ModelWeights.metadataKey] {
                card = try ModelCard(json: json)
            } else if FileManager.default.fileExists(atPath: side.path) {
                card = try ModelCard.read(from: side)
            } else {
                throw TrainingError("\(path) is a training checkpoint without a model card (no \"\(ModelWeights.metadataKey)\" in its metadata and no \(side.lastPathComponent) beside it): prediction needs the card's bands, normalisation and class names")
            }
            loaded = TrainedModel(path: path, card: card, weights: ck.model, metadata: ck.metadata, checkpoint: ck)
        case .safetensorsWeights:
            let (card, weights) = try ModelWeights.read(path)
            loaded = TrainedModel(path: path, card: card, weights: weights, metadata: [:], checkpoint: nil)
        case .kerasWeights:
            let card: ModelCard
            if FileManager.default.fileExists(atPath: side.path) {
                card = try ModelCard.read(from: side)
            } else if let architecture {
                card = try KerasImport.defaultCard(architecture: architecture)
            } else {
                throw TrainingError("\(path) holds Keras weights, which do not say their architecture: name it (strata predict --model \(KerasImport.architectures.joined(separator: "|"))) or write a model card as \(side.lastPathComponent) beside the file")
            }
            let weights = try KerasImport.stateDict(path: path, card: card)
            loaded = TrainedModel(path: path, card: card, weights: weights, metadata: [:], checkpoint: nil)
        }
        if let architecture {
            let wanted = try ModelRegistry.entry(architecture).name
            guard wanted == (try? ModelRegistry.entry(loaded.card.architecture).name) ?? loaded.card.architecture else {
                throw TrainingError("\(path) holds a \(loaded.card.architecture) model (its model card says so), not \(wanted); drop --model or pass the right weights")
            }
        }
        return loaded
    }

    /// The card's architecture with the weights loaded strictly, in evaluation mode, on `device`.
    public func module(device: Device = .cpu) throws -> Module {
        let model = try ModelRegistry.make(card: card)
        _ = try model.load(stateDict: weights)
        _ = model.eval()
        if device != .cpu { _ = try model.to(device) }
        return model
    }

    /// The model as `Predictor` takes it: forward function, bands, normalisation, input size and class names.
    /// Change and semantic-change models become pair models (`PredictionModel.pair`: the card's bands of one date
    /// as `NAME@1` and `NAME@2`). Throws for tasks without a class map (multi-label, embeddings).
    public func predictionModel(device: Device = .cpu) throws -> PredictionModel {
        guard PredictionModel.mappableTasks.contains(card.task) else {
            throw TrainingError("\(path) is a \(card.task.rawValue) model; a class map needs one class per pixel or window (segmentation, single-label classification, change or semantic change)")
        }
        let (scale, offset) = try card.normalization.affine(bands: card.inChannels)
        var forward: (Tensor) throws -> Tensor
        if card.architecture == ConvStack.architecture {
            let stack = try ConvStack(stateDict: weights.entries.map { ($0.key, try $0.value.to(device)) })
            guard stack.inChannels == card.inChannels,
                  stack.outChannels == card.numClasses || stack.outChannels == 1 && card.numClasses == 2 else {
                throw TrainingError("\(path): the conv-stack maps \(stack.inChannels) → \(stack.outChannels) channels but its card says \(card.inChannels) bands and \(card.numClasses) classes")
            }
            forward = { try stack.forward($0) }
        } else {
            // Channels-last, as the evaluator runs models: oneDNN's convolutions are markedly faster in that layout
            // on CPU (So2Sat ResNet20: ~1.7× per chip).
            let model = try module(device: device).toMemoryFormat(.channelsLast)
            forward = { x in try model(x.rank == 4 ? x.contiguous(.channelsLast) : x) }
        }
        let colors = try Self.classColors(card)
        if card.task == .change || card.task == .semanticChange {
            // Pair models: the card lists one date's bands and normalisation; the predictor stacks both dates.
            guard try InputIndices(card: card) == nil, try card.inputRounding == nil else {
                throw TrainingError("\(path): spectral indices and input rounding are not supported for "
                    + "\(card.task.rawValue) models")
            }
            return try .pair(kind: card.task, classNames: card.classNames, channelsPerDate: card.inChannels,
                             bands: card.bands, scale: scale, offset: offset, inputSize: card.inputSize,
                             colors: colors, device: device, name: card.architecture, forward: forward)
        }
        let indices = try InputIndices(card: card)
        if let rounding = try card.inputRounding {
            // The reader delivers raw band values; the forward rounds and normalises them as the model was trained.
            guard indices == nil else {
                throw TrainingError("\(path): the model card asks for both spectral indices and \(ModelCard.inputRoundingKey); prediction supports one or the other")
            }
            let model = forward
            forward = { x in try model(try rounding.normalize(x, scale: scale, offset: offset)) }
            return PredictionModel(kind: card.task, classNames: card.classNames, channels: card.inChannels,
                                   bands: card.bands, inputSize: card.inputSize, colors: colors, device: device,
                                   name: card.architecture, forward: forward)
        }
        guard let indices else {
            return PredictionModel(kind: card.task, classNames: card.classNames, channels: card.inChannels,
                                   bands: card.bands, scale: scale, offset: offset, inputSize: card.inputSize,
                                   colors: colors, device: device, name: card.architecture, forward: forward)
        }
        // Spectral indices: the predictor reads and normalises the source bands; the forward recovers their raw
        // values, appends the indices and normalises every channel as the card says (as `InputPipeline` does).
        let n = indices.sourceBands.count
        func channels(_ v: [Double]) throws -> Tensor {
            try Tensor(v.map(Float.init), shape: [1, v.count, 1, 1]).to(device)
        }
        let sourceScale = try channels(Array(scale.prefix(n))), sourceOffset = try channels(Array(offset.prefix(n)))
        let fullScale = try channels(scale), fullOffset = try channels(offset)
        let model = forward
        forward = { x in
            let raw = try (x - sourceOffset) / sourceScale
            return try model(try indices.append(raw) * fullScale + fullOffset)
        }
        return PredictionModel(kind: card.task, classNames: card.classNames, channels: n, bands: indices.sourceBands,
                               scale: Array(scale.prefix(n)), offset: Array(offset.prefix(n)),
                               inputSize: card.inputSize, colors: colors, device: device, name: card.architecture,
                               forward: forward)
    }

    /// The card's class colours (`extra["class_colors"]`: comma-separated `#rrggbb`, one per class, as
    /// `LCZLegend.cardExtra` writes them), nil when the card has none; throws for a malformed list.
    static func classColors(_ card: ModelCard) throws -> [RGBA]? {
        guard let text = card.extra["class_colors"] else { return nil }
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let colors: [RGBA] = try parts.map { p in
            guard p.count == 7, p.hasPrefix("#"), let v = UInt32(p.dropFirst(), radix: 16) else {
                throw TrainingError("model card: class_colors entry '\(p)' is not #rrggbb")
            }
            return RGBA(UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff))
        }
        guard colors.count == card.numClasses else {
            throw TrainingError("model card: \(colors.count) class_colors for \(card.numClasses) classes (give one per class)")
        }
        return colors
    }
}
