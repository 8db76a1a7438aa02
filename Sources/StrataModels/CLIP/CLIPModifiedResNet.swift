import StrataTensor

/// OpenAI's modified ResNet image tower (`visual.*` of RN50/RN101/RN50x4… models), as open_clip's
/// `ModifiedResNet`: a 3-convolution stem (stride-2 3×3, two 3×3, then 2×2 average pooling), bottleneck stages
/// whose strided blocks average-pool instead of striding (anti-aliased: `avgpool` after `conv2`, and an average
/// pool before the 1×1 shortcut convolution), and attention pooling (`attnpool`) of the final feature map with
/// the spatial mean as query. All convolutions are bias-free and followed by BatchNorm.
///
/// Inputs are `[N, 3, H, W]` with H, W multiples of 32. At a size other than the one `attnpool`'s positional
/// embedding was trained for, its grid part is resized as the ViT's is (bicubic, antialiased) — an extension:
/// OpenAI's and open_clip's code accept only the trained size.
public final class CLIPModifiedResNet: Module {
    public let imageSize: Int, width: Int, outputDim: Int
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    let avgpool: AvgPool2d
    let stages: [Sequential]
    let attnpool: CLIPAttentionPool2d

    init(imageSize: Int, layers: [Int], width: Int, heads: Int, outputDim: Int) throws {
        guard layers.count == 4, layers.allSatisfy({ $0 > 0 }) else {
            throw ModelError("CLIP ModifiedResNet: expected 4 stages of ≥ 1 block, got \(layers)")
        }
        guard imageSize >= 32, imageSize % 32 == 0, width > 0, width % 2 == 0 else {
            throw ModelError("CLIP ModifiedResNet: image size \(imageSize) must be a multiple of 32 and width "
                + "\(width) even")
        }
        self.imageSize = imageSize
        self.width = width
        self.outputDim = outputDim
        conv1 = try Conv2d(3, width / 2, kernelSize: 3, stride: 2, padding: 1, bias: false)
        bn1 = try BatchNorm2d(width / 2)
        conv2 = try Conv2d(width / 2, width / 2, kernelSize: 3, padding: 1, bias: false)
        bn2 = try BatchNorm2d(width / 2)
        conv3 = try Conv2d(width / 2, width, kernelSize: 3, padding: 1, bias: false)
        bn3 = try BatchNorm2d(width)
        avgpool = try AvgPool2d(kernelSize: 2)
        var inplanes = width
        var stages: [Sequential] = []
        for (i, blocks) in layers.enumerated() {
            let planes = width << i
            var seq: [Module] = [try CLIPBottleneck(inplanes, planes, stride: i == 0 ? 1 : 2)]
            inplanes = planes * CLIPBottleneck.expansion
            for _ in 1..<blocks { seq.append(try CLIPBottleneck(inplanes, planes, stride: 1)) }
            stages.append(Sequential(seq))
        }
        self.stages = stages
        attnpool = try CLIPAttentionPool2d(spatial: imageSize / 32, embedDim: width * 32, heads: heads,
                                           outputDim: outputDim)
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
        registerModule("conv3", conv3)
        registerModule("bn3", bn3)
        registerModule("avgpool", avgpool)
        for (i, s) in stages.enumerated() { registerModule("layer\(i + 1)", s) }
        registerModule("attnpool", attnpool)
    }

    /// The stem and the four stages' outputs (strides 4, 4, 8, 16, 32).
    public func features(_ x: Tensor) throws -> [Tensor] {
        guard x.rank == 4, x.shape[1] == 3 else {
            throw ModelError("CLIP ModifiedResNet: expected an RGB batch [N, 3, H, W], got shape \(x.shape)")
        }
        guard x.shape[2] % 32 == 0, x.shape[3] % 32 == 0 else {
            throw ModelError("CLIP ModifiedResNet: input \(x.shape[2])×\(x.shape[3]) is not a multiple of 32; "
                + "resize or crop it (the model was trained at \(imageSize)×\(imageSize))")
        }
        var h = try ModelOps.reluInPlace(bn1(conv1(x)))
        h = try ModelOps.reluInPlace(bn2(conv2(h)))
        h = try ModelOps.reluInPlace(bn3(conv3(h)))
        var out = [try avgpool(h)]
        for s in stages { out.append(try s(out.last!)) }
        return out
    }

    /// Image embeddings `[N, outputDim]` (not normalised).
    public override func forward(_ x: Tensor) throws -> Tensor { try attnpool(features(x).last!) }
}

/// A CLIP bottleneck: 1×1 → 3×3 → (average pool when strided) → 1×1 ×4, each convolution followed by BatchNorm,
/// ReLU after the residual sum. The shortcut, when the shape changes, is `downsample` = average pool (key `-1`,
/// no parameters), 1×1 convolution (`0`), BatchNorm (`1`).
final class CLIPBottleneck: Module {
    static let expansion = 4
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    let pool: AvgPool2d?
    let downsample: CLIPDownsample?

    init(_ inplanes: Int, _ planes: Int, stride: Int) throws {
        conv1 = try Conv2d(inplanes, planes, kernelSize: 1, bias: false)
        bn1 = try BatchNorm2d(planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false)
        bn2 = try BatchNorm2d(planes)
        pool = stride > 1 ? try AvgPool2d(kernelSize: .init(stride)) : nil
        conv3 = try Conv2d(planes, planes * Self.expansion, kernelSize: 1, bias: false)
        bn3 = try BatchNorm2d(planes * Self.expansion)
        let out = planes * Self.expansion
        downsample = stride > 1 || inplanes != out ? try CLIPDownsample(inplanes, out, stride: stride) : nil
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
        if let pool { registerModule("avgpool", pool) }
        registerModule("conv3", conv3)
        registerModule("bn3", bn3)
        if let downsample { registerModule("downsample", downsample) }
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        var h = try ModelOps.reluInPlace(bn1(conv1(x)))
        h = try ModelOps.reluInPlace(bn2(conv2(h)))
        if let pool { h = try pool(h) }
        h = try bn3(conv3(h))
        let identity = try downsample?.forward(x) ?? x
        return try ModelOps.addReluInPlace(h, identity)
    }
}

/// The anti-aliased shortcut: `-1` average pool (kernel = stride; identity at stride 1), `0` 1×1 conv, `1` BN.
final class CLIPDownsample: Module {
    let pool: AvgPool2d, conv: Conv2d, bn: BatchNorm2d

    init(_ inplanes: Int, _ out: Int, stride: Int) throws {
        pool = try AvgPool2d(kernelSize: .init(stride))
        conv = try Conv2d(inplanes, out, kernelSize: 1, bias: false)
        bn = try BatchNorm2d(out)
        super.init()
        registerModule("-1", pool)
        registerModule("0", conv)
        registerModule("1", bn)
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        try bn(conv(pool.kernelSize == [1, 1] ? x : pool(x)))
    }
}

/// Attention pooling of a feature map (`attnpool.*`): tokens = [spatial mean; the HW positions] plus
/// `positional_embedding` `[HW + 1, C]`; one multi-head attention query (the mean token) over all tokens with
/// separate `q_proj`, `k_proj`, `v_proj` and output `c_proj` (`[C → outputDim]`).
final class CLIPAttentionPool2d: Module {
    let spatial: Int, embedDim: Int, heads: Int
    let positionalEmbedding: Tensor
    let kProj: Linear, qProj: Linear, vProj: Linear, cProj: Linear

    init(spatial: Int, embedDim: Int, heads: Int, outputDim: Int) throws {
        guard embedDim % heads == 0 else {
            throw ModelError("CLIP attention pool: width \(embedDim) is not divisible by \(heads) heads")
        }
        self.spatial = spatial
        self.embedDim = embedDim
        self.heads = heads
        positionalEmbedding = try Tensor.randn([spatial * spatial + 1, embedDim]) / Double(embedDim).squareRoot()
        kProj = try Linear(embedDim, embedDim)
        qProj = try Linear(embedDim, embedDim)
        vProj = try Linear(embedDim, embedDim)
        cProj = try Linear(embedDim, outputDim)
        super.init()
        registerParameter("positional_embedding", positionalEmbedding)
        registerModule("k_proj", kProj)
        registerModule("q_proj", qProj)
        registerModule("v_proj", vProj)
        registerModule("c_proj", cProj)
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        var t = try x.reshape([n, c, h * w]).permute([0, 2, 1])                  // [N, HW, C]
        t = try Tensor.cat([t.mean(dim: 1, keepdim: true), t], dim: 1)         // [N, HW+1, C]
        let pos = h == spatial && w == spatial ? positionalEmbedding
            : try CLIPPositions.resize(positionalEmbedding, grid: spatial, to: (h, w))
        t = try t + pos.to(t.dtype)
        let hd = embedDim / heads, l = h * w + 1
        let q = try qProj(t.narrow(dim: 1, start: 0, length: 1)).reshape([n, 1, heads, hd]).permute([0, 2, 1, 3])
        let k = try kProj(t).reshape([n, l, heads, hd]).permute([0, 2, 1, 3])
        let v = try vProj(t).reshape([n, l, heads, hd]).permute([0, 2, 1, 3])
        let a = try Self.sdpa.tensor([.tensor(q), .tensor(k), .tensor(v)])      // [N, heads, 1, hd]
        return try cProj(a.permute([0, 2, 1, 3]).reshape([n, embedDim]))
    }

    static let sdpa = Op("aten::scaled_dot_product_attention")
}
