import StrataTensor

/// The arithmetic of CLIP zero-shot classification on embeddings, as SenCLIP's code (`src/zeroshot.py`,
/// arXiv:2412.08536 §3.2–3.3) and open_clip's `build_zero_shot_classifier` do it.
public enum ZeroShotMath {
    /// Added to a class's mean similarity before dividing by it (SenCLIP's `logits / (logits.mean(0) + 1e-6)`).
    public static let calibrationEpsilon = 1e-6

    /// `x / max(‖x‖₂, 1e-12)` along the last dimension (`F.normalize`).
    public static func l2Normalize(_ x: Tensor) throws -> Tensor {
        try x / x.norm(p: 2, dims: [-1], keepdim: true).clamp(min: 1e-12)
    }

    /// A class's embedding from its prompts' text embeddings `[P, D]`: each L2-normalised, averaged, and the
    /// mean re-normalised → `[D]`.
    public static func ensemble(_ promptEmbeddings: Tensor) throws -> Tensor {
        guard promptEmbeddings.rank == 2, promptEmbeddings.size(0) >= 1 else {
            throw ZeroShotError("ensemble: expected prompt embeddings [P ≥ 1, D], got \(promptEmbeddings.shape)")
        }
        return try l2Normalize(l2Normalize(promptEmbeddings).mean(dim: 0))
    }

    /// `[C, D]`: `ensemble` of each class's prompt embeddings.
    public static func classEmbeddings(_ perClass: [Tensor]) throws -> Tensor {
        try Tensor.stack(perClass.map(ensemble), dim: 0)
    }

    /// SenCLIP's prompt score w = α/β (paper Eqs. 6–7) for every prompt of every class. With all prompt
    /// embeddings L2-normalised and s(t, t′) their cosine similarity:
    /// - α(c, t) = mean of s(t, t′) over the other prompts t′ of the same class c (how typical t is of its class;
    ///   1 when the class has a single prompt),
    /// - β(c, t) = mean of s(t, t′) over all other prompts of all classes (how generic t is).
    /// A prompt itself is left out of both means (its self-similarity, 1, would pull both towards 1).
    public static func promptScores(_ perClass: [Tensor]) throws -> [[Double]] {
        let counts = perClass.map { $0.size(0) }
        let total = counts.reduce(0, +)
        guard total >= 2 else { throw ZeroShotError("prompt scores need at least two prompts, got \(total)") }
        let all = try l2Normalize(Tensor.cat(perClass, dim: 0))
        let sims = try all.matmul(all.t()).to(.float64).contiguous().toArray(Double.self)
        var out: [[Double]] = [], start = 0
        for n in counts {
            var scores: [Double] = []
            for t in start..<(start + n) {
                var within = 0.0, every = 0.0
                for u in 0..<total where u != t {
                    let s = sims[t * total + u]
                    every += s
                    if u >= start && u < start + n { within += s }
                }
                let alpha = n > 1 ? within / Double(n - 1) : 1
                let beta = every / Double(total - 1)
                scores.append(alpha / beta)
            }
            out.append(scores)
            start += n
        }
        return out
    }

    /// The indices of each class's `k` best prompts by score, best first (ties: the earlier prompt); a class with
    /// `k` or fewer prompts keeps them all, ordered by score.
    public static func topPrompts(scores: [[Double]], k: Int) throws -> [[Int]] {
        guard k >= 1 else { throw ZeroShotError("prompt selection: K must be ≥ 1, got \(k)") }
        return scores.map { s in
            Array(s.indices.sorted { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }.prefix(k))
        }
    }

    /// Cosine similarities `[N, C]` of L2-normalised image embeddings `[N, D]` with class embeddings `[C, D]`.
    public static func similarities(images: Tensor, classes: Tensor) throws -> Tensor {
        try l2Normalize(images).matmul(classes.t())
    }

    /// SenCLIP's per-class calibration: every class column divided by its mean over the evaluated images
    /// (`s / (s.mean(0) + 1e-6)`), a DAP-like correction for classes whose prompts are close to every image. It
    /// is transductive: it needs the whole evaluated set.
    public static func calibrate(_ similarities: Tensor) throws -> Tensor {
        guard similarities.rank == 2 else {
            throw ZeroShotError("calibrate: expected similarities [N, C], got \(similarities.shape)")
        }
        return try similarities / (similarities.mean(dim: 0, keepdim: true) + calibrationEpsilon)
    }

    /// The multi-label hit count of SenCLIP's BigEarthNet code: for each image with k true classes, how many of
    /// its k highest-scoring classes are true; returns the hits and the number of true labels (accuracy =
    /// hits / labels). Images without labels count nothing. Ties go to the lower class index.
    public static func topKHits(scores: Tensor, labels: [[Int]]) throws -> (hits: Int, labels: Int) {
        guard scores.rank == 2, scores.size(0) == labels.count else {
            throw ZeroShotError("top-k hits: scores \(scores.shape) for \(labels.count) label sets")
        }
        let c = scores.size(1)
        let s = try scores.to(.float64).contiguous().toArray(Double.self)
        var hits = 0, total = 0
        for (i, truth) in labels.enumerated() where !truth.isEmpty {
            let row = Array(s[(i * c)..<((i + 1) * c)])
            let top = Set(row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(truth.count))
            hits += Set(truth).intersection(top).count
            total += truth.count
        }
        return (hits, total)
    }
}
