import StrataTensor

/// conv3×3 (no bias) → BatchNorm → ReLU as one `Sequential` (`.0`, `.1`, `.2`), segmentation_models_pytorch's
/// `Conv2dReLU`.
func convBNReLU(_ cin: Int, _ cout: Int) throws -> Sequential {
    try Sequential(Conv2d(cin, cout, kernelSize: 3, padding: 1, bias: false), BatchNorm2d(cout), ReLUInPlace())
}

/// One UNet decoder step (segmentation_models_pytorch's `UnetDecoderBlock` without attention): nearest
/// upsampling to the skip connection's size (×2 for inputs that are multiples of 32), concatenation with the skip
/// along channels (when there is one), then two conv3×3-BN-ReLU. Parameters `conv1.{0,1}.*`, `conv2.{0,1}.*`.
public final class UNetDecoderBlock: Module {
    public let inChannels: Int, skipChannels: Int, outChannels: Int
    public let conv1: Sequential, conv2: Sequential

    public init(inChannels: Int, skipChannels: Int, outChannels: Int) throws {
        self.inChannels = inChannels
        self.skipChannels = skipChannels
        self.outChannels = outChannels
        conv1 = try convBNReLU(inChannels + skipChannels, outChannels)
        conv2 = try convBNReLU(outChannels, outChannels)
        super.init()
        registerModule("conv1", conv1)
        registerModule("conv2", conv2)
    }

    /// Upsamples `x` to `size` (`[H, W]`), appends `skip` (which must have that size), convolves.
    public func callAsFunction(_ x: Tensor, skip: Tensor?, size: [Int]) throws -> Tensor {
        var y = try x.interpolate(size: size, mode: .nearest)
        if let skip { y = try ModelOps.cat([y, skip], dim: 1) }
        return try conv2(conv1(y))
    }

    /// Without a skip connection: ×2 nearest upsampling then the two convolutions.
    public override func forward(_ x: Tensor) throws -> Tensor {
        try self(x, skip: nil, size: Array(x.shape.suffix(2)).map { $0 * 2 })
    }
}

/// The UNet decoder: one `UNetDecoderBlock` per encoder stage, from the deepest up (`blocks.0` … `blocks.4`).
public final class UNetDecoder: Module {
    public let blocks: ModuleList
    public let decoderBlocks: [UNetDecoderBlock]

    /// - Parameters:
    ///   - encoderChannels: channels of the encoder's feature maps from the shallowest (stride 2) to the deepest.
    ///   - decoderChannels: output channels of each block, deepest first.
    public init(encoderChannels: [Int], decoderChannels: [Int]) throws {
        guard decoderChannels.count == encoderChannels.count, decoderChannels.allSatisfy({ $0 > 0 }) else {
            throw ModelError("UNetDecoder: need \(encoderChannels.count) positive decoder channel counts (one per encoder stage), got \(decoderChannels)")
        }
        let reversed = Array(encoderChannels.reversed())
        let ins = [reversed[0]] + decoderChannels.dropLast()
        let skips = Array(reversed.dropFirst()) + [0]
        decoderBlocks = try (0..<decoderChannels.count).map {
            try UNetDecoderBlock(inChannels: ins[$0], skipChannels: skips[$0], outChannels: decoderChannels[$0])
        }
        blocks = ModuleList(decoderBlocks)
        super.init()
        registerModule("blocks", blocks)
    }

    /// `features`: the encoder's outputs shallowest first; `inputSize`: the image's `[H, W]` (the last block
    /// upsamples to it and has no skip).
    public func callAsFunction(_ features: [Tensor], inputSize: [Int]) throws -> Tensor {
        guard features.count == decoderBlocks.count else {
            throw ModelError("UNetDecoder: expected \(decoderBlocks.count) feature maps, got \(features.count)")
        }
        let deepestFirst = Array(features.reversed())
        var x = deepestFirst[0]
        for (i, block) in decoderBlocks.enumerated() {
            let skip: Tensor? = i + 1 < deepestFirst.count ? deepestFirst[i + 1] : nil
            x = try block(x, skip: skip, size: skip.map { Array($0.shape.suffix(2)) } ?? inputSize)
        }
        return x
    }
}

/// UNet with a ResNet-18/34/50 encoder, structured and named as segmentation_models_pytorch's
/// `smp.Unet("resnetXX", classes=…, in_channels=…)` (encoder depth 5, BatchNorm decoder, no attention, nearest
/// upsampling): `encoder.*` holds torchvision's ResNet names without `fc` (`encoder.conv1.weight`,
/// `encoder.layer1.0.conv1.weight`, …), `decoder.blocks.N.conv{1,2}.{0,1}.*` the decoder and
/// `segmentation_head.0.{weight,bias}` the final conv3×3 to the classes. An smp state dict therefore loads as is,
/// and torchvision/TorchGeo ResNet weights load into the encoder with `PretrainedWeights.load` (it finds the `encoder.` scope).
///
/// Input `[N, bands, H, W]` → logits `[N, classes, H, W]`. Use sizes that are multiples of 32: every decoder step
/// is then an exact ×2 nearest upsampling, as in every smp version. Other sizes also run (each step resizes to
/// the matching encoder map, as smp ≥ 0.5 does), but tiles should be multiples of 32 to avoid the uneven
/// resampling.
///
/// Initialisation: the encoder as `ResNet`; decoder convolutions Kaiming-uniform (fan_in, ReLU gain) with BN 1/0;
/// the head glorot-uniform with a zero bias (smp's `initialize_decoder`/`initialize_head`).
public final class UNet: Module {
    public let encoder: ResNet
    public let decoder: UNetDecoder
    public let segmentationHead: Sequential
    public let headConv: Conv2d
    public let numClasses: Int
    public var inChannels: Int { encoder.inChannels }
    public static let defaultDecoderChannels = [256, 128, 64, 32, 16]

    public init(encoder depth: ResNet.Depth, inChannels: Int, numClasses: Int,
                decoderChannels: [Int] = UNet.defaultDecoderChannels) throws {
        guard numClasses > 0 else { throw ModelError("UNet: numClasses must be ≥ 1, got \(numClasses)") }
        encoder = try ResNet(depth, inChannels: inChannels, numClasses: nil)
        decoder = try UNetDecoder(encoderChannels: encoder.featureChannels, decoderChannels: decoderChannels)
        headConv = try Conv2d(decoderChannels.last!, numClasses, kernelSize: 3, padding: 1)
        segmentationHead = Sequential(headConv)
        self.numClasses = numClasses
        super.init()
        registerModule("encoder", encoder)
        registerModule("decoder", decoder)
        registerModule("segmentation_head", segmentationHead)
        try decoder.initializeAsSMP(head: headConv)
    }

    /// Logits `[N, numClasses, H, W]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        let features = try encoder.features(x)
        return try segmentationHead(decoder(features, inputSize: Array(x.shape.suffix(2))))
    }

    public override var extraDescription: String { "encoder=\(encoder.depth), classes=\(numClasses)" }
}

extension UNetDecoder {
    /// smp's initialisation of a UNet's decoder and segmentation head (`initialize_decoder` / `initialize_head`):
    /// Kaiming-uniform (fan-in, ReLU) decoder convolutions with zero biases, then a Xavier-uniform head. Shared by
    /// every UNet-shaped model (`UNet`, `FCSiam`, `TemporalUNet`), in this order, so seeded models stay the same.
    func initializeAsSMP(head: Conv2d) throws {
        for m in modules() {
            if let c = m as? Conv2d {
                try Init.kaimingUniform(c.weight, mode: .fanIn, nonlinearity: .relu)
                if let b = c.bias { try Init.zeros(b) }
            }
        }
        try Init.xavierUniform(head.weight)
        if let b = head.bias { try Init.zeros(b) }
    }
}
