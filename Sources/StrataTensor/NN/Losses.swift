/// How a loss reduces its per-element values (ATen's codes).
public enum Reduction: Int, Sendable {
    case none = 0, mean = 1, sum = 2
}

extension Functional {
    /// Cross-entropy of `logits` `[N, C, …]` against class indices `[N, …]` (int64) or class probabilities
    /// (same shape as `logits`), as `F.cross_entropy`: optional per-class `weight` `[C]`, `ignoreIndex`
    /// (indices only), `labelSmoothing` in [0, 1].
    public static func crossEntropy(_ logits: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                    reduction: Reduction = .mean, labelSmoothing: Double = 0) throws -> Tensor {
        guard (0...1).contains(labelSmoothing) else {
            throw TorchError("crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
        }
        return try NNOp.crossEntropy.tensor([.tensor(logits), .tensor(target), .tensor(weight), .int(reduction.rawValue),
                                             .int(ignoreIndex), .double(labelSmoothing)])
    }

    /// Negative log-likelihood of log-probabilities `[N, C, …]` against class indices `[N, …]` (`F.nll_loss`).
    public static func nllLoss(_ logProbs: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                               reduction: Reduction = .mean) throws -> Tensor {
        try NNOp.nllLossNd.tensor([.tensor(logProbs), .tensor(target), .tensor(weight), .int(reduction.rawValue), .int(ignoreIndex)])
    }

    /// Binary cross-entropy on logits (`F.binary_cross_entropy_with_logits`), numerically stable; `posWeight`
    /// (broadcast over the class dimension) scales the positive term, `weight` every element.
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                    posWeight: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
        guard logits.shape == target.shape else {
            throw TorchError("binaryCrossEntropyWithLogits: target shape \(target.shape) must equal input shape \(logits.shape)")
        }
        return try NNOp.bceLogits.tensor([.tensor(logits), .tensor(target), .tensor(weight), .tensor(posWeight), .int(reduction.rawValue)])
    }

    /// Mean squared error (`F.mse_loss`).
    public static func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try NNOp.mseLoss.tensor([.tensor(input), .tensor(target), .int(reduction.rawValue)])
    }
    /// Mean absolute error (`F.l1_loss`).
    public static func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try NNOp.l1Loss.tensor([.tensor(input), .tensor(target), .int(reduction.rawValue)])
    }
    /// Huber-style loss: quadratic below `beta`, linear above (`F.smooth_l1_loss`; `beta` 0 is L1).
    public static func smoothL1Loss(_ input: Tensor, _ target: Tensor, beta: Double = 1, reduction: Reduction = .mean) throws -> Tensor {
        guard beta >= 0 else { throw TorchError("smoothL1Loss: beta must be ≥ 0, got \(beta)") }
        if beta == 0 { return try l1Loss(input, target, reduction: reduction) }
        return try NNOp.smoothL1.tensor([.tensor(input), .tensor(target), .int(reduction.rawValue), .double(beta)])
    }

    /// Multiclass soft Dice loss on logits `[N, C, …]` and class indices `[N, …]`, as segmentation_models_pytorch's
    /// `DiceLoss(mode="multiclass", from_logits=True)`: softmax probabilities, per-class
    /// dice = (2·Σp·t + smooth) / max(Σ(p+t) + smooth, eps) over batch and pixels, loss = mean over classes of
    /// (1 − dice), counting classes absent from the target as 0. Pixels equal to `ignoreIndex` are left out.
    public static func diceLoss(_ logits: Tensor, _ target: Tensor, smooth: Double = 0, eps: Double = 1e-7,
                                ignoreIndex: Int? = nil) throws -> Tensor {
        guard logits.rank >= 2, target.rank == logits.rank - 1 else {
            throw TorchError("diceLoss: expected logits [N, C, …] and class indices [N, …], got \(logits.shape) and \(target.shape)")
        }
        let n = logits.size(0), c = logits.size(1)
        var probs = try NNOp.reshape(NNOp.softmax(logits, dim: 1), [n, c, -1])
        var labels = try NNOp.reshape(target, [n, -1])
        var onehot: Tensor
        if let ig = ignoreIndex {
            let keep = try NNOp.neS.tensor([.tensor(labels), .int(ig)])
            let keepF = try NNOp.cast(keep, probs.dtype)
            probs = try NNOp.mul(probs, NNOp.unsqueeze.tensor([.tensor(keepF), 1]))
            labels = try NNOp.mul(labels, NNOp.cast(keep, labels.dtype))
            onehot = try NNOp.permute(NNOp.oneHot(labels, classes: c), [0, 2, 1])
            onehot = try NNOp.mul(NNOp.cast(onehot, probs.dtype), NNOp.unsqueeze.tensor([.tensor(keepF), 1]))
        } else {
            onehot = try NNOp.cast(NNOp.permute(NNOp.oneHot(labels, classes: c), [0, 2, 1]), probs.dtype)
        }
        let dims = [0, 2]
        let inter = try NNOp.sum(NNOp.mul(probs, onehot), dims: dims)
        let card = try NNOp.sum(NNOp.add(probs, onehot), dims: dims)
        let num = try NNOp.add(NNOp.mul(inter, 2), smooth)
        let den = try NNOp.clampMin.tensor([.tensor(try NNOp.add(card, smooth)), .double(eps)])
        let loss = try NNOp.rsub(NNOp.div(num, den), 1)
        let present = try NNOp.cast(NNOp.sum(onehot, dims: dims).gtZero(), loss.dtype)
        return try NNOp.mean(NNOp.mul(loss, present))
    }

    /// Binary focal loss on logits (torchvision's `sigmoid_focal_loss`): BCE · (1 − p_t)^γ, weighted by
    /// α for positives and 1 − α for negatives when `alpha` is given.
    public static func sigmoidFocalLoss(_ logits: Tensor, _ target: Tensor, alpha: Double? = 0.25, gamma: Double = 2,
                                        reduction: Reduction = .mean) throws -> Tensor {
        let p = try sigmoid(logits)
        let ce = try binaryCrossEntropyWithLogits(logits, target, reduction: .none)
        // p_t = p·t + (1 − p)(1 − t)
        let pt = try NNOp.add(NNOp.mul(p, target), NNOp.mul(NNOp.rsub(p, 1), NNOp.rsub(target, 1)))
        var loss = try NNOp.mul(ce, NNOp.pow(NNOp.rsub(pt, 1), gamma))
        if let a = alpha, a >= 0 {
            let at = try NNOp.add(NNOp.mul(target, a), NNOp.mul(NNOp.rsub(target, 1), 1 - a))
            loss = try NNOp.mul(at, loss)
        }
        return try reduce(loss, reduction)
    }

    /// Multiclass (softmax) focal loss on logits `[N, C, …]` and class indices `[N, …]`:
    /// −α_c · (1 − p_t)^γ · log p_t, with optional per-class `alpha` `[C]`; the mean runs over pixels that are not
    /// `ignoreIndex`.
    public static func focalLoss(_ logits: Tensor, _ target: Tensor, alpha: Tensor? = nil, gamma: Double = 2,
                                 ignoreIndex: Int = -100, reduction: Reduction = .mean) throws -> Tensor {
        guard logits.rank >= 2, target.rank == logits.rank - 1 else {
            throw TorchError("focalLoss: expected logits [N, C, …] and class indices [N, …], got \(logits.shape) and \(target.shape)")
        }
        let keep = try NNOp.neS.tensor([.tensor(target), .int(ignoreIndex)])
        let safe = try NNOp.mul(target, NNOp.cast(keep, target.dtype))  // ignored pixels read class 0, masked below
        let logp = try NNOp.logSoftmax(logits, dim: 1)
        let idx = try NNOp.unsqueeze.tensor([.tensor(safe), 1])
        let logpt = try NNOp.squeezeDim.tensor([.tensor(try NNOp.gather.tensor([.tensor(logp), 1, .tensor(idx)])), 1])
        let pt = try NNOp.exp.tensor([.tensor(logpt)])
        var loss = try NNOp.mul(NNOp.neg.tensor([.tensor(logpt)]), NNOp.pow(NNOp.rsub(pt, 1), gamma))
        if let alpha {
            let at = try NNOp.reshape(NNOp.embedding.tensor([.tensor(try NNOp.reshape(alpha, [-1, 1])), .tensor(safe)]), safe.shape)
            loss = try NNOp.mul(loss, at)
        }
        let keepF = try NNOp.cast(keep, loss.dtype)
        loss = try NNOp.mul(loss, keepF)
        switch reduction {
        case .none: return loss
        case .sum: return try NNOp.sum(loss)
        case .mean: return try NNOp.div(NNOp.sum(loss), NNOp.sum(keepF))
        }
    }

    static func reduce(_ t: Tensor, _ r: Reduction) throws -> Tensor {
        switch r {
        case .none: t
        case .mean: try NNOp.mean(t)
        case .sum: try NNOp.sum(t)
        }
    }
}

extension Tensor {
    fileprivate func gtZero() throws -> Tensor { try NNOp.gtS.tensor([.tensor(self), 0]) }
}
