import StrataTensor

/// A small CNN baseline for chips of any size: three conv3×3-BN-ReLU blocks with 32, 64 and 128 channels and
/// strides 1, 2, 2, global average pooling, and a linear classifier (288·bands + 92 160 convolution weights,
/// 448 BatchNorm parameters, 129·classes in the classifier).
///
/// Parameters: `features.{0,1,2}.0.weight` (convolutions, no bias), `features.{0,1,2}.1.*` (BatchNorm),
/// `fc.weight`, `fc.bias`. Initialised like the ResNets (Kaiming-normal fan_out convolutions, BN 1/0).
public final class SmallCNN: Module {
    public static let widths = [32, 64, 128]
    public static let strides = [1, 2, 2]
    public let inChannels: Int, numClasses: Int
    public let features: Sequential
    public let pool: AdaptiveAvgPool2d
    public let fc: Linear

    public init(inChannels: Int, numClasses: Int) throws {
        guard inChannels > 0 else { throw ModelError("SmallCNN: inChannels must be ≥ 1, got \(inChannels)") }
        guard numClasses > 0 else { throw ModelError("SmallCNN: numClasses must be ≥ 1, got \(numClasses)") }
        self.inChannels = inChannels
        self.numClasses = numClasses
        var blocks: [Module] = []
        var cin = inChannels
        for (w, s) in zip(Self.widths, Self.strides) {
            blocks.append(try Sequential(Conv2d(cin, w, kernelSize: 3, stride: SpatialDims(s), padding: 1, bias: false),
                                         BatchNorm2d(w), ReLU()))
            cin = w
        }
        features = Sequential(blocks)
        pool = try AdaptiveAvgPool2d(1)
        fc = try Linear(cin, numClasses)
        super.init()
        registerModule("features", features)
        registerModule("pool", pool)
        registerModule("fc", fc)
        try ResNet.torchvisionInit(self)
    }

    /// Logits `[N, numClasses]` for `[N, inChannels, H, W]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == inChannels else {
            throw ModelError("SmallCNN: expected an input [N, \(inChannels), H, W], got shape \(x.shape)")
        }
        return try fc(ModelOps.flatten(pool(features(x))))
    }
}
