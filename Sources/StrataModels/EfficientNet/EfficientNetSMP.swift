import StrataTensor

/// EfficientNet-B0…B4 in the layout of efficientnet-pytorch (lukemelas) as segmentation_models_pytorch's
/// `EfficientNetEncoder("efficientnet-bN")` holds it: parameter names `_conv_stem`, `_bn0`, `_blocks.{i}.…`,
/// `_conv_head`, `_bn1` (smp deletes `_fc`; `_conv_head`/`_bn1` stay in the state dict although the encoder's
/// forward never uses them).
///
/// **Why a second layout and not a name map over `EfficientNet`.** The stage table, widths (`round_filters` =
/// torchvision's `_make_divisible`), depths, squeeze widths and drop-connect schedule are the same and are shared
/// (`EfficientNet.baseStages`, `EfficientNet.Variant`), but the arithmetic differs in three places, so the same
/// weights give other outputs: (1) every convolution pads TensorFlow-"SAME" style with a padding fixed at
/// construction from the variant's nominal image size (224, 240, 260, 300, 380 for B0…B4), which is asymmetric
/// (0 before / 1 after for a stride-2 3×3 on an even size; 1/2 for a stride-2 5×5) — whatever the real input size
/// is, exactly as `Conv2dStaticSamePadding`; (2) BatchNorm eps is 1e-3 (torchvision's B0–B4: 1e-5) and momentum
/// 0.01; (3) blocks are a flat list `_blocks.{i}` with named members rather than nested `Sequential`s.
///
/// `features(_:)` returns what smp's encoder returns: the input, the stem output (stride 2) and the outputs of
/// blocks `outIndexes` (strides 4, 8, 16, 32), with channels `outChannels` (B0: 3, 32, 24, 40, 112, 320).
/// Drop-connect (training only) has probability `dropConnect · i / blockCount` for block `i`, applied per sample
/// to residual blocks, as efficientnet-pytorch.
public final class EfficientNetSMPEncoder: Module {
    public let variant: EfficientNet.Variant
    public let inChannels: Int
    /// Channels of each `features` entry (the input first), smp's `out_channels`.
    public let outChannels: [Int]
    /// Indices of the blocks whose outputs are features 2…5, smp's `out_indexes`.
    public let outIndexes: [Int]
    public let dropConnect: Double
    public let convStem: Conv2d
    public let bn0: BatchNorm2d
    public let blocks: [SMPMBConvBlock]
    public let convHead: Conv2d
    public let bn1: BatchNorm2d
    let stemPad: [Int]

    /// efficientnet-pytorch's nominal image size per variant (`efficientnet_params`), which fixes the padding.
    public static func nominalImageSize(_ v: EfficientNet.Variant) -> Int {
        switch v {
        case .b0: 224
        case .b1: 240
        case .b2: 260
        case .b3: 300
        case .b4: 380
        }
    }

    /// smp's `out_indexes` per variant.
    public static func smpOutIndexes(_ v: EfficientNet.Variant) -> [Int] {
        switch v {
        case .b0: [2, 4, 8, 15]
        case .b1: [4, 7, 15, 22]
        case .b2: [4, 7, 15, 22]
        case .b3: [4, 7, 17, 25]
        case .b4: [5, 9, 21, 31]
        }
    }

    /// `Conv2dStaticSamePadding`'s zero padding `[left, right, top, bottom]` for a square `size` input.
    static func samePadding(size: Int, kernel: Int, stride: Int) -> [Int] {
        let out = (size + stride - 1) / stride
        let pad = max((out - 1) * stride + kernel - size, 0)
        return [pad / 2, pad - pad / 2, pad / 2, pad - pad / 2]
    }

    /// - Parameters:
    ///   - inChannels: bands of the input (smp adapts the stem for ≠ 3; here the stem is simply built that wide).
    ///   - dropConnect: efficientnet-pytorch's `drop_connect_rate` (0.2).
    ///   - imageSize: the size the static padding is computed from; efficientnet-pytorch's nominal size of the
    ///     variant by default (what smp builds). Another value gives a differently padded network.
    public init(_ variant: EfficientNet.Variant, inChannels: Int = 3, dropConnect: Double = 0.2,
                imageSize: Int? = nil) throws {
        guard inChannels >= 1 else { throw ModelError("EfficientNetSMPEncoder: inChannels must be ≥ 1, got \(inChannels)") }
        guard (0..<1).contains(dropConnect) else {
            throw ModelError("EfficientNetSMPEncoder: dropConnect must be in [0, 1), got \(dropConnect)")
        }
        self.variant = variant
        self.inChannels = inChannels
        self.dropConnect = dropConnect
        let (width, depth) = variant.multipliers
        func filters(_ c: Int) -> Int { EfficientNet.makeDivisible(Double(c) * width) }
        var size = imageSize ?? Self.nominalImageSize(variant)
        guard size >= 1 else { throw ModelError("EfficientNetSMPEncoder: imageSize must be ≥ 1, got \(size)") }
        let stem = filters(32)
        convStem = try Conv2d(inChannels, stem, kernelSize: 3, stride: 2, padding: 0, bias: false)
        bn0 = try BatchNorm2d(stem, eps: 1e-3, momentum: 0.01)
        stemPad = Self.samePadding(size: size, kernel: 3, stride: 2)
        size = (size + 1) / 2
        var built: [SMPMBConvBlock] = []
        var last = stem
        for s in EfficientNet.baseStages {
            let cin = filters(s.inChannels), cout = filters(s.outChannels)
            let repeats = Int((Double(s.layers) * depth).rounded(.up))
            for r in 0..<repeats {
                let stride = r == 0 ? s.stride : 1
                built.append(try SMPMBConvBlock(inChannels: r == 0 ? cin : cout, outChannels: cout,
                                                expandRatio: s.expandRatio, kernel: s.kernel, stride: stride,
                                                padding: Self.samePadding(size: size, kernel: s.kernel, stride: stride)))
                if r == 0 { size = (size + s.stride - 1) / s.stride }
            }
            last = cout
        }
        blocks = built
        let head = filters(1280)
        convHead = try Conv2d(last, head, kernelSize: 1, bias: false)
        bn1 = try BatchNorm2d(head, eps: 1e-3, momentum: 0.01)
        outIndexes = Self.smpOutIndexes(variant)
        outChannels = [inChannels, stem] + outIndexes.map { built[$0].outChannels }
        super.init()
        registerModule("_conv_stem", convStem)
        registerModule("_bn0", bn0)
        registerModule("_blocks", ModuleList(built))
        registerModule("_conv_head", convHead)
        registerModule("_bn1", bn1)
    }

    /// smp's encoder output: `[x, stem, block[outIndexes[0]], …, block[outIndexes[3]]]` (strides 1, 2, 4, 8, 16, 32).
    public func features(_ x: Tensor) throws -> [Tensor] {
        guard x.rank == 4, x.shape[1] == inChannels else {
            throw ModelError("EfficientNet-\(variant.rawValue.uppercased()) (smp): expected [N, \(inChannels), H, W], "
                             + "got shape \(x.shape)")
        }
        var out = [x]
        var y = try bn0(convStem(x.pad(stemPad))).silu()
        out.append(y)
        let lastNeeded = outIndexes.last!
        for (i, block) in blocks.enumerated() where i <= lastNeeded {
            y = try block(y, dropConnect: dropConnect * Double(i) / Double(blocks.count))
            if outIndexes.contains(i) { out.append(y) }
        }
        return out
    }

    /// The deepest feature (stride 32).
    public override func forward(_ x: Tensor) throws -> Tensor { try features(x).last! }

    public override var extraDescription: String { "efficientnet-\(variant.rawValue) (smp layout)" }
}

/// efficientnet-pytorch's `MBConvBlock`: `_expand_conv`/`_bn0` (absent for expand ratio 1), `_depthwise_conv`/`_bn1`
/// (TF-"SAME" padding fixed at construction), `_se_reduce`/`_se_expand` (squeeze width `max(1, in / 4)`, SiLU),
/// `_project_conv`/`_bn2`; residual plus per-sample drop-connect when stride is 1 and the width is kept.
public final class SMPMBConvBlock: Module {
    public let expandConv: Conv2d?, bn0: BatchNorm2d?
    public let depthwiseConv: Conv2d, bn1: BatchNorm2d
    public let seReduce: Conv2d, seExpand: Conv2d
    public let projectConv: Conv2d, bn2: BatchNorm2d
    public let outChannels: Int
    public let hasResidual: Bool
    /// `[left, right, top, bottom]` zero padding before the depthwise convolution.
    public let padding: [Int]

    init(inChannels: Int, outChannels: Int, expandRatio: Int, kernel: Int, stride: Int, padding: [Int]) throws {
        let expanded = inChannels * expandRatio
        if expandRatio != 1 {
            expandConv = try Conv2d(inChannels, expanded, kernelSize: 1, bias: false)
            bn0 = try BatchNorm2d(expanded, eps: 1e-3, momentum: 0.01)
        } else {
            expandConv = nil
            bn0 = nil
        }
        // Symmetric padding goes into the convolution itself (same arithmetic, one copy less).
        let symmetric = padding[0] == padding[1] && padding[2] == padding[3] && padding[0] == padding[2]
        depthwiseConv = try Conv2d(expanded, expanded, kernelSize: SpatialDims(kernel), stride: SpatialDims(stride),
                                   padding: .explicit(SpatialDims(symmetric ? padding[0] : 0)), groups: expanded,
                                   bias: false)
        self.padding = symmetric ? [0, 0, 0, 0] : padding
        bn1 = try BatchNorm2d(expanded, eps: 1e-3, momentum: 0.01)
        let squeezed = max(1, inChannels / 4)
        seReduce = try Conv2d(expanded, squeezed, kernelSize: 1)
        seExpand = try Conv2d(squeezed, expanded, kernelSize: 1)
        projectConv = try Conv2d(expanded, outChannels, kernelSize: 1, bias: false)
        bn2 = try BatchNorm2d(outChannels, eps: 1e-3, momentum: 0.01)
        self.outChannels = outChannels
        hasResidual = stride == 1 && inChannels == outChannels
        super.init()
        if let expandConv, let bn0 {
            registerModule("_expand_conv", expandConv)
            registerModule("_bn0", bn0)
        }
        registerModule("_depthwise_conv", depthwiseConv)
        registerModule("_bn1", bn1)
        registerModule("_se_reduce", seReduce)
        registerModule("_se_expand", seExpand)
        registerModule("_project_conv", projectConv)
        registerModule("_bn2", bn2)
    }

    private static let bernoulliOp = Op("aten::bernoulli_", "float")

    func callAsFunction(_ x: Tensor, dropConnect p: Double) throws -> Tensor {
        var y = x
        if let expandConv, let bn0 { y = try bn0(expandConv(y)).silu() }
        if padding.contains(where: { $0 != 0 }) { y = try y.pad(padding) }
        y = try bn1(depthwiseConv(y)).silu()
        let squeezed = try seExpand(seReduce(Functional.adaptiveAvgPool2d(y, 1)).silu())
        y = try squeezed.sigmoid() * y
        y = try bn2(projectConv(y))
        guard hasResidual else { return y }
        if isTraining && p > 0 {
            let keep = 1 - p
            let noise = try Tensor.empty([x.shape[0], 1, 1, 1], .init(dtype: x.dtype, device: x.device))
            _ = try Self.bernoulliOp.call([.tensor(noise), .double(keep)])
            y = try y * (noise / keep)
        }
        return try y + x
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try self(x, dropConnect: 0) }
}
