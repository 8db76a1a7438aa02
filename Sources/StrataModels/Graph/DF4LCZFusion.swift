import Foundation
import StrataTensor

/// DF4LCZ's decision-level fusion (`fusion.py`, spec: methods.md §1.5) of the Sentinel-2 stream (``ResNet11_3D``)
/// and the graph stream (``DF4LCZGraphNet``): `P = α · softmax(S2 logits) + (1 − α) · softmax(graph logits)` with
/// α = 0.6; the prediction is the argmax. Both streams are registered (`s2`, `graph`), so the pair saves, loads
/// and trains as one model (``GraphInputModel``), in one of two ways (``Training``):
///
/// - `.late` (DF4LCZ's): each stream learns from its own cross-entropy (the loss is the sum of the two, whose
///   gradients never meet: the streams share no parameter), and only the prediction fuses them — what training
///   the two networks separately on the same batches and fusing afterwards gives;
/// - `.joint`: the fused `log P` is trained end to end with the negative log-likelihood.
public final class DF4LCZFusion: Module, GraphInputModel {
    /// How the pair is trained.
    public enum Training: String, Sendable, CaseIterable {
        case late, joint
    }

    /// Model-card `extra` keys the registry (`df4lcz-fusion`) builds the pair from.
    public static let alphaKey = "fusion.alpha", trainingKey = "fusion.training"

    /// The weight of the Sentinel-2 stream (DF4LCZ's `Alpha_list = [0.6]`).
    public let alpha: Double
    public let training: Training
    public let s2: ResNet11_3D
    public let graph: DF4LCZGraphNet

    public init(s2: ResNet11_3D, graph: DF4LCZGraphNet, alpha: Double = 0.6, training: Training = .late) throws {
        guard alpha >= 0, alpha <= 1 else { throw ModelError("DF4LCZFusion: alpha must lie in [0, 1], got \(alpha)") }
        guard s2.numClasses == graph.numClasses else {
            throw ModelError("DF4LCZFusion: the Sentinel-2 stream has \(s2.numClasses) classes, the graph stream "
                + "\(graph.numClasses)")
        }
        self.alpha = alpha
        self.training = training
        self.s2 = s2
        self.graph = graph
        super.init()
        registerModule("s2", s2)
        registerModule("graph", graph)
    }

    /// `α · softmax(a) + (1 − α) · softmax(b)` over dim 1.
    public static func fuse(s2Logits a: Tensor, graphLogits b: Tensor, alpha: Double = 0.6) throws -> Tensor {
        guard a.shape == b.shape, a.rank == 2 else {
            throw ModelError("DF4LCZFusion: stream outputs must both be [N, classes], got \(a.shape) and \(b.shape)")
        }
        return try a.softmax(dim: 1) * alpha + b.softmax(dim: 1) * (1 - alpha)
    }

    /// Fused class probabilities `[N, classes]` for Sentinel-2 chips `[N, bands, H, W]` and the N samples' graphs
    /// (a `GraphBatch`'s tensors, graph i belonging to chip i).
    public func probabilities(chips: Tensor, x: Tensor, adjacency: Tensor, graphIndex: Tensor) throws -> Tensor {
        let n = chips.size(0)
        return try Self.fuse(s2Logits: s2(chips), graphLogits: graph(x, adjacency: adjacency, graphIndex: graphIndex,
                                                                    graphCount: n), alpha: alpha)
    }

    /// `log P` of the fused probabilities, for joint training with an NLL loss.
    public func logProbabilities(chips: Tensor, x: Tensor, adjacency: Tensor, graphIndex: Tensor) throws -> Tensor {
        try Self.fuseLog(s2Logits: s2(chips), graphLogits: graph(x, adjacency: adjacency, graphIndex: graphIndex,
                                                                 graphCount: chips.size(0)), alpha: alpha)
    }

    /// `log(α · softmax(a) + (1 − α) · softmax(b))`, computed as a log-sum-exp of the two log-softmaxes (finite
    /// where a softmax underflows to 0; α of 0 or 1 leaves one stream).
    public static func fuseLog(s2Logits a: Tensor, graphLogits b: Tensor, alpha: Double = 0.6) throws -> Tensor {
        guard a.shape == b.shape, a.rank == 2 else {
            throw ModelError("DF4LCZFusion: stream outputs must both be [N, classes], got \(a.shape) and \(b.shape)")
        }
        if alpha >= 1 { return try a.logSoftmax(dim: 1) }
        if alpha <= 0 { return try b.logSoftmax(dim: 1) }
        return try Tensor.stack([a.logSoftmax(dim: 1) + Foundation.log(alpha),
                                 b.logSoftmax(dim: 1) + Foundation.log(1 - alpha)]).logsumexp(dim: 0)
    }

    /// Both streams' logits, and the fused `log P` as the prediction; the training terms follow ``training``.
    public func outputs(chips: Tensor, x: Tensor, adjacency: Tensor, graphIndex: Tensor) throws -> GraphModelOutputs {
        guard graphIndex.size(0) == x.size(0) else {
            throw ModelError("DF4LCZFusion: \(x.size(0)) nodes but a graph index of \(graphIndex.size(0))")
        }
        let a = try s2(chips)
        let b = try graph(x, adjacency: adjacency, graphIndex: graphIndex, graphCount: chips.size(0))
        let fused = try Self.fuseLog(s2Logits: a, graphLogits: b, alpha: alpha)
        return GraphModelOutputs(prediction: fused, trainingTerms: training == .joint ? [fused] : [a, b])
    }

    /// Needs both inputs: call ``probabilities(chips:x:adjacency:graphIndex:)``.
    public override func forward(_ input: Tensor) throws -> Tensor {
        throw ModelError("DF4LCZFusion needs the chips and their graphs: call "
            + "probabilities(chips:x:adjacency:graphIndex:)")
    }

    public override var extraDescription: String { "alpha=\(alpha), training=\(training.rawValue)" }
}
