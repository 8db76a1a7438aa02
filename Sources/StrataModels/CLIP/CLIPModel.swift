import Foundation
import StrataTensor

/// A CLIP model with OpenAI's and OpenCLIP's parameter names: the image tower `visual.*` (a ViT or the modified
/// ResNet), the causal text transformer (`token_embedding.weight`, `positional_embedding`, `transformer.*`,
/// `ln_final.*`, `text_projection`) and `logit_scale`. A state dict saved by `model.state_dict()` of an open_clip
/// `CLIP` (or OpenAI's `clip.load(..., jit=False)`) loads with `load(stateDict:)`; `CLIPWeights` reads files and
/// builds the model from what the weights say.
///
/// ```swift
/// let model = try CLIPWeights.load("ViT-B-32.safetensors")          // architecture inferred from the weights
/// let tokens = try CLIPTokenizer(vocabularyPath: vocab)(["a satellite photo of a forest", "a photo of a river"])
/// let logits = try Torch.noGrad { try model.logits(images: images, tokens: tokens) }   // [N images, 2]
/// ```
///
/// Random initialisation follows the parameter shapes only (it is not open_clip's initialisation scheme); the
/// model is meant to be loaded with weights. Create it with `eval()` before inference (BatchNorm in the ResNet).
public final class CLIPModel: Module {
    public let config: CLIPConfig
    /// The image tower: `CLIPVisionTransformer` or `CLIPModifiedResNet`.
    public let visual: Module
    let transformer: CLIPTransformer
    let tokenEmbedding: Embedding
    let positionalEmbedding: Tensor
    let lnFinal: LayerNorm
    let textProjection: Tensor
    /// Log of the temperature the cosine similarities are multiplied by (`exp` = 100 for OpenAI's models).
    public let logitScale: Tensor
    /// Additive causal mask `[context, context]` (−∞ above the diagonal), not part of the state dict.
    let causalMask: Tensor

    public init(_ config: CLIPConfig) throws {
        self.config = config
        switch config.vision {
        case let .vit(size, patch, width, layers, heads):
            visual = try CLIPVisionTransformer(imageSize: size, patchSize: patch, width: width, layers: layers,
                                               heads: heads, outputDim: config.embedDim, activation: config.activation)
        case let .modifiedResNet(size, layers, width, heads):
            visual = try CLIPModifiedResNet(imageSize: size, layers: layers, width: width, heads: heads,
                                            outputDim: config.embedDim)
        }
        let w = config.textWidth
        transformer = try CLIPTransformer(width: w, layers: config.textLayers, heads: config.textHeads,
                                          activation: config.activation)
        tokenEmbedding = try Embedding(config.vocabSize, w)
        positionalEmbedding = try Tensor.randn([config.contextLength, w]) * 0.01
        lnFinal = try LayerNorm(w)
        textProjection = try Tensor.randn([w, config.embedDim]) / Double(w).squareRoot()
        logitScale = try Tensor.full([], Foundation.log(1 / 0.07))
        causalMask = try Tensor.full([config.contextLength, config.contextLength], -.infinity).triu(1)
        super.init()
        registerModule("visual", visual)
        registerModule("transformer", transformer)
        registerModule("token_embedding", tokenEmbedding)
        registerParameter("positional_embedding", positionalEmbedding)
        registerModule("ln_final", lnFinal)
        registerParameter("text_projection", textProjection)
        registerParameter("logit_scale", logitScale)
        registerBuffer("attn_mask", causalMask, persistent: false)
    }

    /// Image embeddings `[N, embedDim]` of a normalised RGB batch `[N, 3, H, W]`; L2-normalised with `normalize`.
    public func encodeImage(_ images: Tensor, normalize: Bool = false) throws -> Tensor {
        let f = try visual(images)
        return normalize ? try Self.l2Normalize(f) : f
    }

    /// Text embeddings `[N, embedDim]` of token ids `[N, L]` (int64, L ≤ context length, as `CLIPTokenizer`
    /// makes them): the causal transformer's output after `ln_final` at each row's end token — the position of
    /// the row's largest id, as CLIP's tokenizer gives `<end_of_text>` the largest id — times `text_projection`.
    public func encodeText(_ tokens: Tensor, normalize: Bool = false) throws -> Tensor {
        guard tokens.rank == 2, !tokens.dtype.isFloatingPoint else {
            throw ModelError("CLIP text: expected integer token ids [N, L], got \(tokens.dtype) \(tokens.shape)")
        }
        let n = tokens.shape[0], l = tokens.shape[1]
        guard l >= 1, l <= config.contextLength else {
            throw ModelError("CLIP text: sequences of \(l) tokens; this model takes 1…\(config.contextLength) "
                + "(tokenize with contextLength: \(config.contextLength))")
        }
        var x = try tokenEmbedding(tokens)
        x = try x + positionalEmbedding.narrow(dim: 0, start: 0, length: l).to(x.dtype)
        let mask = l == config.contextLength ? causalMask
            : try causalMask.narrow(dim: 0, start: 0, length: l).narrow(dim: 1, start: 0, length: l)
        x = try transformer(x, mask: mask.to(x.dtype))
        x = try lnFinal(x)
        let eot = try tokens.argmax(dim: -1)
        let rows = try Tensor.arange(n, .init(dtype: .int64, device: tokens.device))
        let pooled = try x.index([rows, eot])
        let f = try pooled.matmul(textProjection)
        return normalize ? try Self.l2Normalize(f) : f
    }

    /// `exp(logit_scale) · normalize(image) · normalize(text)ᵀ`: `[images, texts]` (open_clip's
    /// `logits_per_image`; its transpose is `logits_per_text`).
    public func logits(images: Tensor, tokens: Tensor) throws -> Tensor {
        let i = try encodeImage(images, normalize: true)
        let t = try encodeText(tokens, normalize: true)
        return try logits(imageFeatures: i, textFeatures: t)
    }

    /// Logits from already normalised embeddings.
    public func logits(imageFeatures: Tensor, textFeatures: Tensor) throws -> Tensor {
        try imageFeatures.matmul(textFeatures.t()) * logitScale.exp()
    }

    /// `forward` is the image tower (`encodeImage`).
    public override func forward(_ x: Tensor) throws -> Tensor { try encodeImage(x) }

    /// `x / max(‖x‖₂, 1e-12)` over the last dimension (`F.normalize`).
    static func l2Normalize(_ x: Tensor) throws -> Tensor {
        try x / x.norm(p: 2, dims: [-1], keepdim: true).clamp(min: 1e-12)
    }

    public override var extraDescription: String { config.description }
}
