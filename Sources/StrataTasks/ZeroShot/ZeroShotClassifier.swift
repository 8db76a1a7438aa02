import StrataModels
import StrataTensor

/// A CLIP model turned into a classifier by its prompts: every class's prompts are encoded by the text tower and
/// ensembled (`ZeroShotMath.ensemble`) into one class embedding; an image's class scores are the cosine
/// similarities of its embedding with the class embeddings.
///
/// ```swift
/// let model = try CLIPWeights.load("ViT-B-32.pt")
/// let classes = ZeroShotClassSet.eurosat
/// let zs = try ZeroShotClassifier(model: model, tokenizer: CLIPTokenizer(vocabularyPath: vocab), classes: classes,
///                                 prompts: PromptSet.named("aerial", classes: classes), topK: 5)
/// let sims = try zs.similarities(images: CLIPPreprocessing()(rgbChips))        // [N, 10]
/// ```
public final class ZeroShotClassifier {
    public let model: CLIPModel
    public let classes: ZeroShotClassSet
    /// The prompts ensembled per class (after selection).
    public let prompts: PromptSet
    /// SenCLIP's α/β score of every prompt given (before selection), when selection ran.
    public let promptScores: [[Double]]?
    /// `[C, D]`, L2-normalised.
    public let classEmbeddings: Tensor
    /// `exp(logit_scale)` of the model (100 for OpenAI's weights).
    public let logitScale: Double

    /// Encodes the prompts (in batches of `textBatch`) and builds the class embeddings. With `topK`, keeps each
    /// class's K prompts with the highest α/β score (`ZeroShotMath.promptScores`) and ensembles those.
    public init(model: CLIPModel, tokenizer: CLIPTokenizer, classes: ZeroShotClassSet, prompts: PromptSet,
                topK: Int? = nil, textBatch: Int = 256) throws {
        try prompts.validate(classes: classes)
        guard tokenizer.vocabularySize <= model.config.vocabSize else {
            throw ZeroShotError("the tokenizer's vocabulary has \(tokenizer.vocabularySize) tokens but the model's "
                + "text tower embeds \(model.config.vocabSize): these weights were not trained with CLIP's BPE "
                + "vocabulary")
        }
        self.model = model
        self.classes = classes
        let embeddings = try Torch.inferenceMode { () throws -> [Tensor] in
            let flat = prompts.prompts.flatMap { $0 }
            var rows: [Tensor] = []
            var i = 0
            while i < flat.count {
                let chunk = Array(flat[i..<min(flat.count, i + max(1, textBatch))])
                let tokens = try tokenizer(chunk, contextLength: model.config.contextLength)
                rows.append(try model.encodeText(tokens.to(Self.device(of: model)), normalize: true))
                i += chunk.count
            }
            let all = try Tensor.cat(rows, dim: 0)
            var out: [Tensor] = [], start = 0
            for p in prompts.prompts {
                out.append(try all.narrow(dim: 0, start: start, length: p.count))
                start += p.count
            }
            return out
        }
        if let topK {
            let scores = try ZeroShotMath.promptScores(embeddings)
            let kept = try ZeroShotMath.topPrompts(scores: scores, k: topK)
            self.promptScores = scores
            self.prompts = prompts.selecting(kept)
            self.classEmbeddings = try Torch.inferenceMode {
                try ZeroShotMath.classEmbeddings(zip(embeddings, kept).map { e, k in
                    try e.index([Tensor(k.map(Int64.init)).to(e.device)])
                })
            }
        } else {
            self.promptScores = nil
            self.prompts = prompts
            self.classEmbeddings = try Torch.inferenceMode { try ZeroShotMath.classEmbeddings(embeddings) }
        }
        self.logitScale = try model.logitScale.exp().item()
    }

    static func device(of model: CLIPModel) -> Device { model.logitScale.device }

    /// Cosine similarities `[N, C]` of preprocessed images `[N, 3, S, S]` with the classes.
    public func similarities(images: Tensor) throws -> Tensor {
        try Torch.inferenceMode {
            try ZeroShotMath.similarities(images: model.encodeImage(images), classes: classEmbeddings)
        }
    }

    /// CLIP's logits `exp(logit_scale) · cos` `[N, C]` (softmax gives class probabilities).
    public func logits(images: Tensor) throws -> Tensor { try similarities(images: images) * logitScale }
}
