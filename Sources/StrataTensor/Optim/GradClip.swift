/// Gradient clipping, as `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`.
public enum GradClip {
    static let stack = Op("aten::stack"), vectorNorm = Op("aten::linalg_vector_norm"), reciprocal = Op("aten::reciprocal")
    static let clampMax = Op("aten::clamp_max"), isfinite = Op("aten::isfinite"), all = Op("aten::all")

    /// Scales all gradients together so their joint `normType`-norm is at most `maxNorm`; returns the norm
    /// before clipping (a 0-d tensor). Parameters without gradients are ignored. With `errorIfNonfinite`, a NaN
    /// or infinite norm throws instead of scaling.
    @discardableResult
    public static func clipGradNorm(_ params: [Tensor], maxNorm: Double, normType: Double = 2,
                                    errorIfNonfinite: Bool = false) throws -> Tensor {
        let grads = params.compactMap(\.grad)
        if grads.isEmpty { return try Tensor(scalar: 0) }
        return try Torch.noGrad {
            let norms = try ForEach.norm(grads, normType)
            let total = try vectorNorm.tensor([.tensor(try stack.tensor([.tensors(norms)])), .double(normType)])
            if errorIfNonfinite, try all.tensor([.tensor(try isfinite.tensor([.tensor(total)]))]).item() == 0 {
                throw TorchError("clipGradNorm: the total norm of order \(normType) of the gradients is non-finite, so it cannot be clipped (set errorIfNonfinite: false to clip anyway)")
            }
            // clip_coef = max_norm / (total + 1e-6), clamped at 1, computed as PyTorch does
            let coef = try NNOp.mul(reciprocal.tensor([.tensor(try NNOp.add(total, 1e-6))]), maxNorm)
            let clamped = try clampMax.tensor([.tensor(coef), 1.0])
            try ForEach.mul_(grads, clamped)
            return total
        }
    }

    /// Clamps every gradient element to [−clipValue, clipValue].
    public static func clipGradValue(_ params: [Tensor], clipValue: Double) throws {
        let grads = params.compactMap(\.grad)
        guard !grads.isEmpty else { return }
        try Torch.noGrad {
            _ = try ForEach.clampMin_.call([.tensors(grads), .double(-clipValue)])
            _ = try ForEach.clampMax_.call([.tensors(grads), .double(clipValue)])
        }
    }
}
