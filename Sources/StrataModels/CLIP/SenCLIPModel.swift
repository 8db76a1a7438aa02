import Foundation
import StrataTensor

/// A model trained by a contrastive objective against paired targets (not class labels): the trainer's loss hook
/// for `TaskKind.embedding` calls `contrastiveLoss` with the model's output and the batch's targets.
public protocol ContrastiveModel: Module {
    /// The mean loss of a batch. In training mode it may update the model's non-trained state (a MoCo queue);
    /// in evaluation mode it must not.
    func contrastiveLoss(_ output: Tensor, target: Tensor) throws -> Tensor
}

/// SenCLIP's training-time settings (`src/SenCLIP.py`, `src/attention_pool.py`, `main.py` of the authors' code).
public struct SenCLIPOptions: Sendable, Equatable {
    /// How the 4 ground-view embeddings of a location become one.
    public enum Pooling: String, Sendable, CaseIterable {
        /// The mean over the views, without gradient (`nn.AdaptiveAvgPool1d(1)` under `no_grad`).
        case avgpool
        /// `AttentionPoolPerImage`: a score per view (`linear`, d → 1, no bias), softmax over the views, the
        /// weighted views aggregated by `poolOut`.
        case attpool
    }
    /// `pool_out` of the attention pool: `sum` (the code's default in `main.py`, the paper's Eq. 2), `mean`, `max`.
    public enum PoolOut: String, Sendable, CaseIterable { case sum, mean, max }

    public var pooling: Pooling
    public var poolOut: PoolOut
    /// Keys in the MoCo queue (`main.py`: 512). Must be a multiple of the training batch size.
    public var queueSize: Int
    /// Dropout of the projection head (0.1 in the code).
    public var dropout: Double
    /// Initial temperature: the logit scale starts at ln(1 / temperature) (0.07 → 2.659).
    public var temperature: Double

    public init(pooling: Pooling = .avgpool, poolOut: PoolOut = .sum, queueSize: Int = 512, dropout: Double = 0.1,
                temperature: Double = 0.07) {
        self.pooling = pooling
        self.poolOut = poolOut
        self.queueSize = queueSize
        self.dropout = dropout
        self.temperature = temperature
    }

    /// The clamp applied to the logit scale before each update: [0, ln 100] (`on_before_zero_grad` in `main.py`).
    public static let maxLogitScale = 4.6052
}

/// SenCLIP's projection head H (`ProjectionHead`): `p = projection(e)`, `out = layer_norm(dropout(fc(gelu(p))) + p
/// + e)`, with both linear layers zero-initialised, so at initialisation H(e) = LayerNorm(e). GELU is the exact
/// (erf) one, as `nn.GELU()`.
public final class SenCLIPProjectionHead: Module {
    let projection: Linear, fc: Linear, dropout: Dropout, layerNorm: LayerNorm

    public init(_ dim: Int, dropout p: Double = 0.1) throws {
        projection = try Linear(dim, dim)
        fc = try Linear(dim, dim)
        dropout = try Dropout(p)
        layerNorm = try LayerNorm([dim])
        super.init()
        registerModule("projection", projection)
        registerModule("fc", fc)
        registerModule("dropout", dropout)
        registerModule("layer_norm", layerNorm)
        try Torch.noGrad {
            for t in [projection.weight, projection.bias!, fc.weight, fc.bias!] { try t.zero_() }
        }
    }

    public override func forward(_ e: Tensor) throws -> Tensor {
        let p = try projection(e)
        let x = try dropout(fc(Functional.gelu(p)))
        return try layerNorm(x + p + e)
    }
}

/// SenCLIP's `AttentionPoolPerImage`: `[B, V, D]` → `[B, D]`.
public final class SenCLIPAttentionPool: Module {
    public let linear: Linear
    public let out: SenCLIPOptions.PoolOut

    public init(_ dim: Int, out: SenCLIPOptions.PoolOut) throws {
        linear = try Linear(dim, 1, bias: false)
        self.out = out
        super.init()
        registerModule("linear", linear)
    }

    public override func forward(_ g: Tensor) throws -> Tensor {
        let w = try linear(g).squeeze(dim: -1).softmax(dim: -1)          // [B, V]
        let weighted = try g * w.unsqueeze(-1)
        switch out {
        case .sum: return try weighted.sum(dims: [1])
        case .mean: return try weighted.mean(dims: [1])
        case .max: return try weighted.max(dim: 1).values
        }
    }
}

/// SenCLIP (Jain et al., WACV 2025): a CLIP image tower f_S fine-tuned on Sentinel-2 chips against frozen,
/// precomputed CLIP embeddings of ground-level photos of the same place, with a MoCo-style InfoNCE loss.
///
/// Parameters (state-dict names): `visual.*` (a CLIP image tower, OpenAI/OpenCLIP names, so CLIP weights load
/// into it and the trained tower loads back into a `CLIPModel`), `projection_head.*` (`SenCLIPProjectionHead`),
/// `pooling_layer.linear.weight` (attention pooling only), `logit_scale` (learnable, starts at ln(1/0.07)); buffers
/// `queue` `[D, queueSize]` (L2-normalised past ground embeddings, initially random unit columns) and `queue_ptr`.
///
/// - `forward(images)` = L2-normalised H(f_S(images)) `[B, D]`.
/// - `contrastiveLoss(s, ground)`, ground `[B, V, D]` (V views, SenCLIP: 4): the views pooled (`avgpool` or
///   `attpool`) and L2-normalised to G; logits = exp(logit_scale) · [⟨s_i, G_i⟩, ⟨s_i, queue⟩] `[B, 1 + K]`;
///   cross-entropy with target 0 (one-directional: satellite → ground). In training mode, after the loss is
///   computed, the logit scale is clamped to [0, ln 100] (the authors' `on_before_zero_grad`, which runs after the
///   forward and before backward and the optimizer step) and G is enqueued (oldest keys replaced, `queue_ptr`
///   advanced by B; B must divide the queue size, as the authors assert).
///
/// The projection head is a training device: the released zero-shot scripts load only the CLIP weights, so
/// zero-shot use takes `visual.*` (with the frozen original text tower).
public final class SenCLIPModel: Module, ContrastiveModel {
    public let vision: CLIPConfig.Vision
    public let embedDim: Int
    public let options: SenCLIPOptions
    /// The CLIP image tower (`CLIPVisionTransformer` or `CLIPModifiedResNet`).
    public let visual: Module
    public let projectionHead: SenCLIPProjectionHead
    public let attentionPool: SenCLIPAttentionPool?
    public let logitScale: Tensor
    public let queue: Tensor
    let queuePtr: Tensor

    public init(vision: CLIPConfig.Vision, embedDim: Int, activation: CLIPActivation = .quickGELU,
                options: SenCLIPOptions = .init()) throws {
        guard options.queueSize >= 1 else {
            throw ModelError("SenCLIP: queue size must be ≥ 1, got \(options.queueSize)")
        }
        guard options.temperature > 0 else {
            throw ModelError("SenCLIP: temperature must be > 0, got \(options.temperature)")
        }
        self.vision = vision
        self.embedDim = embedDim
        self.options = options
        switch vision {
        case let .vit(size, patch, width, layers, heads):
            visual = try CLIPVisionTransformer(imageSize: size, patchSize: patch, width: width, layers: layers,
                                               heads: heads, outputDim: embedDim, activation: activation)
        case let .modifiedResNet(size, layers, width, heads):
            visual = try CLIPModifiedResNet(imageSize: size, layers: layers, width: width, heads: heads,
                                            outputDim: embedDim)
        }
        projectionHead = try SenCLIPProjectionHead(embedDim, dropout: options.dropout)
        attentionPool = options.pooling == .attpool ? try SenCLIPAttentionPool(embedDim, out: options.poolOut) : nil
        logitScale = try Tensor.full([], Foundation.log(1 / options.temperature))
        let q = try Tensor.randn([embedDim, options.queueSize])
        queue = try q / q.norm(p: 2, dims: [0], keepdim: true).clamp(min: 1e-12)
        queuePtr = try Tensor.zeros([1], .init(dtype: .int64))
        super.init()
        registerModule("visual", visual)
        registerModule("projection_head", projectionHead)
        if let attentionPool { registerModule("pooling_layer", attentionPool) }
        registerParameter("logit_scale", logitScale)
        registerBuffer("queue", queue)
        registerBuffer("queue_ptr", queuePtr)
    }

    /// L2-normalised projected satellite embeddings `[B, D]` of normalised images `[B, 3, H, W]`.
    public override func forward(_ images: Tensor) throws -> Tensor {
        try CLIPModel.l2Normalize(projectionHead(visual(images)))
    }

    /// The pooled, L2-normalised ground embedding `[B, D]` of `[B, V, D]` view embeddings.
    public func pooledGround(_ ground: Tensor) throws -> Tensor {
        guard ground.rank == 3, ground.shape[2] == embedDim else {
            throw ModelError("SenCLIP: ground embeddings must be [batch, views, \(embedDim)], got \(ground.shape)")
        }
        let g: Tensor
        if let attentionPool {
            g = try attentionPool(ground.to(.float32))
        } else {
            g = try Torch.noGrad { try ground.to(.float32).mean(dims: [1]) }
        }
        return try CLIPModel.l2Normalize(g)
    }

    /// The logits `[B, 1 + K]` (before the logit scale) of normalised satellite embeddings against their ground
    /// embeddings (column 0) and the queue.
    public func contrastiveLogits(_ s: Tensor, pooled g: Tensor) throws -> Tensor {
        let pos = try (s * g).sum(dims: [1], keepdim: true)
        let neg = try s.matmul(queue.clone())      // a copy: the queue is updated in place before backward
        return try Tensor.cat([pos, neg], dim: 1)
    }

    public func contrastiveLoss(_ output: Tensor, target: Tensor) throws -> Tensor {
        let s = try output.to(.float32)
        let g = try pooledGround(target)
        guard s.shape == g.shape else {
            throw ModelError("SenCLIP: \(s.shape[0]) satellite embeddings of size \(s.shape.last ?? 0) for ground "
                + "embeddings \(target.shape)")
        }
        let logits = try contrastiveLogits(s, pooled: g) * logitScale.exp()
        let labels = try Tensor.zeros([s.shape[0]], .init(dtype: .int64, device: s.device))
        let loss = try Functional.crossEntropy(logits, labels)
        if isTraining {
            try Torch.noGrad {
                try logitScale.clamp_(min: 0, max: SenCLIPOptions.maxLogitScale)
                try enqueue(g.detached())
            }
        }
        return loss
    }

    /// Where the next batch of keys goes in the queue.
    public var queuePointer: Int { get throws { try queuePtr.itemInt() } }

    /// Replaces the oldest keys of the queue with `keys` `[B, D]` (`_dequeue_and_enqueue`).
    func enqueue(_ keys: Tensor) throws {
        let b = keys.shape[0], k = options.queueSize
        guard k % b == 0 else {
            throw ModelError("SenCLIP: the batch size \(b) must divide the queue size \(k) (data.batch_size / "
                + "senclip.queue_size)")
        }
        let ptr = try queuePtr.itemInt()
        try queue.narrow(dim: 1, start: ptr, length: b).copy_(keys.t().to(queue.dtype))
        try queuePtr.fill_(Double((ptr + b) % k))
    }

    public override var extraDescription: String {
        "embed \(embedDim), \(options.pooling.rawValue)\(options.pooling == .attpool ? "/\(options.poolOut)" : ""), "
            + "queue \(options.queueSize)"
    }
}

// MARK: model card

extension SenCLIPModel {
    /// The CLIP architecture of a state dict for SenCLIP, which uses only its image tower: the text tower's head
    /// count (not recorded in a state dict, irrelevant here) is taken as one head.
    public static func clipConfig(of sd: StateDict, activation: CLIPActivation = .quickGELU,
                                  visionHeadWidth: Int = CLIPConfig.defaultHeadWidth) throws -> CLIPConfig {
        try CLIPConfig.infer(from: sd, activation: activation, visionHeadWidth: visionHeadWidth,
                             textHeadWidth: sd["ln_final.weight"]?.shape.first ?? CLIPConfig.defaultHeadWidth)
    }
}

extension SenCLIPModel {
    /// Model-card entries that rebuild this architecture (`ModelRegistry` entry `senclip`).
    public static func cardExtra(vision: CLIPConfig.Vision, embedDim: Int, activation: CLIPActivation,
                                 options: SenCLIPOptions) -> [String: String] {
        ["clip.vision": vision.spec, "clip.embed_dim": String(embedDim), "clip.activation": activation.rawValue,
         "senclip.pooling": options.pooling.rawValue, "senclip.pool_out": options.poolOut.rawValue,
         "senclip.queue_size": String(options.queueSize), "senclip.dropout": String(options.dropout),
         "senclip.temperature": String(options.temperature)]
    }

    /// Builds the model a card describes (its `cardExtra` entries); throws naming a missing or bad entry.
    public convenience init(card: ModelCard) throws {
        func value(_ key: String) throws -> String {
            guard let v = card.extra[key] else {
                throw ModelError("model card of \(card.architecture): no '\(key)' entry (a SenCLIP card records the "
                    + "image tower and its training settings; it is written by `strata train` with task: senclip)")
            }
            return v
        }
        func number<T: LosslessStringConvertible>(_ key: String) throws -> T {
            guard let v = T(try value(key)) else { throw ModelError("model card: '\(key)' is not a number") }
            return v
        }
        guard let activation = CLIPActivation(rawValue: try value("clip.activation")),
              let pooling = SenCLIPOptions.Pooling(rawValue: try value("senclip.pooling")),
              let poolOut = SenCLIPOptions.PoolOut(rawValue: try value("senclip.pool_out"))
        else { throw ModelError("model card: bad clip.activation, senclip.pooling or senclip.pool_out entry") }
        try self.init(vision: CLIPConfig.Vision(spec: value("clip.vision")), embedDim: number("clip.embed_dim"),
                      activation: activation,
                      options: SenCLIPOptions(pooling: pooling, poolOut: poolOut,
                                              queueSize: number("senclip.queue_size"),
                                              dropout: number("senclip.dropout"),
                                              temperature: number("senclip.temperature")))
    }
}

extension CLIPConfig.Vision {
    /// One-line form for model cards: `vit image=224 patch=32 width=768 layers=12 heads=12` or
    /// `resnet image=224 layers=3,4,6,3 width=64 heads=32`.
    public var spec: String {
        switch self {
        case let .vit(s, p, w, l, h): "vit image=\(s) patch=\(p) width=\(w) layers=\(l) heads=\(h)"
        case let .modifiedResNet(s, l, w, h):
            "resnet image=\(s) layers=\(l.map(String.init).joined(separator: ",")) width=\(w) heads=\(h)"
        }
    }

    /// Parses `spec`.
    public init(spec: String) throws {
        let parts = spec.split(separator: " ").map(String.init)
        var kv: [String: String] = [:]
        for p in parts.dropFirst() {
            let f = p.split(separator: "=", maxSplits: 1).map(String.init)
            if f.count == 2 { kv[f[0]] = f[1] }
        }
        func int(_ k: String) throws -> Int {
            guard let v = kv[k].flatMap(Int.init) else {
                throw ModelError("CLIP image tower '\(spec)': no integer '\(k)='")
            }
            return v
        }
        switch parts.first {
        case "vit":
            self = .vit(imageSize: try int("image"), patchSize: try int("patch"), width: try int("width"),
                        layers: try int("layers"), heads: try int("heads"))
        case "resnet":
            let layers = (kv["layers"] ?? "").split(separator: ",").compactMap { Int($0) }
            guard layers.count == 4 else { throw ModelError("CLIP image tower '\(spec)': layers= needs 4 counts") }
            self = .modifiedResNet(imageSize: try int("image"), layers: layers, width: try int("width"),
                                   heads: try int("heads"))
        default:
            throw ModelError("CLIP image tower '\(spec)': expected 'vit …' or 'resnet …'")
        }
    }
}
