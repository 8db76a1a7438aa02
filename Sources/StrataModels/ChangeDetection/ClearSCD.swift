import StrataTensor

/// ClearSCD (Tang et al., ISPRS J. P&RS 211, 2024; spec: `../shared/reference/methods.md` §2, read from the
/// authors' `model/ClearSCD.py` with `configs/hiucd_mini/ours.json`), state-dict names as the authors' module:
///
/// - `queue_A{k}`, `ptr_A{k}`, `queue_B{k}`, `ptr_B{k}` (k < classes): the SACL memory queues, `[projDim,
///   queueLength]` float buffers (unit columns at initialisation) and their int64 `[1]` write pointers; persistent,
///   so they travel in checkpoints;
/// - `encoder.*`: the Siamese (shared) smp `EfficientNetEncoder("efficientnet-b0")` (`EfficientNetSMPEncoder`);
/// - `decoder.*`: smp `FPNDecoder(pyramid 256, segmentation 128, dropout 0.2, merge add)`;
/// - `head_seg.0.*`: smp `SegmentationHead(128 → classes)`, 3×3 conv, no upsampling (the config's
///   `downsample_seg: true`), so semantic logits are at stride 4;
/// - `head_bcd.convs.{0,1,2}.{0,1}.*`, `head_bcd.convs.3.*`: deep CVAPS on `|logits_A − logits_B|` — the **raw**
///   logits (no softmax, despite the "posterior probability" name): 3 × (conv3×3 K→K, BN, ReLU), conv3×3 K→1;
/// - `proj_head.proj.{0,1,3}.*`: SACL projection conv1×1(128→32) → BN → ReLU → conv1×1(32→128).
///
/// Semantic and change logits are upsampled ×4 bilinearly with **align_corners=True** (`nn.UpsamplingBilinear2d`),
/// a quirk of the release kept by default (`alignCorners`). **Initialisation as released:** the config asks for
/// ImageNet weights but `_init_weighets` never calls `load_state_dict`, so every layer keeps PyTorch's default
/// initialisation — Strata's default too; `Initialisation.kaimingNormal` is the authors' `pretrained: false` path.
/// Losses and the memory-queue update are in `ClearSCD+Losses.swift`.
public final class ClearSCD: Module, SemanticChangeModel {
    /// Hyper-parameters (defaults: the authors' Hi-UCD mini config).
    public struct Config: Sendable, Equatable {
        public var classes = 9
        public var channelsPerDate = 3
        public var backbone: EfficientNet.Variant = .b0
        public var bcdConvs = 3
        /// Queue/feature width (`proj_dim`); must equal the decoder's 128 output channels, as the code assumes.
        public var projDim = 128
        public var queueLength = 512
        public var enqueueLength = 64
        /// Pixels per class and date drawn for local SACL (`sample_num`).
        public var sampleNum = 1024
        public var temperature = 0.1
        /// Weight of the local (InfoNCE) SACL term (`contrast_weight`).
        public var contrastWeight = 0.1
        /// Weight of the global SACL term; the release applies none (1). A switch, not a fix: kept at 1.
        public var globalContrastWeight = 1.0
        public var localContrast = true
        public var globalContrast = true
        /// `hard_sampling`: global queries are (1 − p_class)-weighted prototypes; else plain class means.
        public var hardSampling = true
        public var withBSCC = true
        public var bsccWeight = 0.1
        public var bsccMargin = 2.0
        /// Epochs during which global SACL only fills the queues (`warmup_epoch`; the trainer passes `warmup`).
        public var warmupEpochs = 1
        public var decoderDropout = 0.2
        public var dropConnect = 0.2
        /// Upsampling of logits (`UpsamplingBilinear2d`): align_corners=True as released.
        public var alignCorners = true
        /// The released code counts the lowest label present among the classes even when it is the ignore value
        /// (only possible when a whole batch is unlabelled; then the loss divides by a count that includes it and
        /// the authors' code crashes or returns NaN). `false` (default `true` = as released) skips such batches.
        public var countIgnoredFirstClass = true
        public init() {}
    }

    public enum Initialisation: Sendable { case released, kaimingNormal }

    public let config: Config
    public let encoder: EfficientNetSMPEncoder
    public let decoder: FPNDecoder
    public let headSeg: Conv2d
    public let headBCD: Sequential
    public let projHead: Sequential
    public var channelsPerDate: Int { config.channelsPerDate }
    public var semanticClasses: Int { config.classes }
    /// Label of unlabelled semantic pixels (= `classes`, the authors' `ignore_index = num_segclass`).
    public var ignoreIndex: Int { config.classes }

    public init(_ config: Config = Config(), initialisation: Initialisation = .released) throws {
        guard config.classes >= 2 else { throw ModelError("ClearSCD: classes must be ≥ 2, got \(config.classes)") }
        guard config.projDim == 128 else {
            throw ModelError("ClearSCD: projDim must be 128 (the decoder's width the queues hold), got \(config.projDim)")
        }
        guard config.enqueueLength > 0, config.queueLength % config.enqueueLength == 0 else {
            throw ModelError("ClearSCD: queueLength (\(config.queueLength)) must be a multiple of enqueueLength "
                             + "(\(config.enqueueLength))")
        }
        guard config.bcdConvs >= 0, config.sampleNum > 0, config.temperature > 0 else {
            throw ModelError("ClearSCD: bcdConvs must be ≥ 0, sampleNum and temperature > 0")
        }
        self.config = config
        let k = config.classes
        encoder = try EfficientNetSMPEncoder(config.backbone, inChannels: config.channelsPerDate,
                                             dropConnect: config.dropConnect)
        decoder = try FPNDecoder(encoderChannels: encoder.outChannels, pyramidChannels: 256,
                                 segmentationChannels: 128, dropout: config.decoderDropout)
        headSeg = try Conv2d(128, k, kernelSize: 3, padding: 1)
        var convs: [Module] = try (0..<config.bcdConvs).map { _ in
            Sequential([try Conv2d(k, k, kernelSize: 3, padding: 1), try BatchNorm2d(k), ReLU()])
        }
        convs.append(try Conv2d(k, 1, kernelSize: 3, padding: 1))
        headBCD = Sequential(convs)
        projHead = Sequential([try Conv2d(128, 32, kernelSize: 1), try BatchNorm2d(32), ReLU(),
                               try Conv2d(32, 128, kernelSize: 1)])
        super.init()
        for i in 0..<k {
            for d in ["A", "B"] {
                registerBuffer("queue_\(d)\(i)", try Self.unitColumns(config.projDim, config.queueLength))
                registerBuffer("ptr_\(d)\(i)", try Tensor.zeros([1], .init(dtype: .int64)))
            }
        }
        registerModule("encoder", encoder)
        registerModule("decoder", decoder)
        let seg = Sequential([headSeg])
        registerModule("head_seg", seg)
        let bcd = Module()
        bcd.registerModule("convs", headBCD)
        registerModule("head_bcd", bcd)
        let proj = Module()
        proj.registerModule("proj", projHead)
        registerModule("proj_head", proj)
        if initialisation == .kaimingNormal {
            for m in [encoder, decoder, seg, bcd, proj] as [Module] {
                for sub in m.modules() {
                    if let c = sub as? Conv2d {
                        try Init.kaimingNormal(c.weight)
                        if let b = c.bias { try Init.zeros(b) }
                    } else if let bn = sub as? BatchNormNd {
                        if let w = bn.weight { try Init.ones(w) }
                        if let b = bn.bias { try Init.zeros(b) }
                    }
                }
            }
        }
    }

    /// `randn(d, n)` normalised column-wise, the queues' initial value.
    static func unitColumns(_ d: Int, _ n: Int) throws -> Tensor {
        try Torch.noGrad {
            let r = try Tensor.randn([d, n])
            return try r / r.norm(dims: [0], keepdim: true).clamp(min: 1e-12)
        }
    }

    /// Queue and pointer of class `k`, date `"A"` or `"B"`.
    public func queue(_ date: String, _ k: Int) -> (queue: Tensor, pointer: Tensor) {
        (buffer("queue_\(date)\(k)")!, buffer("ptr_\(date)\(k)")!)
    }

    func upsample(_ x: Tensor) throws -> Tensor {
        try x.interpolate(scaleFactor: 4, mode: .bilinear, alignCorners: config.alignCorners)
    }

    /// Both dates through the shared encoder and decoder (separately, as the release: BatchNorm sees each date's
    /// batch on its own), the semantic head, deep CVAPS and ×4 upsampling. `extra` holds what the losses need:
    /// `decoderA`/`decoderB` (stride-4 128-channel features), `logitsA4`/`logitsB4` (stride-4 semantic logits),
    /// `change4` (stride-4 change logit).
    public func semanticChange(before: Tensor, after: Tensor) throws -> SemanticChangeOutput {
        for (name, t) in [("before", before), ("after", after)] {
            guard t.rank == 4, t.shape[1] == channelsPerDate, t.shape[2] % 32 == 0, t.shape[3] % 32 == 0 else {
                throw ModelError("ClearSCD: \(name) must be [B, \(channelsPerDate), H, W] with H and W multiples of 32, "
                                 + "got \(t.shape)")
            }
        }
        let decA = try decoder.decode(encoder.features(before))
        let decB = try decoder.decode(encoder.features(after))
        let la = try headSeg(decA), lb = try headSeg(decB)
        let change4 = try headBCD((la - lb).abs())
        return SemanticChangeOutput(before: try upsample(la), after: try upsample(lb), change: try upsample(change4),
                                    extra: ["decoderA": decA, "decoderB": decB, "logitsA4": la, "logitsB4": lb,
                                            "change4": change4])
    }

    /// `[B, 2C, H, W]` → `[B, 2K + 1, H, W]` (before logits, after logits, change logit).
    public override func forward(_ x: Tensor) throws -> Tensor {
        let c = channelsPerDate
        guard x.rank == 4, x.shape[1] == 2 * c else {
            throw ModelError("ClearSCD: expected the two dates stacked as [B, \(2 * c), H, W], got \(x.shape)")
        }
        let out = try semanticChange(before: x.narrow(dim: 1, start: 0, length: c),
                                     after: x.narrow(dim: 1, start: c, length: c))
        lastTrainingOutput = isTraining ? out : nil
        return try out.concatenated()
    }

    /// The full output of the last `forward` in training mode (nil after one in eval mode): what `losses` needs
    /// beyond the concatenated logits, kept so the one-tensor trainer can form ClearSCD's loss without a second pass.
    public private(set) var lastTrainingOutput: SemanticChangeOutput?

    public override var extraDescription: String {
        "classes=\(config.classes), backbone=efficientnet-\(config.backbone.rawValue)"
    }
}
