import StrataTensor

/// Keras layer defaults the DF4LCZ model relies on: BatchNormalization(epsilon=1e-3, momentum=0.99) — PyTorch
/// momentum 0.01 — and glorot-uniform kernels with zero biases.
enum KerasDefaults {
    static let bnEps = 1e-3
    static let bnMomentum = 0.01

    static func batchNorm3d(_ c: Int) throws -> BatchNorm3d { try BatchNorm3d(c, eps: bnEps, momentum: bnMomentum) }

    /// A Conv3d with a bias and no padding of its own (padding is Keras "same", applied per input size).
    static func conv3d(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1) throws -> Conv3d {
        try Conv3d(cin, cout, kernelSize: SpatialDims(kernel), stride: SpatialDims(stride), padding: 0, bias: true)
    }

    /// glorot_uniform kernels and zero biases for every Conv3d and Linear; BatchNorm 1/0.
    static func initialise(_ module: Module) throws {
        for m in module.modules() {
            if let c = m as? ConvNd {
                try Init.xavierUniform(c.weight)
                if let b = c.bias { try Init.zeros(b) }
            } else if let l = m as? Linear {
                try Init.xavierUniform(l.weight)
                if let b = l.bias { try Init.zeros(b) }
            } else if let bn = m as? BatchNormNd {
                if let w = bn.weight { try Init.ones(w) }
                if let b = bn.bias { try Init.zeros(b) }
            }
        }
    }
}

/// DF4LCZ's bottleneck block in 3-D (`resnet_block_3D`): Conv3D 1×1×1 (stride) → BN → ReLU, Conv3D 3×3×3 → BN
/// → ReLU, Conv3D 1×1×1 (4·filters) → BN; the shortcut is Conv3D 1×1×1 (stride) + BN when the stride is > 1 or
/// the channels differ, else the identity; add, ReLU. Every convolution has a bias and Keras "same" padding.
public final class Bottleneck3D: Module {
    public let conv1: Conv3d, bn1: BatchNorm3d, conv2: Conv3d, bn2: BatchNorm3d, conv3: Conv3d, bn3: BatchNorm3d
    /// `shortcut.0` (Conv3d) and `shortcut.1` (BatchNorm3d), or nil for the identity.
    public let shortcut: Sequential?
    let shortcutConv: Conv3d?, shortcutBN: BatchNorm3d?
    public var outChannels: Int { conv3.outChannels }

    public init(_ inChannels: Int, filters: Int, stride: Int) throws {
        conv1 = try KerasDefaults.conv3d(inChannels, filters, kernel: 1, stride: stride)
        bn1 = try KerasDefaults.batchNorm3d(filters)
        conv2 = try KerasDefaults.conv3d(filters, filters, kernel: 3)
        bn2 = try KerasDefaults.batchNorm3d(filters)
        conv3 = try KerasDefaults.conv3d(filters, 4 * filters, kernel: 1)
        bn3 = try KerasDefaults.batchNorm3d(4 * filters)
        if stride > 1 || inChannels != 4 * filters {
            let c = try KerasDefaults.conv3d(inChannels, 4 * filters, kernel: 1, stride: stride)
            let b = try KerasDefaults.batchNorm3d(4 * filters)
            (shortcutConv, shortcutBN, shortcut) = (c, b, Sequential(c, b))
        } else {
            (shortcutConv, shortcutBN, shortcut) = (nil, nil, nil)
        }
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
        registerModule("conv3", conv3)
        registerModule("bn3", bn3)
        if let shortcut { registerModule("shortcut", shortcut) }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var y = try ModelOps.reluInPlace(bn1(KerasSamePadding.conv(conv1, x)))
        y = try ModelOps.reluInPlace(bn2(KerasSamePadding.conv(conv2, y)))
        y = try bn3(KerasSamePadding.conv(conv3, y))
        var s = x
        if let shortcutConv, let shortcutBN { s = try shortcutBN(KerasSamePadding.conv(shortcutConv, x)) }
        return try ModelOps.addReluInPlace(y, s)
    }
}

/// DF4LCZ's Sentinel-2 stream "ResNet11-3D" (`model.py::resnet11_3D`, spec in methods.md §1.4): the chip is a
/// one-channel volume with the spectral bands as depth.
///
/// Input `[N, 1, bands, H, W]`, or `[N, bands, H, W]` (a channel axis is added). For DF4LCZ's 32×32×10 chips:
///
/// | stage | output |
/// |---|---|
/// | stem: Conv3D 64, 3×3×3 "same" → BN → ReLU | `[N, 64, 10, 32, 32]` |
/// | `layer1` = bottleneck(64, stride 1) | `[N, 256, 10, 32, 32]` |
/// | `layer2` = bottleneck(128, stride 2) | `[N, 512, 5, 16, 16]` |
/// | `layer3` = bottleneck(256, stride 2) | `[N, 1024, 3, 8, 8]` |
/// | global average pool 3-D → `fc` Linear(1024 → classes) | `[N, classes]` |
///
/// The stride applies to all three axes (10 → 5 → 3 spectrally). The model returns logits (Keras applies the
/// softmax inside its Dense layer; here it belongs to the loss). Keras layer defaults are kept: convolutions with
/// biases, glorot-uniform initialisation, BatchNorm ε = 1e-3 and momentum 0.99 (PyTorch's 0.01). Parameters:
/// `stem.0` (Conv3d), `stem.1` (BatchNorm3d), `layer{1,2,3}.{conv,bn}{1,2,3}`, `layer{1,2,3}.shortcut.{0,1}`,
/// `fc`. 3 538 961 trainable parameters with 17 classes.
public final class ResNet11_3D: Module {
    /// (filters, stride) of the three bottleneck blocks.
    public static let blocks = [(64, 1), (128, 2), (256, 2)]
    /// Spectral bands (the input's depth); the weights do not depend on it, the input check does.
    public let bands: Int
    public let numClasses: Int
    public let stem: Sequential
    let stemConv: Conv3d, stemBN: BatchNorm3d
    public let layer1: Bottleneck3D, layer2: Bottleneck3D, layer3: Bottleneck3D
    public let pool: AdaptiveAvgPool3d
    public let fc: Linear

    public init(bands: Int = 10, numClasses: Int = 17) throws {
        guard bands > 0 else { throw ModelError("ResNet11-3D: bands must be ≥ 1, got \(bands)") }
        guard numClasses > 0 else { throw ModelError("ResNet11-3D: numClasses must be ≥ 1, got \(numClasses)") }
        self.bands = bands
        self.numClasses = numClasses
        stemConv = try KerasDefaults.conv3d(1, 64, kernel: 3)
        stemBN = try KerasDefaults.batchNorm3d(64)
        stem = Sequential(stemConv, stemBN)
        layer1 = try Bottleneck3D(64, filters: Self.blocks[0].0, stride: Self.blocks[0].1)
        layer2 = try Bottleneck3D(layer1.outChannels, filters: Self.blocks[1].0, stride: Self.blocks[1].1)
        layer3 = try Bottleneck3D(layer2.outChannels, filters: Self.blocks[2].0, stride: Self.blocks[2].1)
        pool = try AdaptiveAvgPool3d(1)
        fc = try Linear(layer3.outChannels, numClasses)
        super.init()
        registerModule("stem", stem)
        registerModule("layer1", layer1)
        registerModule("layer2", layer2)
        registerModule("layer3", layer3)
        registerModule("pool", pool)
        registerModule("fc", fc)
        try KerasDefaults.initialise(self)
    }

    /// The outputs of the stem and of each block (shapes in the table above).
    public func stageOutputs(_ input: Tensor) throws -> [Tensor] {
        var x = input
        if x.rank == 4 { x = try ModelOps.unsqueeze(x, 1) }
        guard x.rank == 5, x.shape[1] == 1 else {
            throw ModelError("ResNet11-3D: expected [N, \(bands), H, W] or [N, 1, \(bands), H, W], got shape \(input.shape)")
        }
        guard x.shape[2] == bands else {
            throw ModelError("ResNet11-3D: the model was built for \(bands) spectral bands but the input has \(x.shape[2]) (shape \(input.shape)); select the bands it was trained on")
        }
        let s = try ModelOps.reluInPlace(stemBN(KerasSamePadding.conv(stemConv, x)))
        let l1 = try layer1(s)
        let l2 = try layer2(l1)
        let l3 = try layer3(l2)
        return [s, l1, l2, l3]
    }

    /// Logits `[N, numClasses]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        try fc(ModelOps.flatten(pool(stageOutputs(x)[3])))
    }

    public override var extraDescription: String { "bands=\(bands)" }
}
