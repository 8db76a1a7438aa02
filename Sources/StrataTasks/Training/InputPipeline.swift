import StrataData
import StrataModels
import StrataTensor

/// Turns raw chips into model inputs exactly as the model card says (the same code runs in training, evaluation
/// and prediction): the card's spectral indices appended (`InputIndices`), normalisation, then optionally
/// augmentations.
public struct InputPipeline: Sendable {
    public let card: ModelCard
    let scale: Tensor
    let offset: Tensor
    let augment: Compose?
    /// The spectral indices the card's model computes from its source bands (nil: none).
    public let indices: InputIndices?
    /// Whether inputs are two dates stacked on channels (change cards); batch augmentations then move both dates
    /// and the mask together.
    let pairBands: Bool
    /// The card's input rounding (`ModelCard.inputRounding`), applied around the normalisation.
    let rounding: ModelCard.InputRounding?
    let affine: (scale: [Double], offset: [Double])

    public init(card: ModelCard, augmentations: [String] = []) throws {
        self.card = card
        indices = try InputIndices(card: card)
        // Pair models (change, semantic change) take both dates stacked on channels: the card's per-band
        // normalisation applies to each date.
        let dates = card.task == .change || card.task == .semanticChange ? 2 : 1
        if dates == 2, indices != nil {
            throw ConfigError("data.indices: spectral indices are not supported for \(card.task.rawValue) models yet; remove them")
        }
        let (s1, o1) = try card.normalization.affine(bands: card.inChannels)
        let s = Array([[Double]](repeating: s1, count: dates).joined())
        let o = Array([[Double]](repeating: o1, count: dates).joined())
        pairBands = dates == 2
        rounding = try card.inputRounding
        affine = (s, o)
        if rounding != nil, indices != nil {
            throw ConfigError("the model card asks for both spectral indices and \(ModelCard.inputRoundingKey); use one or the other")
        }
        scale = try Tensor(s.map(Float.init), shape: [1, s.count, 1, 1])
        offset = try Tensor(o.map(Float.init), shape: [1, o.count, 1, 1])
        let parts: [any BatchTransform] = try augmentations.map { name in
            switch name {
            case "hflip": return try RandomHorizontalFlip()
            case "vflip": return try RandomVerticalFlip()
            case "rot90": return RandomRot90()
            case "noise": return try GaussianNoise(std: 0.02)
            case "brightness": return try RandomBrightnessContrast()
            default: throw ConfigError("data.augment: '\(name)' is not allowed; allowed values: \(TrainConfig.augmentations.joined(separator: ", "))")
            }
        }
        augment = parts.isEmpty ? nil : Compose(parts)
    }

    /// Normalises a [B, C, H, W] batch of the card's source bands (any dtype) to float32 model input, appending
    /// the card's spectral indices first.
    public func normalize(_ image: Tensor) throws -> Tensor {
        if let rounding { return try rounding.normalize(image, scale: affine.scale, offset: affine.offset) }
        let x = try indices?.append(image) ?? image.to(.float32)
        return try x * scale + offset
    }

    /// Normalisation then (when configured) augmentation of a whole batch, image and mask alike.
    public func apply(image: Tensor, mask: Tensor?, seed: UInt64) throws -> (Tensor, Tensor?) {
        let x = try normalize(image)
        guard let augment else { return (x, mask) }
        let out = try augment.apply(try TransformBatch(image: x, mask: mask, bandNames: pairBands ? [] : card.bands), seed: seed)
        return (out.image, out.mask)
    }

    /// As a `DataLoader` batch transform.
    public var batchTransform: ChipBatchTransform {
        let me = self
        return { batch, seed in
            var b = batch
            let (x, m) = try me.apply(image: b.image, mask: b.mask, seed: seed)
            b.image = x
            b.mask = m
            return b
        }
    }
}
