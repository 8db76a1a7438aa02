/// N-d convolution (`nn.Conv1d/2d/3d`): weight `[out, in/groups, k…]`, stride, padding (explicit, `.same` or
/// `.valid`), dilation, groups, optional bias and padding mode. Inputs may be contiguous or channels-last
/// (`.channelsLast` 4-D / `.channelsLast3d` 5-D); the output follows oneDNN's preferred layout for them.
public class ConvNd: Module {
    public let inChannels: Int, outChannels: Int
    public let kernelSize: [Int], stride: [Int], dilation: [Int]
    public let padding: ConvPadding
    public let groups: Int
    public let paddingMode: PaddingMode
    public let weight: Tensor
    public let bias: Tensor?
    let dims: Int
    /// Explicit padding per dimension (for `.same`: what the `padding_mode` pre-pad uses; left, right per dim).
    let explicitPadding: [Int]
    let prePad: [Int]?  // F.pad amounts (last dimension first) when padding_mode ≠ zeros

    init(dims: Int, _ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims,
         padding: ConvPadding, dilation: SpatialDims, groups: Int, bias: Bool, paddingMode: PaddingMode,
         options: TensorOptions) throws {
        let name = "Conv\(dims)d(\(inChannels), \(outChannels))"
        guard inChannels > 0, outChannels > 0, groups > 0 else { throw TorchError("\(name): channels and groups must be > 0") }
        guard inChannels % groups == 0 else { throw TorchError("\(name): in_channels must be divisible by groups (\(groups))") }
        guard outChannels % groups == 0 else { throw TorchError("\(name): out_channels must be divisible by groups (\(groups))") }
        self.dims = dims
        self.inChannels = inChannels
        self.outChannels = outChannels
        let k = try kernelSize.expand(dims, "\(name) kernelSize")
        let d = try dilation.expand(dims, "\(name) dilation")
        self.kernelSize = k
        self.stride = try stride.expand(dims, "\(name) stride")
        self.dilation = d
        self.padding = padding
        self.groups = groups
        self.paddingMode = paddingMode
        switch padding {
        case .explicit(let p): explicitPadding = try p.expand(dims, "\(name) padding")
        case .valid: explicitPadding = Array(repeating: 0, count: dims)
        case .same:
            guard self.stride.allSatisfy({ $0 == 1 }) else {
                throw TorchError("\(name): padding .same is not supported for strided convolutions (use explicit padding)")
            }
            explicitPadding = []
        }
        if paddingMode == .zeros {
            prePad = nil
        } else if case .same = padding {
            // total d·(k−1) split with the smaller half first, last dimension first (as F.pad wants)
            prePad = (0..<dims).reversed().flatMap { i -> [Int] in
                let total = d[i] * (k[i] - 1)
                return [total / 2, total - total / 2]
            }
        } else {
            prePad = explicitPadding.reversed().flatMap { [$0, $0] }
        }
        weight = try Tensor.empty([outChannels, inChannels / groups] + k, options)
        self.bias = bias ? try Tensor.empty([outChannels], options) : nil
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", self.bias)
        try resetParameters()
    }

    /// Re-draws the weights with PyTorch's default (kaiming uniform a=√5, bias U(±1/√fan_in)).
    public func resetParameters() throws { try Init.defaultLayer(weight: weight, bias: bias) }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var input = x
        if let prePad {
            input = try NNOp.pad.tensor([.tensor(x), .ints(prePad), .string(paddingMode.rawValue)])
            return try NNOp.convN(dims).tensor([.tensor(input), .tensor(weight), .tensor(bias), .ints(stride),
                                               .ints(Array(repeating: 0, count: dims)), .ints(dilation), .int(groups)])
        }
        switch padding {
        case .same, .valid:
            let p = padding == .same ? "same" : "valid"
            return try NNOp.convNPad(dims).tensor([.tensor(input), .tensor(weight), .tensor(bias), .ints(stride),
                                                   .string(p), .ints(dilation), .int(groups)])
        case .explicit:
            return try NNOp.convN(dims).tensor([.tensor(input), .tensor(weight), .tensor(bias), .ints(stride),
                                               .ints(explicitPadding), .ints(dilation), .int(groups)])
        }
    }

    public override var extraDescription: String {
        var s = "\(inChannels), \(outChannels), kernel_size=\(SpatialDims(kernelSize)), stride=\(SpatialDims(stride))"
        switch padding {
        case .same: s += ", padding=same"
        case .valid: s += ", padding=valid"
        case .explicit: if explicitPadding.contains(where: { $0 != 0 }) { s += ", padding=\(SpatialDims(explicitPadding))" }
        }
        if dilation.contains(where: { $0 != 1 }) { s += ", dilation=\(SpatialDims(dilation))" }
        if groups != 1 { s += ", groups=\(groups)" }
        if bias == nil { s += ", bias=False" }
        if paddingMode != .zeros { s += ", padding_mode=\(paddingMode.rawValue)" }
        return s
    }
}

/// 1-D convolution over `[N, C, L]` (or `[C, L]`).
public final class Conv1d: ConvNd {
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims = 1,
                padding: ConvPadding = 0, dilation: SpatialDims = 1, groups: Int = 1, bias: Bool = true,
                paddingMode: PaddingMode = .zeros, _ options: TensorOptions = .init()) throws {
        try super.init(dims: 1, inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                       dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, options: options)
    }
}

/// 2-D convolution over `[N, C, H, W]` (or `[C, H, W]`), contiguous or channels-last.
public final class Conv2d: ConvNd {
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims = 1,
                padding: ConvPadding = 0, dilation: SpatialDims = 1, groups: Int = 1, bias: Bool = true,
                paddingMode: PaddingMode = .zeros, _ options: TensorOptions = .init()) throws {
        try super.init(dims: 2, inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                       dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, options: options)
    }
}

/// 3-D convolution over `[N, C, D, H, W]` (or `[C, D, H, W]`), contiguous or channels-last-3d.
public final class Conv3d: ConvNd {
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims = 1,
                padding: ConvPadding = 0, dilation: SpatialDims = 1, groups: Int = 1, bias: Bool = true,
                paddingMode: PaddingMode = .zeros, _ options: TensorOptions = .init()) throws {
        try super.init(dims: 3, inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                       dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, options: options)
    }
}

/// Transposed N-d convolution (`nn.ConvTranspose1d/2d/3d`): weight `[in, out/groups, k…]`.
public class ConvTransposeNd: Module {
    public let inChannels: Int, outChannels: Int
    public let kernelSize: [Int], stride: [Int], padding: [Int], outputPadding: [Int], dilation: [Int]
    public let groups: Int
    public let weight: Tensor
    public let bias: Tensor?
    let dims: Int

    init(dims: Int, _ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims,
         padding: SpatialDims, outputPadding: SpatialDims, groups: Int, bias: Bool, dilation: SpatialDims,
         options: TensorOptions) throws {
        let name = "ConvTranspose\(dims)d(\(inChannels), \(outChannels))"
        guard inChannels > 0, outChannels > 0, groups > 0 else { throw TorchError("\(name): channels and groups must be > 0") }
        guard inChannels % groups == 0, outChannels % groups == 0 else {
            throw TorchError("\(name): in_channels and out_channels must be divisible by groups (\(groups))")
        }
        self.dims = dims
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = try kernelSize.expand(dims, "\(name) kernelSize")
        self.stride = try stride.expand(dims, "\(name) stride")
        self.padding = try padding.expand(dims, "\(name) padding")
        self.outputPadding = try outputPadding.expand(dims, "\(name) outputPadding")
        self.dilation = try dilation.expand(dims, "\(name) dilation")
        self.groups = groups
        weight = try Tensor.empty([inChannels, outChannels / groups] + self.kernelSize, options)
        self.bias = bias ? try Tensor.empty([outChannels], options) : nil
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", self.bias)
        try resetParameters()
    }

    public func resetParameters() throws { try Init.defaultLayer(weight: weight, bias: bias) }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try NNOp.convTransposeN(dims).tensor([.tensor(x), .tensor(weight), .tensor(bias), .ints(stride), .ints(padding),
                                              .ints(outputPadding), .int(groups), .ints(dilation)])
    }

    public override var extraDescription: String {
        "\(inChannels), \(outChannels), kernel_size=\(SpatialDims(kernelSize)), stride=\(SpatialDims(stride))"
            + (padding.contains { $0 != 0 } ? ", padding=\(SpatialDims(padding))" : "")
            + (outputPadding.contains { $0 != 0 } ? ", output_padding=\(SpatialDims(outputPadding))" : "")
            + (groups != 1 ? ", groups=\(groups)" : "") + (bias == nil ? ", bias=False" : "")
    }
}

/// Transposed 2-D convolution (learned upsampling).
public final class ConvTranspose2d: ConvTransposeNd {
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims = 1,
                padding: SpatialDims = 0, outputPadding: SpatialDims = 0, groups: Int = 1, bias: Bool = true,
                dilation: SpatialDims = 1, _ options: TensorOptions = .init()) throws {
        try super.init(dims: 2, inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                       outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, options: options)
    }
}

/// Transposed 1-D convolution.
public final class ConvTranspose1d: ConvTransposeNd {
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims = 1,
                padding: SpatialDims = 0, outputPadding: SpatialDims = 0, groups: Int = 1, bias: Bool = true,
                dilation: SpatialDims = 1, _ options: TensorOptions = .init()) throws {
        try super.init(dims: 1, inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                       outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, options: options)
    }
}

/// Transposed 3-D convolution.
public final class ConvTranspose3d: ConvTransposeNd {
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: SpatialDims, stride: SpatialDims = 1,
                padding: SpatialDims = 0, outputPadding: SpatialDims = 0, groups: Int = 1, bias: Bool = true,
                dilation: SpatialDims = 1, _ options: TensorOptions = .init()) throws {
        try super.init(dims: 3, inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                       outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, options: options)
    }
}
