import StrataTensor

/// The shape of a CLIP model: image tower, text tower and the shared embedding size. `infer(from:)` reads it off a
/// state dict the way OpenAI's `build_model` (and open_clip's `build_model_from_openai_state_dict`) do.
public struct CLIPConfig: Sendable, Equatable {
    /// The image tower.
    public enum Vision: Sendable, Equatable {
        /// A Vision Transformer: `imageSize` is the size its positional embedding was trained for (other input
        /// sizes interpolate it), `patchSize` the patch-embedding stride.
        case vit(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int)
        /// OpenAI's modified ResNet (`layers` blocks per stage; `width` the stem width, 64 for RN50).
        case modifiedResNet(imageSize: Int, layers: [Int], width: Int, heads: Int)

        /// Input size the positional embedding was trained at.
        public var imageSize: Int {
            switch self {
            case .vit(let s, _, _, _, _), .modifiedResNet(let s, _, _, _): s
            }
        }
    }

    public var embedDim: Int
    public var vision: Vision
    public var contextLength: Int
    public var vocabSize: Int
    public var textWidth: Int
    public var textHeads: Int
    public var textLayers: Int
    /// MLP activation of both transformers: QuickGELU for OpenAI weights (the default), GELU for models trained
    /// with open_clip's non-`quickgelu` configs. It is not recorded in a state dict.
    public var activation: CLIPActivation

    public init(embedDim: Int, vision: Vision, contextLength: Int = 77, vocabSize: Int = 49408, textWidth: Int,
                textHeads: Int, textLayers: Int, activation: CLIPActivation = .quickGELU) {
        self.embedDim = embedDim
        self.vision = vision
        self.contextLength = contextLength
        self.vocabSize = vocabSize
        self.textWidth = textWidth
        self.textHeads = textHeads
        self.textLayers = textLayers
        self.activation = activation
    }

    /// OpenAI's ViT-B/32.
    public static let vitB32 = CLIPConfig(embedDim: 512, vision: .vit(imageSize: 224, patchSize: 32, width: 768,
                                          layers: 12, heads: 12), textWidth: 512, textHeads: 8, textLayers: 12)
    /// OpenAI's ViT-B/16.
    public static let vitB16 = CLIPConfig(embedDim: 512, vision: .vit(imageSize: 224, patchSize: 16, width: 768,
                                          layers: 12, heads: 12), textWidth: 512, textHeads: 8, textLayers: 12)
    /// OpenAI's ViT-L/14.
    public static let vitL14 = CLIPConfig(embedDim: 768, vision: .vit(imageSize: 224, patchSize: 14, width: 1024,
                                          layers: 24, heads: 16), textWidth: 768, textHeads: 12, textLayers: 12)
    /// OpenAI's RN50.
    public static let rn50 = CLIPConfig(embedDim: 1024, vision: .modifiedResNet(imageSize: 224, layers: [3, 4, 6, 3],
                                        width: 64, heads: 32), textWidth: 512, textHeads: 8, textLayers: 12)

    /// Heads are not stored in a state dict: OpenAI's rule is one head per 64 channels (open_clip's default
    /// `head_width`; its ViT-H/14 uses 80, ViT-g/14 88).
    public static let defaultHeadWidth = 64

    /// The configuration a state dict describes (OpenAI/OpenCLIP names, prefixes already removed): a ViT when
    /// `visual.proj` is present, else a modified ResNet; layer counts from the block names, sizes from tensor
    /// shapes, heads = width / head width (the ResNet's attention pool: 32 · width / head width). Throws naming
    /// the first key the layout needs and does not have.
    public static func infer(from sd: StateDict, activation: CLIPActivation = .quickGELU,
                             visionHeadWidth: Int = defaultHeadWidth,
                             textHeadWidth: Int = defaultHeadWidth) throws -> CLIPConfig {
        func heads(_ width: Int, _ headWidth: Int, _ what: String) throws -> Int {
            guard headWidth > 0, width % headWidth == 0 else {
                throw ModelError("CLIP state dict: the \(what) width \(width) is not a multiple of the head width "
                    + "\(headWidth); pass the head width the model was trained with")
            }
            return width / headWidth
        }
        func shape(_ key: String, _ rank: Int) throws -> [Int] {
            guard let t = sd[key] else {
                throw ModelError("CLIP state dict: expected key '\(key)' (OpenAI/OpenCLIP layout), not found; "
                    + "found \(sd.count) keys, e.g. \(sd.keys.prefix(6).joined(separator: ", ")). A checkpoint "
                    + "with its weights under a prefix (model., module., state_dict.) is read by "
                    + "CLIPWeights.stateDict(from:)")
            }
            guard t.rank == rank else {
                throw ModelError("CLIP state dict: '\(key)' should be \(rank)-D, found shape \(t.shape)")
            }
            return t.shape
        }
        func squareGrid(_ key: String, _ tokens: Int) throws -> Int {
            let g = Int(Double(tokens - 1).squareRoot().rounded())
            guard g * g + 1 == tokens else {
                throw ModelError("CLIP state dict: '\(key)' has \(tokens) rows, expected a square grid plus one "
                    + "class token (g² + 1)")
            }
            return g
        }
        let vision: Vision
        if sd.contains("visual.proj") {
            let conv = try shape("visual.conv1.weight", 4)
            let width = conv[0], patch = conv[3]
            let layers = Set(sd.keys.filter { $0.hasPrefix("visual.") && $0.hasSuffix(".attn.in_proj_weight") }).count
            let pos = try shape("visual.positional_embedding", 2)
            let grid = try squareGrid("visual.positional_embedding", pos[0])
            guard layers > 0 else {
                throw ModelError("CLIP state dict: a ViT (visual.proj present) but no "
                    + "visual.transformer.resblocks.<i>.attn.in_proj_weight keys")
            }
            vision = .vit(imageSize: patch * grid, patchSize: patch, width: width, layers: layers,
                          heads: try heads(width, visionHeadWidth, "image tower"))
        } else {
            let counts = (1...4).map { b in
                Set(sd.keys.filter { $0.hasPrefix("visual.layer\(b).") }.map { $0.split(separator: ".")[2] }).count
            }
            guard counts.allSatisfy({ $0 > 0 }) else {
                throw ModelError("CLIP state dict: expected a ViT (visual.proj) or a modified ResNet "
                    + "(visual.layer1…4); found blocks per stage \(counts) and no visual.proj")
            }
            let width = try shape("visual.layer1.0.conv1.weight", 4)[0]
            let pos = try shape("visual.attnpool.positional_embedding", 2)
            let grid = try squareGrid("visual.attnpool.positional_embedding", pos[0])
            vision = .modifiedResNet(imageSize: grid * 32, layers: counts, width: width,
                                     heads: try heads(width * 32, visionHeadWidth, "attention pool"))
        }
        let embed = try shape("text_projection", 2)[1]
        let context = try shape("positional_embedding", 2)[0]
        let vocab = try shape("token_embedding.weight", 2)[0]
        let textWidth = try shape("ln_final.weight", 1)[0]
        let textLayers = Set(sd.keys.filter { $0.hasPrefix("transformer.resblocks.") }
            .map { $0.split(separator: ".")[2] }).count
        guard textLayers > 0 else {
            throw ModelError("CLIP state dict: no text transformer blocks (transformer.resblocks.<i>.*)")
        }
        return CLIPConfig(embedDim: embed, vision: vision, contextLength: context, vocabSize: vocab,
                          textWidth: textWidth, textHeads: try heads(textWidth, textHeadWidth, "text"),
                          textLayers: textLayers, activation: activation)
    }
}

extension CLIPConfig: CustomStringConvertible {
    public var description: String {
        let v: String = switch vision {
        case let .vit(s, p, w, l, h): "ViT (image \(s), patch \(p), width \(w), \(l) layers, \(h) heads)"
        case let .modifiedResNet(s, l, w, h): "ModifiedResNet (image \(s), blocks \(l), width \(w), \(h) heads)"
        }
        return "CLIP[\(v); text width \(textWidth), \(textLayers) layers, \(textHeads) heads, context "
            + "\(contextLength), vocab \(vocabSize); embed \(embedDim); \(activation.rawValue)]"
    }
}
