import StrataTensor

/// So2Sat LCZ42's ResNet-v2 classifier: the Keras CIFAR example's `resnet_v2(input_shape, depth, num_classes)`
/// (pre-activation bottleneck blocks, He et al. 2016) that the So2Sat LCZ42 classification demo trained on
/// Sentinel-2 chips (32 × 32 × 10 bands, 17 local climate zones, depth 20).
///
/// Layout (depth = 9n + 2, n blocks per stage; filters 16 → 64, 64 → 128, 128 → 256):
/// - stem: 3×3 conv (16) → BN → ReLU;
/// - block: branch `[BN → ReLU →] 1×1 conv (f_in, stride s) → BN → ReLU → 3×3 conv (f_in) → BN → ReLU → 1×1 conv
///   (f_out)`; block 0 of a stage adds a 1×1 stride-s projection conv on the block input, later blocks the
///   identity; the very first block has no leading BN → ReLU (its input is already activated);
/// - head: BN → ReLU → global average pool → linear.
///
/// Every conv has a bias and Keras `padding='same'` semantics (TensorFlow's rule: output = ⌈input / stride⌉, the
/// total padding split with the extra pixel at the bottom/right), reproduced exactly by ``kerasSamePad(_:kernel:stride:)``;
/// BatchNorm uses Keras's epsilon 1e-3. Inputs are NCHW; ``forward(_:)`` returns logits and ``probabilities(_:)``
/// the softmax, as the Keras model's output. Real weights load with ``loadKerasWeights(_:)``.
///
/// Parameter names: `conv1`, `bn1`, `layer{1,2,3}.{j}.{preact_bn, conv1, bn1, conv2, bn2, conv3, shortcut}`,
/// `bn_final`, `fc`.
public final class So2SatResNetV2: Module {
    public let depth: Int
    public let inChannels: Int
    public let numClasses: Int
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let stages: [Sequential]
    let blocks: [[So2SatBottleneck]]
    let bnFinal: BatchNorm2d
    let fc: Linear

    /// Keras BatchNormalization's default epsilon.
    public static let kerasBatchNormEpsilon = 1e-3

    /// `depth` must be 9n + 2 (20 for the So2Sat weights: 2 blocks per stage).
    public init(inChannels: Int = 10, numClasses: Int = 17, depth: Int = 20) throws {
        guard depth >= 11, (depth - 2) % 9 == 0 else {
            throw TorchError("So2SatResNetV2: depth must be 9n + 2 (e.g. 20, 29, 56), got \(depth)")
        }
        guard inChannels >= 1, numClasses >= 1 else {
            throw TorchError("So2SatResNetV2: inChannels and numClasses must be ≥ 1, got \(inChannels), \(numClasses)")
        }
        self.depth = depth
        self.inChannels = inChannels
        self.numClasses = numClasses
        let eps = Self.kerasBatchNormEpsilon
        conv1 = try Conv2d(inChannels, 16, kernelSize: 3)
        bn1 = try BatchNorm2d(16, eps: eps)
        let perStage = (depth - 2) / 9
        var fIn = 16
        var blocks: [[So2SatBottleneck]] = []
        for stage in 0..<3 {
            let fOut = stage == 0 ? fIn * 4 : fIn * 2
            var stageBlocks: [So2SatBottleneck] = []
            for j in 0..<perStage {
                let first = j == 0
                stageBlocks.append(try So2SatBottleneck(
                    inChannels: first ? fIn : fOut, width: fIn, outChannels: fOut,
                    stride: stage > 0 && first ? 2 : 1, preactivate: !(stage == 0 && first), projection: first))
            }
            blocks.append(stageBlocks)
            fIn = fOut
        }
        self.blocks = blocks
        stages = blocks.map { Sequential($0) }
        bnFinal = try BatchNorm2d(fIn, eps: eps)
        fc = try Linear(fIn, numClasses)
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        for (i, s) in stages.enumerated() { registerModule("layer\(i + 1)", s) }
        registerModule("bn_final", bnFinal)
        registerModule("fc", fc)
    }

    /// Logits `[N, numClasses]` for chips `[N, inChannels, H, W]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.size(1) == inChannels else {
            throw TorchError("So2SatResNetV2: expected input [N, \(inChannels), H, W], got \(x.shape) (Keras-layout NHWC chips: use So2SatResNetV2.nchw(_:))")
        }
        var y = try Functional.relu(bn1(conv1(kerasSamePad(x, kernel: 3, stride: 1))))
        for s in stages { y = try s(y) }
        y = try Functional.relu(bnFinal(y))
        return try fc(y.mean(dims: [2, 3]))
    }

    /// Class probabilities (softmax of the logits), the Keras model's output.
    public func probabilities(_ x: Tensor) throws -> Tensor { try Functional.softmax(forward(x), dim: 1) }

    /// NHWC (Keras layout) chips to NCHW.
    public static func nchw(_ nhwc: Tensor) throws -> Tensor { try nhwc.permute([0, 3, 1, 2]).contiguous() }

    /// The So2Sat demo's Sentinel-2 scaling of digital numbers: `Float16(Float32(Float16(DN)) / 10000)` widened to
    /// float32 (the demo keeps its bands in float16; skipping the rounding changes probabilities by up to ~0.016).
    public static func sentinel2Reflectance(fromDN dn: Tensor) throws -> Tensor {
        try (dn.to(.float16).to(.float32) / 10000.0).to(.float16).to(.float32)
    }
}

/// One pre-activation bottleneck block of ``So2SatResNetV2``.
final class So2SatBottleneck: Module {
    let preactBN: BatchNorm2d?
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d
    let shortcut: Conv2d?
    let stride: Int

    init(inChannels: Int, width: Int, outChannels: Int, stride: Int, preactivate: Bool, projection: Bool) throws {
        let eps = So2SatResNetV2.kerasBatchNormEpsilon
        preactBN = preactivate ? try BatchNorm2d(inChannels, eps: eps) : nil
        conv1 = try Conv2d(inChannels, width, kernelSize: 1, stride: SpatialDims(stride))
        bn1 = try BatchNorm2d(width, eps: eps)
        conv2 = try Conv2d(width, width, kernelSize: 3)
        bn2 = try BatchNorm2d(width, eps: eps)
        conv3 = try Conv2d(width, outChannels, kernelSize: 1)
        shortcut = projection ? try Conv2d(inChannels, outChannels, kernelSize: 1, stride: SpatialDims(stride)) : nil
        self.stride = stride
        super.init()
        if let b = preactBN { registerModule("preact_bn", b) }
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
        registerModule("conv3", conv3)
        if let s = shortcut { registerModule("shortcut", s) }
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        var y = x
        if let b = preactBN { y = try Functional.relu(b(y)) }
        y = try conv1(kerasSamePad(y, kernel: 1, stride: stride))
        y = try conv2(kerasSamePad(Functional.relu(bn1(y)), kernel: 3, stride: 1))
        y = try conv3(Functional.relu(bn2(y)))
        let identity = try shortcut.map { try $0(kerasSamePad(x, kernel: 1, stride: stride)) } ?? x
        return try identity + y
    }
}

/// Pads an NCHW tensor as Keras/TensorFlow `padding='same'` does before a convolution with no padding of its
/// own: output size ⌈input / stride⌉, total padding `max((out − 1)·stride + kernel − input, 0)` per dimension,
/// half (rounded down) before and the rest after. For stride 1 and odd kernels this is PyTorch's symmetric
/// `padding = kernel / 2`; for stride 2 it is often asymmetric (extra row/column at the bottom/right), which
/// PyTorch's symmetric padding cannot express.
public func kerasSamePad(_ x: Tensor, kernel: Int, stride: Int) throws -> Tensor {
    let h = x.size(-2), w = x.size(-1)
    func pads(_ n: Int) -> (Int, Int) {
        let out = (n + stride - 1) / stride
        let total = max((out - 1) * stride + kernel - n, 0)
        return (total / 2, total - total / 2)
    }
    let (top, bottom) = pads(h), (left, right) = pads(w)
    if top == 0 && bottom == 0 && left == 0 && right == 0 { return x }
    return try x.pad([left, right, top, bottom])
}
