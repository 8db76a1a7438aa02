/// Multi-head attention (`nn.MultiheadAttention`) with PyTorch's parameter names (`in_proj_weight`,
/// `in_proj_bias`, `out_proj.weight`, `out_proj.bias`; `q_proj_weight`/`k_proj_weight`/`v_proj_weight` when key or
/// value dimensions differ) and initialisation. Inputs are `[L, N, E]`, or `[N, L, E]` with `batchFirst`, or
/// unbatched `[L, E]`.
///
/// ```swift
/// let mha = try MultiheadAttention(embedDim: 64, numHeads: 4, batchFirst: true)
/// let (y, weights) = try mha(x, x, x)          // weights averaged over heads: [N, L, S]
/// ```
public final class MultiheadAttention: Module {
    public let embedDim: Int, numHeads: Int, headDim: Int, kdim: Int, vdim: Int
    public let dropout: Double
    public let batchFirst: Bool
    public let inProjWeight: Tensor?
    public let qProjWeight: Tensor?, kProjWeight: Tensor?, vProjWeight: Tensor?
    public let inProjBias: Tensor?
    public let outProj: Linear

    var sameEmbedDim: Bool { inProjWeight != nil }

    public init(embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, kdim: Int? = nil,
                vdim: Int? = nil, batchFirst: Bool = false, _ options: TensorOptions = .init()) throws {
        guard embedDim > 0, numHeads > 0 else { throw TorchError("MultiheadAttention: embedDim and numHeads must be > 0") }
        guard embedDim % numHeads == 0 else {
            throw TorchError("MultiheadAttention: embedDim (\(embedDim)) must be divisible by numHeads (\(numHeads))")
        }
        guard (0...1).contains(dropout) else { throw TorchError("MultiheadAttention: dropout must be in [0, 1], got \(dropout)") }
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.headDim = embedDim / numHeads
        self.kdim = kdim ?? embedDim
        self.vdim = vdim ?? embedDim
        self.dropout = dropout
        self.batchFirst = batchFirst
        let same = self.kdim == embedDim && self.vdim == embedDim
        if same {
            inProjWeight = try Tensor.empty([3 * embedDim, embedDim], options)
            qProjWeight = nil; kProjWeight = nil; vProjWeight = nil
        } else {
            inProjWeight = nil
            qProjWeight = try Tensor.empty([embedDim, embedDim], options)
            kProjWeight = try Tensor.empty([embedDim, self.kdim], options)
            vProjWeight = try Tensor.empty([embedDim, self.vdim], options)
        }
        inProjBias = bias ? try Tensor.empty([3 * embedDim], options) : nil
        // Created (and randomly initialised) before the in-projection, as in PyTorch, so seeded draws match.
        outProj = try Linear(embedDim, embedDim, bias: bias, options)
        super.init()
        registerParameter("in_proj_weight", inProjWeight)
        registerParameter("q_proj_weight", qProjWeight)
        registerParameter("k_proj_weight", kProjWeight)
        registerParameter("v_proj_weight", vProjWeight)
        registerParameter("in_proj_bias", inProjBias)
        registerModule("out_proj", outProj)
        try resetParameters()
    }

    /// Xavier-uniform projections, zero biases (PyTorch's `_reset_parameters`).
    public func resetParameters() throws {
        if let w = inProjWeight { try Init.xavierUniform(w) } else {
            try Init.xavierUniform(qProjWeight!)
            try Init.xavierUniform(kProjWeight!)
            try Init.xavierUniform(vProjWeight!)
        }
        if let b = inProjBias {
            try Init.zeros(b)
            if let ob = outProj.bias { try Init.zeros(ob) }
        }
    }

    /// Self-attention: `self(x, x, x).output`.
    public override func forward(_ x: Tensor) throws -> Tensor { try self(x, x, x, needWeights: false).output }

    /// Attention of `query` over `key`/`value`. `keyPaddingMask` `[N, S]` and `attnMask` `[L, S]` or
    /// `[N·heads, L, S]` are boolean (true = not allowed to attend) or additive float masks. With `needWeights`
    /// (the default, as PyTorch) the attention weights come back too, averaged over heads unless
    /// `averageAttnWeights` is false (`[N, heads, L, S]`).
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               needWeights: Bool = true, attnMask: Tensor? = nil,
                               averageAttnWeights: Bool = true) throws -> (output: Tensor, weights: Tensor?) {
        let batched = query.rank == 3
        guard query.rank == 3 || query.rank == 2, key.rank == query.rank, value.rank == query.rank else {
            throw TorchError("MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D (unbatched); got \(query.shape), \(key.shape), \(value.shape)")
        }
        let selfAttention = query === key && key === value
        var q = query, k = key, v = value
        if !batched {
            q = try NNOp.unsqueeze.tensor([.tensor(q), 1])
            k = selfAttention ? q : try NNOp.unsqueeze.tensor([.tensor(k), 1])
            v = selfAttention ? q : try NNOp.unsqueeze.tensor([.tensor(v), 1])
        } else if batchFirst {
            q = try NNOp.transpose(q, 0, 1)
            k = selfAttention ? q : try NNOp.transpose(k, 0, 1)
            v = selfAttention ? q : try NNOp.transpose(v, 0, 1)
        }
        var kpm = keyPaddingMask
        if !batched, let m = kpm { kpm = try NNOp.unsqueeze.tensor([.tensor(m), 0]) }
        let tgtLen = q.size(0), bsz = q.size(1), e = q.size(2)
        let srcLen = k.size(0)
        guard e == embedDim else { throw TorchError("MultiheadAttention: expected embedding dimension \(embedDim), got \(e)") }
        guard k.size(1) == bsz, v.size(0) == srcLen, v.size(1) == bsz else {
            throw TorchError("MultiheadAttention: key \(key.shape) and value \(value.shape) do not match the query's batch \(query.shape)")
        }

        // in-projection
        let (pq, pk, pv) = try inProjection(q, k, v, selfAttention: selfAttention)
        // masks → additive float masks [1 or N·H, L, S]
        var mask = try attnMask.map { try Self.canonicalMask($0, dtype: q.dtype, name: "attnMask") }
        if let m = mask {
            if m.rank == 2 {
                guard m.shape == [tgtLen, srcLen] else {
                    throw TorchError("MultiheadAttention: 2-D attnMask has shape \(m.shape), expected [\(tgtLen), \(srcLen)]")
                }
                mask = try NNOp.unsqueeze.tensor([.tensor(m), 0])
            } else if m.rank == 3 {
                guard m.shape == [bsz * numHeads, tgtLen, srcLen] else {
                    throw TorchError("MultiheadAttention: 3-D attnMask has shape \(m.shape), expected [\(bsz * numHeads), \(tgtLen), \(srcLen)]")
                }
            } else {
                throw TorchError("MultiheadAttention: attnMask must be 2-D or 3-D, got shape \(m.shape)")
            }
        }
        if let kp = kpm {
            guard kp.shape == [bsz, srcLen] else {
                throw TorchError("MultiheadAttention: keyPaddingMask has shape \(kp.shape), expected [\(bsz), \(srcLen)]")
            }
            let f = try Self.canonicalMask(kp, dtype: q.dtype, name: "keyPaddingMask")
            let expanded = try NNOp.reshape(
                try NNOp.expand.tensor([.tensor(try NNOp.reshape(f, [bsz, 1, 1, srcLen])), .ints([-1, numHeads, -1, -1])]),
                [bsz * numHeads, 1, srcLen])
            mask = try mask.map { try NNOp.add($0, expanded) } ?? expanded
        }
        // [L, N, E] → [N·H, L, hd]
        let qh = try NNOp.transpose(NNOp.reshape(pq, [tgtLen, bsz * numHeads, headDim]), 0, 1)
        let kh = try NNOp.transpose(NNOp.reshape(pk, [srcLen, bsz * numHeads, headDim]), 0, 1)
        let vh = try NNOp.transpose(NNOp.reshape(pv, [srcLen, bsz * numHeads, headDim]), 0, 1)
        let p = isTraining ? dropout : 0

        var output: Tensor
        var weights: Tensor? = nil
        if needWeights {
            let qs = try NNOp.mul(qh, (1.0 / Double(headDim)).squareRoot())
            let kt = try NNOp.transpose(kh, -2, -1)
            var w = try mask.map { try NNOp.baddbmm.tensor([.tensor($0), .tensor(qs), .tensor(kt)]) }
                ?? NNOp.bmm.tensor([.tensor(qs), .tensor(kt)])
            w = try NNOp.softmax(w, dim: -1)
            if p > 0 { w = try NNOp.dropout.tensor([.tensor(w), .double(p), true]) }
            let a = try NNOp.bmm.tensor([.tensor(w), .tensor(vh)])
            output = try NNOp.reshape(NNOp.transpose(a, 0, 1), [tgtLen * bsz, embedDim])
            output = try outProj(output)
            output = try NNOp.reshape(output, [tgtLen, bsz, embedDim])
            var wv = try NNOp.reshape(w, [bsz, numHeads, tgtLen, srcLen])
            if averageAttnWeights { wv = try NNOp.meanDim.tensor([.tensor(wv), .ints([1])]) }
            weights = wv
        } else {
            if let m = mask {
                mask = m.size(0) == 1 && m.rank == 3 ? try NNOp.unsqueeze.tensor([.tensor(m), 0])
                    : try NNOp.reshape(m, [bsz, numHeads, -1, srcLen])
            }
            let q4 = try NNOp.reshape(qh, [bsz, numHeads, tgtLen, headDim])
            let k4 = try NNOp.reshape(kh, [bsz, numHeads, srcLen, headDim])
            let v4 = try NNOp.reshape(vh, [bsz, numHeads, srcLen, headDim])
            let a = try NNOp.sdpa.tensor([.tensor(q4), .tensor(k4), .tensor(v4), .tensor(mask), .double(p), false])
            output = try NNOp.reshape(NNOp.permute(a, [2, 0, 1, 3]), [bsz * tgtLen, embedDim])
            output = try outProj(output)
            output = try NNOp.reshape(output, [tgtLen, bsz, embedDim])
        }
        if !batched {
            output = try NNOp.squeezeDim.tensor([.tensor(output), 1])
            if let w = weights { weights = try NNOp.squeezeDim.tensor([.tensor(w), 0]) }
        } else if batchFirst {
            output = try NNOp.transpose(output, 0, 1)
        }
        return (output, weights)
    }

    private func inProjection(_ q: Tensor, _ k: Tensor, _ v: Tensor, selfAttention: Bool) throws -> (Tensor, Tensor, Tensor) {
        let biases: [Tensor?] = try inProjBias.map { try NNOp.chunk.tensors([.tensor($0), 3, 0]).map { Optional($0) } }
            ?? [nil, nil, nil]
        if let w = inProjWeight {
            if selfAttention {
                let proj = try NNOp.linear.tensor([.tensor(q), .tensor(w), .tensor(inProjBias)])
                let parts = try NNOp.chunk.tensors([.tensor(proj), 3, -1])
                return (parts[0], parts[1], parts[2])
            }
            let ws = try NNOp.chunk.tensors([.tensor(w), 3, 0])
            return (try NNOp.linear.tensor([.tensor(q), .tensor(ws[0]), .tensor(biases[0])]),
                    try NNOp.linear.tensor([.tensor(k), .tensor(ws[1]), .tensor(biases[1])]),
                    try NNOp.linear.tensor([.tensor(v), .tensor(ws[2]), .tensor(biases[2])]))
        }
        return (try NNOp.linear.tensor([.tensor(q), .tensor(qProjWeight!), .tensor(biases[0])]),
                try NNOp.linear.tensor([.tensor(k), .tensor(kProjWeight!), .tensor(biases[1])]),
                try NNOp.linear.tensor([.tensor(v), .tensor(vProjWeight!), .tensor(biases[2])]))
    }

    /// Boolean masks (true = masked) become additive masks with −∞; float masks pass unchanged.
    static func canonicalMask(_ m: Tensor, dtype: DType, name: String) throws -> Tensor {
        if m.dtype == .bool {
            let z = try NNOp.zerosLike.tensor([.tensor(m)], named: ["dtype": .dtype(dtype)])
            return try NNOp.maskedFillS.tensor([.tensor(z), .tensor(m), .double(-.infinity)])
        }
        guard m.dtype.isFloatingPoint else {
            throw TorchError("MultiheadAttention: \(name) must be bool or floating point, got \(m.dtype)")
        }
        return m
    }

    public override var extraDescription: String { "embed_dim=\(embedDim), num_heads=\(numHeads), batch_first=\(batchFirst)" }
}
