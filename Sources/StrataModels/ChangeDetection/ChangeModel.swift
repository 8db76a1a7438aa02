import StrataTensor

/// A binary (or multi-class) change-detection model over an image pair.
///
/// **One-tensor convention.** The trainer, evaluator and whole-scene predictor move one tensor per batch, so a change
/// model's `forward(_:)` takes the two dates stacked on the channel axis, `[B, 2C, H, W]` (before = channels
/// `0..<C`, after = `C..<2C`), and returns the change logits `[B, K, H, W]` (`K == 1`: one logit per pixel through a
/// sigmoid; `K ≥ 2`: softmax over change classes). The pair itself is never stored stacked: datasets keep both
/// images (`ChangeSample`), and a model card of a change model lists the bands **of one date** (`inChannels == C`).
/// Models that compare the dates (Siamese) implement `changeLogits(before:after:)`; `forward` splits and calls it.
public protocol ChangeModel: Module {
    /// Input bands per date (`C`).
    var channelsPerDate: Int { get }
    /// Change logits `[B, K, H, W]` for `before`, `after` (each `[B, C, H, W]`).
    func changeLogits(before: Tensor, after: Tensor) throws -> Tensor
}

extension ChangeModel {
    /// Splits a stacked pair `[B, 2C, H, W]` into (before, after); throws naming the shape when it is not one.
    public func splitPair(_ stacked: Tensor) throws -> (before: Tensor, after: Tensor) {
        let c = channelsPerDate
        guard stacked.rank == 4, stacked.shape[1] == 2 * c else {
            throw ModelError("change model: expected the two dates stacked as [B, \(2 * c), H, W] (2 × \(c) bands), got \(stacked.shape)")
        }
        return (try stacked.narrow(dim: 1, start: 0, length: c), try stacked.narrow(dim: 1, start: c, length: c))
    }

    /// `forward` for conforming modules: split the stacked pair and compare.
    public func stackedChangeLogits(_ stacked: Tensor) throws -> Tensor {
        let (a, b) = try splitPair(stacked)
        return try changeLogits(before: a, after: b)
    }
}

/// What a semantic-change model computes for a pair: one semantic map per date and the change map.
public struct SemanticChangeOutput {
    /// Semantic logits of each date, `[B, K, H, W]`.
    public var before: Tensor
    public var after: Tensor
    /// Change logit `[B, 1, H, W]` (sigmoid = change probability).
    public var change: Tensor
    /// Extra tensors a model's own loss needs (e.g. ClearSCD's projection-head embeddings), by name.
    public var extra: [String: Tensor]

    public init(before: Tensor, after: Tensor, change: Tensor, extra: [String: Tensor] = [:]) {
        self.before = before
        self.after = after
        self.change = change
        self.extra = extra
    }
}

/// A semantic change-detection model (SECOND / Hi-UCD style: from-class, to-class and change per pixel).
///
/// Same one-tensor convention as `ChangeModel` for its input; `forward(_:)` returns the three outputs concatenated on
/// the channel axis, `[B, 2K + 1, H, W]` = (before logits, after logits, change logit), so prediction and evaluation
/// can split them with `SemanticChangeOutput(concatenated:classes:)`.
public protocol SemanticChangeModel: Module {
    var channelsPerDate: Int { get }
    /// Number of semantic classes `K` (per date).
    var semanticClasses: Int { get }
    func semanticChange(before: Tensor, after: Tensor) throws -> SemanticChangeOutput
}

extension SemanticChangeOutput {
    /// The channel-concatenated form `[B, 2K + 1, H, W]` a `SemanticChangeModel`'s `forward` returns.
    public func concatenated() throws -> Tensor {
        try Tensor.cat([before, after, change], dim: 1)
    }

    /// Splits the concatenated form back; throws when the channel count is not `2K + 1`.
    public init(concatenated t: Tensor, classes k: Int) throws {
        guard t.rank == 4, t.shape[1] == 2 * k + 1 else {
            throw ModelError("semantic change output: expected [B, \(2 * k + 1), H, W] (2 × \(k) classes + 1 change), got \(t.shape)")
        }
        self.init(before: try t.narrow(dim: 1, start: 0, length: k),
                  after: try t.narrow(dim: 1, start: k, length: k),
                  change: try t.narrow(dim: 1, start: 2 * k, length: 1))
    }
}
