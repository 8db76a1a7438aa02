import StrataTensor

/// A residual block of a ResNet stage: torchvision's `BasicBlock` or `Bottleneck`.
public protocol ResidualBlock: Module {
    /// Channels out of the block.
    var outChannels: Int { get }
}

/// The projection shortcut (`downsample`): 1×1 convolution with the block's stride, then BatchNorm, named
/// `downsample.0` / `downsample.1` as in torchvision.
func makeDownsample(_ inChannels: Int, _ outChannels: Int, stride: Int) throws -> Sequential {
    try Sequential(Conv2d(inChannels, outChannels, kernelSize: 1, stride: SpatialDims(stride), bias: false),
                   BatchNorm2d(outChannels))
}

/// ResNet-18/34 block (torchvision `BasicBlock`): conv3×3(stride)-BN-ReLU, conv3×3-BN, plus the identity or a
/// projection (`downsample`), then ReLU. Parameters: `conv1`, `bn1`, `conv2`, `bn2`, `downsample.0/1`.
public final class BasicBlock: Module, ResidualBlock {
    public static let expansion = 1
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    public let downsample: Sequential?
    public var outChannels: Int { conv2.outChannels }

    /// `downsample` is built by the caller (before the block, as torchvision does, which fixes the order of random
    /// draws) when the stride is not 1 or the channel count changes.
    public init(_ inChannels: Int, _ planes: Int, stride: Int = 1, downsample: Sequential? = nil) throws {
        conv1 = try Conv2d(inChannels, planes, kernelSize: 3, stride: SpatialDims(stride), padding: 1, bias: false)
        bn1 = try BatchNorm2d(planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false)
        bn2 = try BatchNorm2d(planes)
        self.downsample = downsample
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
        if let downsample { registerModule("downsample", downsample) }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var out = try ModelOps.reluInPlace(bn1(conv1(x)))
        out = try bn2(conv2(out))
        let identity = try downsample?.forward(x) ?? x
        return try ModelOps.addReluInPlace(out, identity)
    }
}

/// ResNet-50 block (torchvision `Bottleneck`, "ResNet v1.5": the stride sits on the 3×3 convolution):
/// conv1×1-BN-ReLU, conv3×3(stride)-BN-ReLU, conv1×1(4·planes)-BN, plus the identity or `downsample`, then ReLU.
public final class Bottleneck: Module, ResidualBlock {
    public static let expansion = 4
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    public let downsample: Sequential?
    public var outChannels: Int { conv3.outChannels }

    public init(_ inChannels: Int, _ planes: Int, stride: Int = 1, downsample: Sequential? = nil) throws {
        conv1 = try Conv2d(inChannels, planes, kernelSize: 1, bias: false)
        bn1 = try BatchNorm2d(planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, stride: SpatialDims(stride), padding: 1, bias: false)
        bn2 = try BatchNorm2d(planes)
        conv3 = try Conv2d(planes, planes * Self.expansion, kernelSize: 1, bias: false)
        bn3 = try BatchNorm2d(planes * Self.expansion)
        self.downsample = downsample
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
        registerModule("conv3", conv3)
        registerModule("bn3", bn3)
        if let downsample { registerModule("downsample", downsample) }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var out = try ModelOps.reluInPlace(bn1(conv1(x)))
        out = try ModelOps.reluInPlace(bn2(conv2(out)))
        out = try bn3(conv3(out))
        let identity = try downsample?.forward(x) ?? x
        return try ModelOps.addReluInPlace(out, identity)
    }
}
