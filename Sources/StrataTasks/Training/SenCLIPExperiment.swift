import Foundation
import StrataData
import StrataModels
import StrataTensor

/// The hooks of `task: senclip`: SenCLIP training (methods.md §3.1). A CLIP image tower, initialised from the CLIP
/// weights in `model.weights` (its architecture inferred from them), is fine-tuned on satellite chips against
/// frozen, precomputed ground-image embeddings (`SenCLIPPairs`: a folder with pairs.csv and ground.npy), through
/// SenCLIP's zero-initialised projection head, with MoCo-style InfoNCE against a queue and a learnable logit scale
/// clamped at ln 100 (`SenCLIPModel`). Optimizer and schedule are the scaffold's (the paper: AdamW, StepLR step 5,
/// γ 0.95); the training batches drop a last partial batch (the queue is replaced one full batch at a time, as the
/// authors' `drop_last=True`). Validation reports the loss and `EmbeddingAgreement` (cosine, in-batch top-1).
///
/// ```yaml
/// task: senclip
/// data: {root: pairs/, bands: [B04, B03, B02], batch_size: 32,
///        normalize: {method: meanstd, scale: 1, mean: [0.347, 0.376, 0.296], std: [0.269, 0.261, 0.276]}}
/// model: {weights: ViT-B-32.pt}
/// senclip: {pooling: avgpool, queue_size: 512, crop: 32}
/// trainer: {epochs: 20, optimizer: {name: adamw, lr: 1.0e-4}, scheduler: {name: step, step_size: 5, gamma: 0.95}}
/// ```
public struct SenCLIPExperiment: ExperimentTask {
    public init() {}

    /// The CLIP state dict of `model.weights` and the architecture it describes.
    static func baseWeights(_ c: TrainConfig) throws -> (StateDict, CLIPConfig) {
        guard let path = c.modelWeights else {
            throw ConfigError("model.weights: task: senclip needs the CLIP weights to start from")
        }
        let sd = try CLIPWeights.stateDict(from: path)
        return (sd, try SenCLIPModel.clipConfig(of: sd))
    }

    static func options(_ c: TrainConfig) -> SenCLIPOptions {
        SenCLIPOptions(pooling: SenCLIPOptions.Pooling(rawValue: c.senclip.pooling) ?? .avgpool,
                       poolOut: SenCLIPOptions.PoolOut(rawValue: c.senclip.poolOut) ?? .sum,
                       queueSize: c.senclip.queueSize, dropout: c.senclip.dropout,
                       temperature: c.senclip.temperature)
    }

    public func prepareData(_ c: TrainConfig) throws -> ExperimentData {
        let (_, clip) = try Self.baseWeights(c)
        let size = c.senclip.imageSize ?? clip.vision.imageSize
        let chipsRoot = c.senclip.chipsRoot
        func open(_ split: DatasetSplit) throws -> SenCLIPPairs {
            try SenCLIPPairs(root: c.data.root, split: split, bands: c.data.bands, chipsRoot: chipsRoot,
                             crop: c.senclip.crop, imageSize: size)
        }
        let train = try open(.train), val = try open(.val)
        guard train.bandNames.count == 3 else {
            throw ConfigError("data.bands: a CLIP image tower takes 3 bands (red, green, blue); got "
                + "\(train.bandNames.count) (\(train.bandNames.joined(separator: ", "))); e.g. bands: [B04, B03, B02]")
        }
        guard train.embedDim == clip.embedDim else {
            throw ConfigError("data.root: ground.npy holds \(train.embedDim)-dimensional embeddings but the CLIP "
                + "weights in model.weights embed to \(clip.embedDim) (\(clip)); embed the ground photos with the "
                + "same CLIP model")
        }
        guard train.count >= c.data.batchSize else {
            throw ConfigError("data.batch_size \(c.data.batchSize): the training split has only \(train.count) pairs")
        }
        var extra = SenCLIPModel.cardExtra(vision: clip.vision, embedDim: clip.embedDim, activation: clip.activation,
                                           options: Self.options(c))
        extra["dataset"] = TrainConfig.senclipDataset
        extra["senclip.views"] = String(train.views)
        let crop = c.senclip.crop.map(String.init) ?? "none"
        extra["senclip.preprocess"] = "min-max over bands to [0, 1], centre crop \(crop), "
            + "bilinear resize to \(size)"
        return ExperimentData(
            kind: .embedding, bands: train.bandNames, classNames: [], inputSize: [size, size], extra: extra,
            statisticsImages: {
                let step = max(1, train.count / min(train.count, 512))
                return try stride(from: 0, to: train.count, by: step).map { try train.sample(at: $0).image }
            },
            makeSources: { trainPipe, evalPipe in
                (SenCLIPPairSource(try DataLoader(train, batchSize: c.data.batchSize, shuffle: true, dropLast: true,
                                                  workers: c.data.workers, seed: c.trainer.seed,
                                                  batchTransform: trainPipe.batchTransform), pairs: train),
                 SenCLIPPairSource(try DataLoader(val, batchSize: c.data.batchSize, workers: c.data.workers,
                                                  seed: c.trainer.seed, batchTransform: evalPipe.batchTransform),
                                   pairs: val))
            })
    }

    /// Loads the image tower of the CLIP weights (`visual.*`) into `SenCLIPModel.visual`, strictly; the text
    /// tower stays frozen outside the run (zero-shot pairs the trained tower with the original text tower).
    public func loadPretrainedWeights(_ model: Module, config c: TrainConfig) throws {
        guard let senclip = model as? SenCLIPModel, let path = c.modelWeights else { return }
        let (sd, _) = try Self.baseWeights(c)
        let visual = sd.scoped("visual")
        do { try senclip.visual.load(stateDict: visual) } catch {
            throw ModelError("model.weights \(path): its image tower does not fit the model built from it: \(error)")
        }
        print("model.weights \(path): loaded the CLIP image tower (\(visual.count) tensors); projection head "
            + "zero-initialised, logit scale ln(1/\(c.senclip.temperature))")
    }

    public func configureModel(_ model: Module, config c: TrainConfig) throws {
        if c.zeroInitResidual {
            throw ConfigError("model.zero_init_residual does not apply to task: senclip (the tower starts from "
                + "CLIP weights); remove it")
        }
    }

    public func reportTitle(_ c: TrainConfig) -> String {
        "SenCLIP · \(URL(fileURLWithPath: c.modelWeights ?? "?").lastPathComponent)"
    }
}

/// `SenCLIPPairs` batches for the trainer: input = chips, target = their ground embeddings `[B, V, D]`.
public final class SenCLIPPairSource: BatchSource {
    public let loader: DataLoader
    public let pairs: SenCLIPPairs
    public init(_ loader: DataLoader, pairs: SenCLIPPairs) {
        self.loader = loader
        self.pairs = pairs
    }
    public var batchCount: Int { loader.batchCount }
    public var sampleCount: Int { loader.sampleCount }
    public func forEachBatch(epoch: Int, _ body: (TrainingBatch) throws -> Void) throws {
        try loader.forEachBatch(epoch: epoch) { b in
            try body(TrainingBatch(input: b.image, target: pairs.ground(rows: b.label)))
        }
    }
}
