import StrataTensor

/// Convolution → BatchNorm → optional SiLU as one `Sequential` (`.0`, `.1`, `.2`): torchvision's
/// `Conv2dNormActivation` as EfficientNet uses it ("same" padding `(k − 1) / 2`, no conv bias, BN eps 1e-5).
func convNormSiLU(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
                  activation: Bool = true) throws -> Sequential {
    let conv = try Conv2d(cin, cout, kernelSize: SpatialDims(kernel), stride: SpatialDims(stride),
                          padding: .explicit(SpatialDims((kernel - 1) / 2)), groups: groups, bias: false)
    let layers: [Module] = [conv, try BatchNorm2d(cout)] + (activation ? [SiLU()] : [])
    return Sequential(layers)
}

/// torchvision's `SqueezeExcitation` with SiLU: `x · sigmoid(fc2(silu(fc1(avgpool(x)))))`, where `fc1`/`fc2` are
/// 1×1 convolutions with bias. Parameters `fc1.{weight,bias}`, `fc2.{weight,bias}`.
public final class SqueezeExcitation: Module {
    public let fc1: Conv2d, fc2: Conv2d

    public init(channels: Int, squeezeChannels: Int) throws {
        fc1 = try Conv2d(channels, squeezeChannels, kernelSize: 1)
        fc2 = try Conv2d(squeezeChannels, channels, kernelSize: 1)
        super.init()
        registerModule("fc1", fc1)
        registerModule("fc2", fc2)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let pooled = try Functional.adaptiveAvgPool2d(x, 1)
        let scale = try fc2(fc1(pooled).silu()).sigmoid()
        return try x * scale
    }
}

/// torchvision's EfficientNet `MBConv` block: 1×1 expansion conv-BN-SiLU (left out when the expand ratio gives the
/// input width), depthwise k×k conv-BN-SiLU with the block's stride, squeeze-excitation (squeeze width
/// `max(1, in / 4)`), 1×1 projection conv-BN; plus the input when stride is 1 and the width is unchanged. The
/// residual branch goes through stochastic depth (torchvision's `StochasticDepth(p, "row")`): identity in eval
/// mode; in training each sample's branch is dropped with probability `p` and kept ones scaled by `1 / (1 − p)`.
/// Parameters `block.{i}.*` exactly as torchvision names them.
public final class MBConv: Module {
    public let block: Sequential
    public let useResidual: Bool
    public let stochasticDepthProbability: Double
    public let outChannels: Int

    public init(inChannels: Int, outChannels: Int, expandRatio: Int, kernel: Int, stride: Int,
                stochasticDepthProbability: Double) throws {
        guard stride == 1 || stride == 2 else { throw ModelError("MBConv: stride must be 1 or 2, got \(stride)") }
        let expanded = EfficientNet.makeDivisible(Double(inChannels * expandRatio))
        var layers: [Module] = []
        if expanded != inChannels { layers.append(try convNormSiLU(inChannels, expanded, kernel: 1)) }
        layers.append(try convNormSiLU(expanded, expanded, kernel: kernel, stride: stride, groups: expanded))
        layers.append(try SqueezeExcitation(channels: expanded, squeezeChannels: max(1, inChannels / 4)))
        layers.append(try convNormSiLU(expanded, outChannels, kernel: 1, activation: false))
        block = Sequential(layers)
        useResidual = stride == 1 && inChannels == outChannels
        self.stochasticDepthProbability = stochasticDepthProbability
        self.outChannels = outChannels
        super.init()
        registerModule("block", block)
    }

    private static let bernoulliOp = Op("aten::bernoulli_", "float")

    public override func forward(_ x: Tensor) throws -> Tensor {
        var result = try block(x)
        guard useResidual else { return result }
        let p = stochasticDepthProbability
        if isTraining && p > 0 {
            let survival = 1 - p
            let noise = try Tensor.empty([x.shape[0]] + Array(repeating: 1, count: x.rank - 1),
                                         .init(dtype: x.dtype, device: x.device))
            _ = try Self.bernoulliOp.call([.tensor(noise), .double(survival)])
            if survival > 0 { try noise.div_(survival) }
            result = try result * noise
        }
        return try result + x
    }

    public override var extraDescription: String {
        "out=\(outChannels), residual=\(useResidual), stochastic_depth=\(stochasticDepthProbability)"
    }
}
