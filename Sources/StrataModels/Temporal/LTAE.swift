import Foundation
import StrataTensor

/// Lightweight temporal attention pooling (L-TAE, Garnot & Landrieu 2020), reduced to its core: a sequence of
/// per-date feature vectors `[N, T, D]` becomes one vector `[N, Dout]` by attention with a learnt master query per
/// head (no query computed from the data), values being the input channels split into heads.
///
/// ```
/// x   = GroupNorm(heads, D)(x over [N, D, T])           in_norm
/// x   = x + PE(positions)                               sinusoidal, period 1000, D channels
/// k   = key(x) → [N, heads, T, dk]                      key: Linear(D, heads·dk)
/// a   = softmax_T(k · query[h] / √dk), padding masked   query: [heads, dk]
/// out = Σ_T a · x split in heads → [N, D]
/// out = GroupNorm(heads, Dout)(ReLU(BN1d(Linear(D, Dout))(out)))   mlp.0, mlp.1, out_norm
/// ```
/// Parameter names as in `scripts/fixtures/temporal.py`: `in_norm.*`, `query`, `key.*`, `mlp.{0,1}.*`,
/// `out_norm.*`. A sample whose dates are all padding attends over all of them (no NaN).
public final class LTAEPool: Module {
    public let dim: Int, outDim: Int, heads: Int, keyDim: Int
    public let inNorm: GroupNorm, key: Linear, mlp: Sequential, outNorm: GroupNorm
    public let query: Tensor

    public init(dim: Int, outDim: Int, heads: Int = 4, keyDim: Int = 8) throws {
        guard dim % heads == 0, outDim % heads == 0 else {
            throw ModelError("L-TAE: channels \(dim) → \(outDim) must be divisible by the \(heads) heads")
        }
        self.dim = dim; self.outDim = outDim; self.heads = heads; self.keyDim = keyDim
        inNorm = try GroupNorm(numGroups: heads, numChannels: dim)
        key = try Linear(dim, heads * keyDim)
        mlp = try Sequential(Linear(dim, outDim), BatchNorm1d(outDim), ReLU())
        outNorm = try GroupNorm(numGroups: heads, numChannels: outDim)
        query = try Tensor.empty([heads, keyDim])
        super.init()
        registerModule("in_norm", inNorm)
        _ = registerParameter("query", query)
        registerModule("key", key)
        registerModule("mlp", mlp)
        registerModule("out_norm", outNorm)
        try Init.normal(query, mean: 0, std: (2.0 / Double(keyDim)).squareRoot())
    }

    /// Sinusoidal encoding `[T, D]` of `positions` (L-TAE's table: sin on even, cos on odd channels).
    static func encoding(_ positions: [Double], dim: Int) throws -> Tensor {
        var v = [Float](repeating: 0, count: positions.count * dim)
        for (t, p) in positions.enumerated() {
            for i in 0..<dim {
                let a = p / pow(1000, Double(2 * (i / 2)) / Double(dim))
                v[t * dim + i] = Float(i % 2 == 0 ? sin(a) : cos(a))
            }
        }
        return try Tensor(v, shape: [positions.count, dim])
    }

    /// `x` `[N, T, D]`; `padding` `[N, T]` bool (true = padded date) or nil; `positions` per date (nil: 0…T−1).
    /// Returns the pooled `[N, Dout]` and the attention `[N, heads, T]`.
    public func pool(_ x: Tensor, padding: Tensor?, positions: [Double]? = nil) throws -> (Tensor, Tensor) {
        guard x.rank == 3, x.shape[2] == dim else {
            throw ModelError("L-TAE: expected [N, T, \(dim)], got \(x.shape)")
        }
        let (n, t) = (x.shape[0], x.shape[1])
        var h = try inNorm(x.permute([0, 2, 1])).permute([0, 2, 1])
        let pe = try Self.encoding(positions ?? (0..<t).map(Double.init), dim: dim).to(x.device, dtype: x.dtype)
        h = try h + pe.unsqueeze(0)
        let k = try key(h).view([n, t, heads, keyDim]).permute([0, 2, 1, 3])      // [N, H, T, dk]
        var score = try k.matmul(query.view([1, heads, keyDim, 1])).squeeze(dim: 3) // [N, H, T]
        score = try score / Double(keyDim).squareRoot()
        if let padding {
            // Samples with every date padded attend over all of them.
            let all = try padding.all(dim: 1, keepdim: true)
            let masked = try padding.logicalAnd(try all.logicalNot())
            score = try score.maskedFill(try masked.unsqueeze(1).expand([n, heads, t]), -Double.infinity)
        }
        let attn = try score.softmax(dim: 2)
        let v = try h.view([n, t, heads, dim / heads]).permute([0, 2, 1, 3])       // [N, H, T, D/H]
        let out = try (try attn.unsqueeze(3) * v).sum(dim: 2).reshape([n, dim])
        return (try outNorm(try mlp(out)), attn)
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try pool(x, padding: nil).0 }
    public override var extraDescription: String { "\(dim)→\(outDim), heads=\(heads), d_k=\(keyDim)" }
}
