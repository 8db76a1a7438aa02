import StrataTensor

/// The MLP activation of CLIP's transformer blocks.
public enum CLIPActivation: String, Sendable, Codable, CaseIterable {
    /// `x · sigmoid(1.702 x)`: OpenAI's CLIP (and open_clip's `-quickgelu` configs, SenCLIP).
    case quickGELU = "quick_gelu"
    /// The exact (erf) GELU: open_clip's configs without `-quickgelu` (models trained by OpenCLIP).
    case gelu
}

/// OpenAI's QuickGELU, `x · sigmoid(1.702 x)`, from libtorch's `sigmoid` and `mul`.
public final class QuickGELU: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try x * (x * 1.702).sigmoid() }
}

/// The block MLP `c_fc` → activation → `c_proj` (names as open_clip's `mlp` `OrderedDict`).
final class CLIPMLP: Module {
    let cFc: Linear, act: Module, cProj: Linear

    init(width: Int, hidden: Int, activation: CLIPActivation) throws {
        cFc = try Linear(width, hidden)
        act = activation == .quickGELU ? QuickGELU() : GELU()
        cProj = try Linear(hidden, width)
        super.init()
        registerModule("c_fc", cFc)
        registerModule("gelu", act)
        registerModule("c_proj", cProj)
    }

    override func forward(_ x: Tensor) throws -> Tensor { try cProj(act(cFc(x))) }
}

/// A pre-LayerNorm residual attention block: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))` (open_clip's
/// `ResidualAttentionBlock`; parameters `ln_1.*`, `attn.in_proj_weight`, `attn.in_proj_bias`, `attn.out_proj.*`,
/// `ln_2.*`, `mlp.c_fc.*`, `mlp.c_proj.*`).
public final class CLIPResidualAttentionBlock: Module {
    let ln1: LayerNorm, attn: MultiheadAttention, ln2: LayerNorm, mlp: CLIPMLP

    init(width: Int, heads: Int, mlpRatio: Double = 4, activation: CLIPActivation) throws {
        ln1 = try LayerNorm(width)
        attn = try MultiheadAttention(embedDim: width, numHeads: heads, batchFirst: true)
        ln2 = try LayerNorm(width)
        mlp = try CLIPMLP(width: width, hidden: Int(Double(width) * mlpRatio), activation: activation)
        super.init()
        registerModule("ln_1", ln1)
        registerModule("attn", attn)
        registerModule("ln_2", ln2)
        registerModule("mlp", mlp)
    }

    /// `x`: `[N, L, width]`; `mask`: additive `[L, L]` (the text tower's causal mask) or nil.
    func callAsFunction(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        let h = try ln1(x)
        let a = try attn(h, h, h, needWeights: false, attnMask: mask).output
        let y = try x + a
        return try y + mlp(ln2(y))
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try self(x, mask: nil) }
}

/// A stack of residual attention blocks (`transformer.resblocks.<i>.*`).
public final class CLIPTransformer: Module {
    public let width: Int, layers: Int, heads: Int
    let resblocks: ModuleList
    var blocks: [CLIPResidualAttentionBlock] { resblocks.children.map { $0 as! CLIPResidualAttentionBlock } }

    init(width: Int, layers: Int, heads: Int, activation: CLIPActivation) throws {
        guard width > 0, layers > 0, heads > 0, width % heads == 0 else {
            throw ModelError("CLIP transformer: width \(width) must be a positive multiple of heads \(heads), "
                + "and layers (\(layers)) ≥ 1")
        }
        self.width = width
        self.layers = layers
        self.heads = heads
        resblocks = ModuleList(try (0..<layers).map { _ in
            try CLIPResidualAttentionBlock(width: width, heads: heads, activation: activation)
        })
        super.init()
        registerModule("resblocks", resblocks)
    }

    func callAsFunction(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        var h = x
        for b in blocks { h = try b(h, mask: mask) }
        return h
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try self(x, mask: nil) }
}
