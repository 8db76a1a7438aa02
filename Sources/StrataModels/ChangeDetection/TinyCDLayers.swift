import StrataTensor

/// `nn.PReLU()` with one shared learnable slope (`weight`, shape `[1]`, initialised to 0.25).
public final class PReLU: Module {
    public let weight: Tensor

    public init(numParameters: Int = 1, initialSlope: Double = 0.25) throws {
        weight = try Tensor.full([numParameters], initialSlope)
        super.init()
        registerParameter("weight", weight)
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try x.prelu(weight) }
}

/// `nn.InstanceNorm2d(channels)` with PyTorch's defaults: per-sample, per-channel normalisation by the input's own
/// statistics (biased variance, eps 1e-5), no affine parameters and no running statistics, so it has no state and
/// behaves the same in training and eval mode.
public final class InstanceNorm2d: Module {
    public let numFeatures: Int, eps: Double
    private static let op = Op("aten::instance_norm")

    public init(_ numFeatures: Int, eps: Double = 1e-5) {
        self.numFeatures = numFeatures
        self.eps = eps
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try Self.op.tensor([.tensor(x), .none, .none, .none, .none, .bool(true), .double(0.1), .double(eps),
                            .bool(false)])
    }
}

/// TinyCD's `PixelwiseLinear(fin, fout, last)`: a chain of 1×1 convolutions (with bias), each followed by a
/// PReLU, except that the last one is followed by `lastActivation` when given (TinyCD's classifier: a sigmoid).
/// Parameters `_linears.{i}.0.{weight,bias}` and `_linears.{i}.1.weight` (the PReLU slopes).
public final class PixelwiseLinear: Module {
    public let linears: Sequential

    public init(_ fin: [Int], _ fout: [Int], lastActivation: Module? = nil) throws {
        guard fin.count == fout.count, !fin.isEmpty else {
            throw ModelError("PixelwiseLinear: fin and fout need the same non-zero length, got \(fin) and \(fout)")
        }
        linears = Sequential(try (0..<fin.count).map { i in
            let act: Module = try (i == fin.count - 1 ? lastActivation : nil) ?? PReLU()
            return Sequential(try Conv2d(fin[i], fout[i], kernelSize: 1), act)
        })
        super.init()
        registerModule("_linears", linears)
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try linears(x) }
}

/// TinyCD's `MixingBlock(ch_in, ch_out)`: interleaves the channels of the two dates (`stack((x, y), dim=2)`
/// reshaped to `[N, 2C, H, W]`, i.e. x₀, y₀, x₁, y₁, …), then a grouped 3×3 convolution (`groups = ch_out`,
/// padding 1, bias) → PReLU → InstanceNorm. With `ch_in = 2·ch_out` every output channel mixes one channel of
/// each date. Parameters `_convmix.0.{weight,bias}`, `_convmix.1.weight`.
public final class MixingBlock: Module {
    public let convmix: Sequential

    public init(_ chIn: Int, _ chOut: Int) throws {
        guard chOut > 0, chIn % chOut == 0 else {
            throw ModelError(
                "MixingBlock: ch_in (\(chIn)) must be a multiple of ch_out (\(chOut)) for the grouped conv")
        }
        convmix = Sequential(try Conv2d(chIn, chOut, kernelSize: 3, padding: 1, groups: chOut), try PReLU(),
                             InstanceNorm2d(chOut))
        super.init()
        registerModule("_convmix", convmix)
    }

    public func callAsFunction(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        guard x.shape == y.shape, x.rank == 4 else {
            throw ModelError("MixingBlock: both dates need the same [N, C, H, W] shape, got \(x.shape) and \(y.shape)")
        }
        return try convmix(Self.interleave(x, y))
    }

    /// `[N, C, H, W]` twice → `[N, 2C, H, W]` with channels x₀, y₀, x₁, y₁, ….
    public static func interleave(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        try Tensor.stack([x, y], dim: 2).reshape([x.shape[0], -1, x.shape[2], x.shape[3]])
    }
}

/// TinyCD's `MixingMaskAttentionBlock(ch_in, ch_out, fin, fout)` as the released model builds it
/// (`generate_masked=False`): a `MixingBlock` followed by a `PixelwiseLinear`, giving a one-channel mask.
/// Parameters `_mixing.*`, `_linear.*`.
public final class MixingMaskAttentionBlock: Module {
    public let mixing: MixingBlock
    public let linear: PixelwiseLinear

    public init(_ chIn: Int, _ chOut: Int, _ fin: [Int], _ fout: [Int]) throws {
        mixing = try MixingBlock(chIn, chOut)
        linear = try PixelwiseLinear(fin, fout)
        super.init()
        registerModule("_mixing", mixing)
        registerModule("_linear", linear)
    }

    public func callAsFunction(_ x: Tensor, _ y: Tensor) throws -> Tensor { try linear(mixing(x, y)) }
}

/// TinyCD's `UpMask(up, nin, nout)`: bilinear ×2 upsampling with `align_corners=True`, multiplied by the skip mask
/// when there is one, then depthwise 3×3 conv → PReLU → InstanceNorm → 1×1 conv → PReLU → InstanceNorm.
/// Parameters `_convolution.{0,3}.{weight,bias}`, `_convolution.{1,4}.weight`.
///
/// The original's first release resized to a fixed `size=(up, up)`; later ones use `scale_factor=2`. For inputs
/// whose side is `up / 2` both are the same; this takes the ×2 form (any input size).
public final class UpMask: Module {
    public let convolution: Sequential

    public init(_ nin: Int, _ nout: Int) throws {
        convolution = Sequential(try Conv2d(nin, nin, kernelSize: 3, padding: 1, groups: nin), try PReLU(),
                                 InstanceNorm2d(nin), try Conv2d(nin, nout, kernelSize: 1), try PReLU(),
                                 InstanceNorm2d(nout))
        super.init()
        registerModule("_convolution", convolution)
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        var up = try x.interpolate(size: x.shape.suffix(2).map { $0 * 2 }, mode: .bilinear, alignCorners: true)
        if let mask { up = try up * mask }
        return try convolution(up)
    }
}
