import StrataTensor

/// TinyCD (Codegoni, Lombardi, Ferrari 2022, "TINYCD: A (not so) deep learning model for change detection"), as the
/// authors' `models/change_classifier.py` builds it with its defaults (`efficientnet_b4`, output layer 3).
///
/// Two RGB images → one change **probability** per pixel (the model ends in a sigmoid; threshold 0.5 for the
/// binary map, `prob > 0.5` as the original's `test_ondata.py`). Inputs are float RGB in [0, 1], ImageNet
/// mean/std normalised (`ImageNetNormalization` in StrataData does exactly the original's preprocessing), with
/// sides that are multiples of 8.
///
/// Computation (names are the original's, so its checkpoints load strictly):
/// - `_backbone`: torchvision `efficientnet_b4().features[0...3]` (`EfficientNet(.b4, stages: 4)`), applied to
///   each date separately (shared weights);
/// - `_first_mix`: mixing block on the raw images (6 → 3 channels) + pixelwise linear 3→10→5→1;
/// - `_mixing_mask.{0,1}`: the same on the outputs of `features[1]` (24 ch) and `features[2]` (32 ch), giving
///   one-channel masks at strides 2 and 4; `_mixing_mask.2`: a plain mixing block (112 → 56) on `features[3]`;
/// - `_up.{0,1,2}`: `UpMask` steps 56→64, 64→64, 64→32 from stride 8 to full resolution, each multiplied by the
///   mask of the next finer level;
/// - `_classify`: pixelwise linear 32→16→8→1 with a final sigmoid.
/// 285,128 trainable parameters.
///
/// Weights: `load(tinyCDCheckpoint:)` reads the authors' `.pth` files (`levir_best.pth` as is; `whu_best.pth`
/// names the third mixing block `_mixing_mask.2._mixing._convmix.*`, one level too deep, which is remapped).
/// Training from scratch as the authors did starts from ImageNet weights in the backbone: load a torchvision
/// `efficientnet_b4` state dict with `backbone.load(stateDict: sd.scoped("features"), strict: false)`.
/// Parity: on the LEVIR-CD and DSIFN-CD samples of `reference-outputs/tinycd` the probabilities equal the
/// original's (tested to 1e-4; measured max |Δ| = 0 in this project's runs).
///
/// ```swift
/// let model = try TinyCD(checkpoint: "levir_best.pth")
/// model.eval()
/// let prob = try Torch.noGrad { try model(before, after) }   // [N, 1, H, W] in (0, 1)
/// ```
///
/// As a `ChangeModel` (trainer, evaluator, predictor) `forward` takes the two RGB dates stacked on channels,
/// `[N, 6, H, W]`, and returns the change **logit** (`logit(_:_:)`; sigmoid = the probability above).
public final class TinyCD: Module, ChangeModel {
    public let backbone: EfficientNet
    public let firstMix: MixingMaskAttentionBlock
    public let mixingMasks: ModuleList
    public let maskBlocks: [MixingMaskAttentionBlock]
    public let lastMix: MixingBlock
    public let up: ModuleList
    public let upBlocks: [UpMask]
    public let classify: PixelwiseLinear

    /// Builds the model (torchvision's initialisation for the backbone, PyTorch's defaults elsewhere) and, when
    /// `checkpoint` is given, loads an original `.pth` with `load(tinyCDCheckpoint:)`.
    public init(checkpoint: String? = nil) throws {
        backbone = try EfficientNet(.b4, stages: 4)
        firstMix = try MixingMaskAttentionBlock(6, 3, [3, 10, 5], [10, 5, 1])
        maskBlocks = [try MixingMaskAttentionBlock(48, 24, [24, 12, 6], [12, 6, 1]),
                      try MixingMaskAttentionBlock(64, 32, [32, 16, 8], [16, 8, 1])]
        lastMix = try MixingBlock(112, 56)
        mixingMasks = ModuleList(maskBlocks + [lastMix])
        upBlocks = [try UpMask(56, 64), try UpMask(64, 64), try UpMask(64, 32)]
        up = ModuleList(upBlocks)
        classify = try PixelwiseLinear([32, 16, 8], [16, 8, 1], lastActivation: Sigmoid())
        super.init()
        registerModule("_backbone", backbone)
        registerModule("_first_mix", firstMix)
        registerModule("_mixing_mask", mixingMasks)
        registerModule("_up", up)
        registerModule("_classify", classify)
        if let checkpoint { try load(tinyCDCheckpoint: checkpoint) }
    }

    public var channelsPerDate: Int { 3 }

    /// The change logit `[N, 1, H, W]` of the stacked pair `[N, 6, H, W]` (before = channels 0..<3).
    public override func forward(_ x: Tensor) throws -> Tensor { try stackedChangeLogits(x) }

    public func changeLogits(before: Tensor, after: Tensor) throws -> Tensor { try logit(before, after) }

    /// Change probability `[N, 1, H, W]` for the pair (`ref` = before, `test` = after, as the original names them).
    public func callAsFunction(_ before: Tensor, _ after: Tensor) throws -> Tensor {
        try classify(decode(encode(before, after)))
    }

    /// The change logit `[N, 1, H, W]`: the classifier's last 1×1 convolution before the sigmoid.
    public func logit(_ before: Tensor, _ after: Tensor) throws -> Tensor {
        var x = try decode(encode(before, after))
        let steps = classify.linears.children
        for step in steps.dropLast() { x = try step(x) }
        let last = steps.last as! Sequential
        return try last.children[0](x)
    }

    func encode(_ before: Tensor, _ after: Tensor) throws -> [Tensor] {
        guard before.rank == 4, before.shape == after.shape, before.shape[1] == 3 else {
            throw ModelError("TinyCD: expected two RGB batches of the same shape [N, 3, H, W], "
                             + "got \(before.shape) and \(after.shape)")
        }
        guard before.shape[2] % 8 == 0, before.shape[3] % 8 == 0 else {
            throw ModelError("TinyCD: height and width must be multiples of 8 (three ×2 upsamplings), "
                             + "got \(Array(before.shape.suffix(2))); crop or pad the pair")
        }
        var features = [try firstMix(before, after)]
        var (a, b) = (before, after)
        for (i, stage) in backbone.stages.enumerated() {
            a = try stage(a)
            b = try stage(b)
            if i == 1 || i == 2 { features.append(try maskBlocks[i - 1](a, b)) }
            if i == 3 { features.append(try lastMix(a, b)) }
        }
        return features
    }

    func decode(_ features: [Tensor]) throws -> Tensor {
        var x = features[3]
        for (i, block) in upBlocks.enumerated() { x = try block(x, mask: features[2 - i]) }
        return x
    }

    /// The remap `whu_best.pth` needs: its third mixing block has an extra `_mixing.` level.
    public static func remapCheckpointKeys(_ sd: StateDict) -> StateDict {
        let wrong = "_mixing_mask.2._mixing."
        return StateDict(sd.entries.map { e in
            e.key.hasPrefix(wrong) ? ("_mixing_mask.2." + e.key.dropFirst(wrong.count), e.value) : (e.key, e.value)
        })
    }

    /// Loads an original TinyCD checkpoint (`torch.save(model.state_dict())`) strictly, after
    /// `remapCheckpointKeys`.
    public func load(tinyCDCheckpoint path: String) throws {
        try load(stateDict: Self.remapCheckpointKeys(TorchPickle.load(path)))
    }

    public override var extraDescription: String { "efficientnet_b4 stem, 3 mixing levels" }
}
