import StrataTensor

/// Validation metrics of an embedding model trained against paired target embeddings (SenCLIP): how well each
/// output `[B, D]` agrees with its own target `[B, V, D]` (V views, averaged) — independent of the model's own
/// pooling, queue and temperature, so runs with different settings compare.
///
/// - `cosine`: mean cosine similarity between an output and its mean-pooled, L2-normalised target.
/// - `top1`: in-batch retrieval accuracy — the fraction of outputs whose most similar target in the batch is
///   their own (chance: 1 / batch size).
public struct EmbeddingAgreement {
    var cosineSum = 0.0, hits = 0, count = 0

    public init() {}

    public mutating func update(output: Tensor, target: Tensor) throws {
        let s = try output.detached().to(.float32)
        var g = try target.detached().to(.float32)
        if g.rank == 3 { g = try g.mean(dims: [1]) }
        guard s.rank == 2, g.shape == s.shape else {
            throw TrainingError("embedding metrics: outputs \(s.shape) do not pair with targets \(target.shape)")
        }
        let sn = try s / s.norm(p: 2, dims: [-1], keepdim: true).clamp(min: 1e-12)
        let gn = try g / g.norm(p: 2, dims: [-1], keepdim: true).clamp(min: 1e-12)
        let sim = try sn.matmul(gn.t())                                         // [B, B]
        cosineSum += try sim.diagonal().sum().item()
        let n = s.shape[0]
        let best = try sim.argmax(dim: 1)
        hits += try (best .== Tensor.arange(n, .init(dtype: .int64, device: best.device))).sum().itemInt()
        count += n
    }

    public var summary: [String: Double] {
        count == 0 ? ["cosine": .nan, "top1": .nan]
            : ["cosine": cosineSum / Double(count), "top1": Double(hits) / Double(count)]
    }
}
