import StrataTensor

/// A small CNN baseline for chips of any size: three conv3×3-BN-ReLU blocks with `width`, 2·`width` and
/// 4·`width` channels (32/64/128 by default) and strides 1, 2, 2, global average pooling, and a linear classifier.
/// With the default width: 288·bands + 92 160 convolution weights, 448 BatchNorm parameters, 129·classes in the
/// classifier.
///
/// The layers and names are those of the PyTorch reference used by the `nn` parity fixtures and the train-step
/// benchmark (`scripts/fixtures/nn.py`, `bench/train-step-swift`): one `features` Sequential of nine layers
/// (`features.0` conv, `features.1` BN, `features.2` ReLU, `features.3` conv, …, `features.7` BN), `pool`, `fc`.
/// Convolutions have no bias. Initialisation is PyTorch's layer default, so after `Runtime.manualSeed(s)` the
/// weights equal the PyTorch module's after `torch.manual_seed(s)`.
public final class SmallCNN: Module {
    public static let strides = [1, 2, 2]
    public let inChannels: Int, numClasses: Int, width: Int
    public let features: Sequential
    public let pool: AdaptiveAvgPool2d
    public let fc: Linear

    /// - Parameter inPlaceReLU: ReLU overwriting the BatchNorm output (default, less memory) or a separate output
    ///   tensor like PyTorch's `nn.ReLU()` (what the train-step benchmark compares against).
    public init(inChannels: Int, numClasses: Int, width: Int = 32, inPlaceReLU: Bool = true) throws {
        guard inChannels > 0 else { throw ModelError("SmallCNN: inChannels must be ≥ 1, got \(inChannels)") }
        guard numClasses > 0 else { throw ModelError("SmallCNN: numClasses must be ≥ 1, got \(numClasses)") }
        guard width > 0 else { throw ModelError("SmallCNN: width must be ≥ 1, got \(width)") }
        self.inChannels = inChannels
        self.numClasses = numClasses
        self.width = width
        var layers: [Module] = []
        var cin = inChannels
        for (i, s) in Self.strides.enumerated() {
            let w = width << i
            layers += [try Conv2d(cin, w, kernelSize: 3, stride: SpatialDims(s), padding: 1, bias: false),
                       try BatchNorm2d(w), inPlaceReLU ? ReLUInPlace() : ReLU()]
            cin = w
        }
        features = Sequential(layers)
        pool = try AdaptiveAvgPool2d(1)
        fc = try Linear(cin, numClasses)
        super.init()
        registerModule("features", features)
        registerModule("pool", pool)
        registerModule("fc", fc)
    }

    /// Logits `[N, numClasses]` for `[N, inChannels, H, W]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == inChannels else {
            throw ModelError("SmallCNN: expected an input [N, \(inChannels), H, W], got shape \(x.shape)")
        }
        return try fc(ModelOps.flatten(pool(features(x))))
    }
}
