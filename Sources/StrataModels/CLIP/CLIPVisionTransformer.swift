import StrataTensor

/// CLIP's ViT image tower (`visual.*` of OpenAI/OpenCLIP ViT models): patch embedding `conv1` (no bias), a class
/// token `class_embedding`, a learned `positional_embedding` `[grid² + 1, width]`, `ln_pre`, pre-LN residual
/// attention blocks (`transformer.resblocks.*`), `ln_post` on the class token, and the projection `proj`
/// `[width, embedDim]`.
///
/// An input of another size than the one the positional embedding was trained for (any size divisible by the
/// patch size, square or not) gets the patch part of the embedding resized to its grid by bicubic interpolation
/// with antialiasing, `align_corners=False`: what open_clip's `resize_pos_embed` does when it loads weights into a
/// model of another image size. Inputs are `[N, 3, H, W]`, already normalised with the model's mean/std.
public final class CLIPVisionTransformer: Module {
    public let imageSize: Int, patchSize: Int, width: Int, outputDim: Int
    let conv1: Conv2d
    let classEmbedding: Tensor, positionalEmbedding: Tensor
    let lnPre: LayerNorm, transformer: CLIPTransformer, lnPost: LayerNorm
    let proj: Tensor

    /// Grid side the positional embedding holds.
    public var grid: Int { imageSize / patchSize }

    init(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int, outputDim: Int,
         activation: CLIPActivation) throws {
        guard patchSize > 0, imageSize >= patchSize, imageSize % patchSize == 0 else {
            throw ModelError("CLIP ViT: image size \(imageSize) must be a positive multiple of the patch size "
                + "\(patchSize)")
        }
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.width = width
        self.outputDim = outputDim
        let g = imageSize / patchSize
        let scale = 1 / Double(width).squareRoot()
        conv1 = try Conv2d(3, width, kernelSize: .init(patchSize), stride: .init(patchSize), bias: false)
        classEmbedding = try Tensor.randn([width]) * scale
        positionalEmbedding = try Tensor.randn([g * g + 1, width]) * scale
        lnPre = try LayerNorm(width)
        transformer = try CLIPTransformer(width: width, layers: layers, heads: heads, activation: activation)
        lnPost = try LayerNorm(width)
        proj = try Tensor.randn([width, outputDim]) * scale
        super.init()
        registerModule("conv1", conv1)
        registerParameter("class_embedding", classEmbedding)
        registerParameter("positional_embedding", positionalEmbedding)
        registerModule("ln_pre", lnPre)
        registerModule("transformer", transformer)
        registerModule("ln_post", lnPost)
        registerParameter("proj", proj)
    }

    /// Image embeddings `[N, outputDim]` (not normalised).
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == 3 else {
            throw ModelError("CLIP ViT: expected an RGB batch [N, 3, H, W], got shape \(x.shape)")
        }
        let h = x.shape[2], w = x.shape[3]
        guard h % patchSize == 0, w % patchSize == 0 else {
            throw ModelError("CLIP ViT: input \(h)×\(w) is not divisible by the patch size \(patchSize); resize "
                + "or crop it to a multiple (the model was trained at \(imageSize)×\(imageSize))")
        }
        let n = x.shape[0]
        var t = try conv1(x)                                            // [N, W, gh, gw]
        t = try t.reshape([n, width, -1]).permute([0, 2, 1])           // [N, gh·gw, W]
        let cls = try classEmbedding.to(t.dtype).reshape([1, 1, width]).expand([n, 1, width])
        t = try Tensor.cat([cls, t], dim: 1)
        t = try t + positions(gridH: h / patchSize, gridW: w / patchSize).to(t.dtype)
        t = try lnPre(t)
        t = try transformer(t, mask: nil)
        let pooled = try lnPost(t.select(dim: 1, index: 0))
        return try pooled.matmul(proj)
    }

    /// The positional embedding for a `gridH × gridW` patch grid: the stored one, or its patch part resized.
    func positions(gridH: Int, gridW: Int) throws -> Tensor {
        if gridH == grid && gridW == grid { return positionalEmbedding }
        return try CLIPPositions.resize(positionalEmbedding, grid: grid, to: (gridH, gridW))
    }
}

/// Resizing of learned 2-D positional embeddings with one leading class token (open_clip's `resize_pos_embed`).
enum CLIPPositions {
    /// `pos` `[g² + 1, C]` → `[h·w + 1, C]`: the class row unchanged, the grid resized bicubically (antialiased,
    /// `align_corners=False`).
    static func resize(_ pos: Tensor, grid g: Int, to size: (Int, Int)) throws -> Tensor {
        let c = pos.shape[1]
        let token = try pos.narrow(dim: 0, start: 0, length: 1)
        var img = try pos.narrow(dim: 0, start: 1, length: g * g)
        img = try img.reshape([1, g, g, c]).permute([0, 3, 1, 2])
        img = try img.interpolate(size: [size.0, size.1], mode: .bicubic, alignCorners: false, antialias: true)
        img = try img.permute([0, 2, 3, 1]).reshape([size.0 * size.1, c])
        return try Tensor.cat([token, img], dim: 0)
    }
}
