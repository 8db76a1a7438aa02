import StrataTensor

/// The fully convolutional change-detection networks of Daudt, Le Saux, Boulch (2018, "Fully convolutional siamese
/// networks for change detection", ICIP), as TorchGeo 0.8.1 builds them: a UNet (segmentation_models_pytorch layout,
/// ResNet encoder, BatchNorm decoder, conv3×3 head) whose two dates meet
/// - `.early` (**FC-EF**): stacked on channels before a single encoder — TorchGeo has no `FCEF` class; its
///   early-fusion change model is `ChangeDetectionTask(model="unet")`, i.e. `smp.Unet(in_channels=2·C)`;
/// - `.concatenation` (**FC-Siam-conc**, TorchGeo `FCSiamConc`): one shared encoder per date, every skip
///   `cat([after, before])`, so the decoder's inputs have twice the encoder's channels;
/// - `.difference` (**FC-Siam-diff**, TorchGeo `FCSiamDiff`): one shared encoder per date, every skip
///   `after − before`, the decoder of a plain UNet.
///
/// Parameter names equal TorchGeo's/smp's state dicts (`encoder.conv1.weight`, `encoder.layer1.0.conv1.weight`, …,
/// `decoder.blocks.N.conv{1,2}.{0,1}.*`, `segmentation_head.0.*`), so TorchGeo weights (`ChangeDetectionTask`
/// checkpoints through `PretrainedWeights`, which strips the `model.` prefix) load as they are, and ImageNet or
/// SSL4EO ResNet weights load into `encoder`. Input: the two dates stacked on channels, `[B, 2C, H, W]` (the
/// `ChangeModel` convention; TorchGeo's `[B, 2, C, H, W]` reshaped), H and W multiples of 32; output: change logits
/// `[B, K, H, W]` (K = 1: one logit per pixel for BCE). Initialisation as smp's: encoder as torchvision's ResNet,
/// decoder Kaiming-uniform, head Xavier-uniform with zero bias.
///
/// Parity (Tests/StrataModelsTests/FCSiamTests.swift, fixture scripts/fixtures/fcsiam.py run against TorchGeo
/// 0.8.1): eval and train-mode outputs, loss and the outputs after one SGD step match to float32 rounding.
///
/// ```swift
/// let model = try FCSiam(.difference, encoder: .resnet18, channelsPerDate: 13)
/// let logits = try model(Tensor.cat([before, after], dim: 1))   // [B, 1, H, W]
/// ```
public final class FCSiam: Module, ChangeModel {
    /// How the two dates meet.
    public enum Fusion: String, Sendable, CaseIterable {
        case early = "fc-ef", concatenation = "fc-siam-conc", difference = "fc-siam-diff"
    }

    public let fusion: Fusion
    public let channelsPerDate: Int
    public let numClasses: Int
    public let encoder: ResNet
    public let decoder: UNetDecoder
    public let headConv: Conv2d
    public let segmentationHead: Sequential

    /// - Parameters:
    ///   - encoder: the ResNet depth (TorchGeo's and smp's default is ResNet-34).
    ///   - channelsPerDate: bands of one date (`C`).
    ///   - numClasses: output logits per pixel (1 for binary change with BCE; K ≥ 2 for softmax change classes).
    public init(_ fusion: Fusion, encoder depth: ResNet.Depth = .resnet34, channelsPerDate: Int, numClasses: Int = 1,
                decoderChannels: [Int] = UNet.defaultDecoderChannels) throws {
        guard channelsPerDate >= 1 else {
            throw ModelError("\(fusion.rawValue): channelsPerDate must be ≥ 1, got \(channelsPerDate)")
        }
        guard numClasses >= 1 else {
            throw ModelError("\(fusion.rawValue): numClasses must be ≥ 1, got \(numClasses)")
        }
        self.fusion = fusion
        self.channelsPerDate = channelsPerDate
        self.numClasses = numClasses
        encoder = try ResNet(depth, inChannels: fusion == .early ? 2 * channelsPerDate : channelsPerDate,
                             numClasses: nil)
        let skips = fusion == .concatenation ? encoder.featureChannels.map { 2 * $0 } : encoder.featureChannels
        decoder = try UNetDecoder(encoderChannels: skips, decoderChannels: decoderChannels)
        headConv = try Conv2d(decoderChannels.last!, numClasses, kernelSize: 3, padding: 1)
        segmentationHead = Sequential(headConv)
        super.init()
        registerModule("encoder", encoder)
        registerModule("decoder", decoder)
        registerModule("segmentation_head", segmentationHead)
        try decoder.initializeAsSMP(head: headConv)
    }

    /// Change logits `[B, K, H, W]` of the stacked pair `[B, 2C, H, W]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        if fusion == .early {
            _ = try splitPair(x)  // shape check with the pair-specific message
            return try head(encoder.features(x), size: Array(x.shape.suffix(2)))
        }
        return try stackedChangeLogits(x)
    }

    public func changeLogits(before: Tensor, after: Tensor) throws -> Tensor {
        guard before.shape == after.shape else {
            throw ModelError("\(fusion.rawValue): the two dates differ in shape (\(before.shape) vs \(after.shape))")
        }
        let size = Array(before.shape.suffix(2))
        switch fusion {
        case .early:
            return try head(encoder.features(Tensor.cat([before, after], dim: 1)), size: size)
        case .concatenation:
            let a = try encoder.features(before), b = try encoder.features(after)
            return try head(zip(a, b).map { try ModelOps.cat([$1, $0], dim: 1) }, size: size)
        case .difference:
            let a = try encoder.features(before), b = try encoder.features(after)
            return try head(zip(a, b).map { try $1 - $0 }, size: size)
        }
    }

    func head(_ features: [Tensor], size: [Int]) throws -> Tensor {
        try segmentationHead(decoder(features, inputSize: size))
    }

    public override var extraDescription: String {
        "\(fusion.rawValue), encoder=\(encoder.depth), \(channelsPerDate) bands per date, classes=\(numClasses)"
    }
}
