import StrataTensor

/// segmentation_models_pytorch's `FPN(encoder_name="efficientnet-bN")` for semantic segmentation: the smp-layout
/// EfficientNet encoder (`encoder.*`), `FPNDecoder` (`decoder.*`, pyramid 256, segmentation 128, dropout 0.2,
/// merge add) and smp's head `segmentation_head.0.*` — a 1×1 convolution to the classes, then bilinear ×4
/// upsampling with align_corners=True. Input sides must be multiples of 32.
public final class FPN: Module {
    public let encoder: EfficientNetSMPEncoder
    public let decoder: FPNDecoder
    public let head: Conv2d
    public let numClasses: Int

    /// - Parameter encoderImageSize: passed to `EfficientNetSMPEncoder` (nil: smp's nominal size).
    public init(encoder variant: EfficientNet.Variant, inChannels: Int, numClasses: Int,
                encoderImageSize: Int? = nil) throws {
        guard numClasses >= 1 else { throw ModelError("FPN: numClasses must be ≥ 1, got \(numClasses)") }
        encoder = try EfficientNetSMPEncoder(variant, inChannels: inChannels, imageSize: encoderImageSize)
        decoder = try FPNDecoder(encoderChannels: encoder.outChannels)
        head = try Conv2d(decoder.outChannels, numClasses, kernelSize: 1)
        self.numClasses = numClasses
        super.init()
        registerModule("encoder", encoder)
        registerModule("decoder", decoder)
        registerModule("segmentation_head", Sequential([head]))
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[2] % 32 == 0, x.shape[3] % 32 == 0 else {
            throw ModelError("FPN: expected [N, \(encoder.inChannels), H, W] with H and W multiples of 32, got \(x.shape)")
        }
        return try head(decoder.decode(encoder.features(x)))
            .interpolate(scaleFactor: 4, mode: .bilinear, alignCorners: true)
    }

    public override var extraDescription: String { "efficientnet-\(encoder.variant.rawValue), classes=\(numClasses)" }
}
