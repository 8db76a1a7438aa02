import StrataTensor

/// Strata's version of every case in scripts/fixtures/ops.py: inputs (as stored in the fixture) → outputs.
/// Keep the names and the order of outputs in step with the Python script.
enum OpsParityCases {
    typealias Case = @Sendable ([Tensor]) throws -> [Tensor]

    static let all: [String: Case] = {
        var c: [String: Case] = [:]
        // arithmetic
        c["add"] = { i in [try i[0] + i[1]] }
        c["add_alpha"] = { i in [try i[0].add(i[1], alpha: 2.5)] }
        c["sub"] = { i in [try i[0] - i[1]] }
        c["mul"] = { i in [try i[0] * i[1]] }
        c["div"] = { i in [try i[0] / i[1]] }
        c["scalar_arith"] = { i in let x = i[0]; return [try (2.0 - x) * 3 + x / 4.0 - 1.5] }
        c["rdiv"] = { i in [try 1.5 / i[0]] }
        c["neg"] = { i in [try -i[0]] }
        c["pow_scalar"] = { i in [try i[0].pow(3)] }
        c["pow_tensor"] = { i in [try i[0].pow(i[1])] }
        c["rpow"] = { i in [try Tensor.pow(2, i[0])] }
        c["remainder"] = { i in [try i[0] % 1.5] }
        c["fmod"] = { i in [try i[0].fmod(1.3)] }
        c["floor_divide"] = { i in [try i[0].floorDivide(0.7)] }
        c["addcmul"] = { i in [try i[0].addcmul(i[1], i[2], value: 0.5)] }
        c["lerp"] = { i in [try i[0].lerp(i[1], weight: 0.3)] }
        c["clamp"] = { i in [try i[0].clamp(min: -0.5, max: 0.8)] }
        c["clamp_tensor"] = { i in [try i[0].clamp(min: i[1], max: i[2])] }
        c["where"] = { i in [try Tensor.where(i[0] .> 0, i[0], i[1] * 2)] }
        c["where_scalar"] = { i in [try Tensor.where(i[0] .> 0.2, i[0], 0.0)] }
        c["maximum"] = { i in [try i[0].maximum(i[1])] }
        c["minimum"] = { i in [try i[0].minimum(i[1])] }
        c["compare"] = { i in
            let (x, y) = (i[0], i[1])
            return [try x .> y, try x .<= 0.1, try x .!= y, try (x .> y) .& (x .<= 0.1), try .!(x .> 0),
                    try (x .> 1) .| (y .> 1), try x .== y.round()]
        }
        // elementwise math
        c["exp"] = { i in [try i[0].exp()] }
        c["log"] = { i in [try i[0].log()] }
        c["log1p"] = { i in [try i[0].log1p()] }
        c["log2"] = { i in [try i[0].log2()] }
        c["expm1"] = { i in [try i[0].expm1()] }
        c["exp2"] = { i in [try i[0].exp2()] }
        c["sqrt"] = { i in [try i[0].sqrt()] }
        c["rsqrt"] = { i in [try i[0].rsqrt()] }
        c["square"] = { i in [try i[0].square()] }
        c["reciprocal"] = { i in [try i[0].reciprocal()] }
        c["abs"] = { i in [try i[0].abs()] }
        c["sign"] = { i in [try i[0].sign()] }
        c["sin"] = { i in [try i[0].sin()] }
        c["cos"] = { i in [try i[0].cos()] }
        c["tan"] = { i in [try i[0].tan()] }
        c["asin"] = { i in [try i[0].asin()] }
        c["atan"] = { i in [try i[0].atan()] }
        c["atan2"] = { i in [try i[0].atan2(i[1])] }
        c["sinh"] = { i in [try i[0].sinh()] }
        c["cosh"] = { i in [try i[0].cosh()] }
        c["floor"] = { i in [try i[0].floor()] }
        c["ceil"] = { i in [try i[0].ceil()] }
        c["round"] = { i in [try i[0].round()] }
        c["round_decimals"] = { i in [try i[0].round(decimals: 2)] }
        c["trunc"] = { i in [try i[0].trunc()] }
        c["frac"] = { i in [try i[0].frac()] }
        c["erf"] = { i in [try i[0].erf()] }
        c["hypot"] = { i in [try i[0].hypot(i[1])] }
        c["logaddexp"] = { i in [try i[0].logaddexp(i[1])] }
        c["float64_math"] = { i in let x = i[0]; return [try x.exp().sin() * x.cos() + x.tanh()] }
        c["nan_to_num"] = { i in [try i[0].nanToNum(nan: 0.5, posinf: 9, neginf: -9)] }
        c["isnan_isfinite"] = { i in [try i[0].isnan(), try i[0].isfinite(), try i[0].isinf()] }
        // activations
        c["sigmoid"] = { i in [try i[0].sigmoid()] }
        c["tanh"] = { i in [try i[0].tanh()] }
        c["relu"] = { i in [try i[0].relu()] }
        c["relu6"] = { i in [try i[0].relu6()] }
        c["leaky_relu"] = { i in [try i[0].leakyRelu(0.2)] }
        c["gelu"] = { i in [try i[0].gelu()] }
        c["gelu_tanh"] = { i in [try i[0].gelu(approximate: .tanh)] }
        c["silu"] = { i in [try i[0].silu()] }
        c["elu"] = { i in [try i[0].elu(alpha: 1.3)] }
        c["selu"] = { i in [try i[0].selu()] }
        c["celu"] = { i in [try i[0].celu(alpha: 0.7)] }
        c["softplus"] = { i in [try i[0].softplus(beta: 2, threshold: 5)] }
        c["mish"] = { i in [try i[0].mish()] }
        c["hardswish"] = { i in [try i[0].hardswish()] }
        c["hardsigmoid"] = { i in [try i[0].hardsigmoid()] }
        c["hardtanh"] = { i in [try i[0].hardtanh(min: -0.5, max: 0.5)] }
        c["logsigmoid"] = { i in [try i[0].logSigmoid()] }
        c["softmax"] = { i in [try i[0].softmax(dim: 1)] }
        c["softmax_dim0_3d"] = { i in [try i[0].softmax(dim: 0)] }
        c["log_softmax"] = { i in [try i[0].logSoftmax(dim: -1)] }
        c["glu"] = { i in [try i[0].glu(dim: -1)] }
        c["prelu"] = { i in [try i[0].prelu(i[1])] }
        // reductions
        c["sum"] = { i in [try i[0].sum()] }
        c["sum_dims_keepdim"] = { i in [try i[0].sum(dims: [0, 2], keepdim: true)] }
        c["mean"] = { i in [try i[0].mean()] }
        c["mean_dim"] = { i in [try i[0].mean(dim: 1)] }
        c["prod_dim"] = { i in [try i[0].prod(dim: 1)] }
        c["max_dim"] = { i in let r = try i[0].max(dim: 1); return [r.values, r.indices] }
        c["min_dim_keepdim"] = { i in let r = try i[0].min(dim: 0, keepdim: true); return [r.values, r.indices] }
        c["max_global"] = { i in [try i[0].max()] }
        c["amax"] = { i in [try i[0].amax(dims: [0, 2])] }
        c["argmax_argmin"] = { i in [try i[0].argmax(dim: 1), try i[0].argmin(), try i[0].argmax(dim: 0, keepdim: true)] }
        c["std"] = { i in [try i[0].std(dims: [1])] }
        c["std_global"] = { i in [try i[0].std()] }
        c["var_correction0"] = { i in [try i[0].variance(dims: [0, 1], correction: 0, keepdim: true)] }
        c["norm_p2_dim"] = { i in [try i[0].norm(p: 2, dims: [1])] }
        c["norm_p1"] = { i in [try i[0].norm(p: 1)] }
        c["norm_inf_dim"] = { i in [try i[0].norm(p: .infinity, dims: [0])] }
        c["norm_p3_keepdim"] = { i in [try i[0].norm(p: 3, dims: [1, 2], keepdim: true)] }
        c["logsumexp"] = { i in [try i[0].logsumexp(dim: 1)] }
        c["all_any"] = { i in
            let x = i[0]
            return [try x.all(), try x.any(dim: 1), try (x .> 0).all(dim: 0), try (x .> 2).any()]
        }
        c["median_dim"] = { i in let r = try i[0].median(dim: 1); return [r.values, r.indices] }
        c["cumsum"] = { i in [try i[0].cumsum(dim: 1)] }
        c["cumprod"] = { i in [try i[0].cumprod(dim: 0)] }
        c["logcumsumexp"] = { i in [try i[0].logcumsumexp(dim: 1)] }
        c["cummax"] = { i in let r = try i[0].cummax(dim: 1); return [r.values, r.indices] }
        c["kthvalue"] = { i in let r = try i[0].kthvalue(2, dim: 1); return [r.values, r.indices] }
        // linear algebra
        c["matmul_broadcast"] = { i in [try i[0].matmul(i[1])] }
        c["matmul_vec"] = { i in [try i[0].matmul(i[1])] }
        c["mm"] = { i in [try i[0].mm(i[1])] }
        c["bmm"] = { i in [try i[0].bmm(i[1])] }
        c["einsum_bmm"] = { i in [try Tensor.einsum("bij,bjk->bik", i[0], i[1])] }
        c["einsum_rowdot"] = { i in [try Tensor.einsum("ij,ij->i", i[0], i[1])] }
        c["outer"] = { i in [try i[0].outer(i[1])] }
        c["dot"] = { i in [try i[0].dot(i[1])] }
        c["addmm"] = { i in [try i[0].addmm(i[1], i[2], beta: 0.5, alpha: 2)] }
        c["inverse"] = { i in [try i[0].inverse()] }
        c["det"] = { i in [try i[0].det()] }
        c["tensordot"] = { i in [try i[0].tensordot(i[1], dimsA: [1, 2], dimsB: [0, 1])] }
        // shape
        c["reshape_permute"] = { i in [try i[0].reshape(6, 4).permute(1, 0)] }
        c["view"] = { i in [try i[0].view(3, 8)] }
        c["transpose"] = { i in [try i[0].transpose(0, 2)] }
        c["t"] = { i in [try i[0].t()] }
        c["squeeze_unsqueeze"] = { i in [try i[0].squeeze(), try i[0].squeeze(dim: 1).unsqueeze(-1)] }
        c["flatten"] = { i in [try i[0].flatten(start: 1, end: 2)] }
        c["unflatten"] = { i in [try i[0].unflatten(dim: 1, sizes: [2, 3])] }
        c["expand"] = { i in [try i[0].expand(2, 3, 4)] }
        c["repeat"] = { i in [try i[0].repeat(2, 1, 3)] }
        c["repeat_interleave"] = { i in [try i[0].repeatInterleave(2, dim: 1)] }
        c["cat"] = { i in [try Tensor.cat([i[0], i[1]], dim: 1)] }
        c["stack"] = { i in [try Tensor.stack([i[0], i[1]], dim: 2)] }
        c["split_sizes"] = { i in try i[0].split(sizes: [1, 3], dim: 1) }
        c["split_size"] = { i in try i[0].split(size: 2, dim: 0) }
        c["chunk"] = { i in try i[0].chunk(3, dim: 1) }
        c["unbind"] = { i in try i[0].unbind(dim: 1) }
        c["narrow"] = { i in [try i[0].narrow(dim: 1, start: 1, length: 2)] }
        c["slice_step"] = { i in [try i[0].slice(dim: 1, start: 1, step: 2)] }
        c["select"] = { i in [try i[0].select(dim: 1, index: -1)] }
        c["subscript_basic"] = { i in [try i[0][1..., TensorIndex.newAxis, TensorIndex.ellipsis, TensorIndex.stride(by: 2)]] }
        c["subscript_int_range"] = { i in [try i[0][0, 1..<3]] }
        c["flip"] = { i in [try i[0].flip(0, 2)] }
        c["roll"] = { i in [try i[0].roll(shifts: [1, -2], dims: [0, 1])] }
        c["rot90"] = { i in [try i[0].rot90(1, dims: [0, 1])] }
        c["movedim"] = { i in [try i[0].movedim(0, -1)] }
        c["tril_triu"] = { i in [try i[0].tril(), try i[0].triu(1)] }
        c["diag_embed_vector"] = { i in [try i[0].diag()] }
        c["diag_of_matrix"] = { i in [try i[0].diag(1)] }
        c["diagonal"] = { i in [try i[0].diagonal(offset: 0, dim1: 1, dim2: 2)] }
        c["meshgrid"] = { i in try Tensor.meshgrid([i[0], i[1]], indexing: .ij) }
        c["meshgrid_xy"] = { i in try Tensor.meshgrid([i[0], i[1]], indexing: .xy) }
        // indexing
        c["index_select"] = { i in [try i[0].indexSelect(dim: 1, index: i[1])] }
        c["gather"] = { i in [try i[0].gather(dim: 1, index: i[1])] }
        c["scatter"] = { i in [try i[0].scatter(dim: 1, index: i[1], src: i[2])] }
        c["scatter_add"] = { i in [try i[0].scatterAdd(dim: 0, index: i[1], src: i[2])] }
        c["scatter_value"] = { i in [try i[0].scatter(dim: 1, index: i[1], value: 0.5)] }
        c["index_add"] = { i in [try i[0].indexAdd(dim: 0, index: i[1], source: i[2], alpha: 2)] }
        c["masked_fill"] = { i in [try i[0].maskedFill(i[1], -1.5)] }
        c["masked_select"] = { i in [try i[0].maskedSelect(i[1])] }
        c["advanced_index"] = { i in [try i[0][i[1], TensorIndex.all, i[2]]] }
        c["bool_mask_subscript"] = { i in [try i[0][i[1]]] }
        c["index_put_accumulate"] = { i in [try i[0].indexPut([i[1]], i[2], accumulate: true)] }
        c["take_along_dim"] = { i in [try i[0].takeAlongDim(i[1], dim: 1)] }
        c["one_hot"] = { i in [try i[0].oneHot(numClasses: 5)] }
        c["nonzero"] = { i in [try (i[0] .> 0).nonzero()] }
        // resampling
        c["interp_nearest_size"] = { i in [try i[0].interpolate(size: [7, 9], mode: .nearest)] }
        c["interp_nearest_scale"] = { i in [try i[0].interpolate(scaleFactor: 2, mode: .nearest)] }
        c["interp_nearest_exact"] = { i in [try i[0].interpolate(size: [3, 10], mode: .nearestExact)] }
        c["interp_bilinear"] = { i in [try i[0].interpolate(size: [8, 11], mode: .bilinear, alignCorners: false)] }
        c["interp_bilinear_align"] = { i in [try i[0].interpolate(size: [8, 11], mode: .bilinear, alignCorners: true)] }
        c["interp_bilinear_scale"] = { i in [try i[0].interpolate(scaleFactor: 1.7, mode: .bilinear, alignCorners: false)] }
        c["interp_bilinear_antialias"] = { i in [try i[0].interpolate(size: [3, 4], mode: .bilinear, antialias: true)] }
        c["interp_bicubic"] = { i in [try i[0].interpolate(size: [9, 7], mode: .bicubic, alignCorners: false)] }
        c["interp_bicubic_align"] = { i in [try i[0].interpolate(size: [9, 7], mode: .bicubic, alignCorners: true)] }
        c["interp_linear_1d"] = { i in [try i[0].interpolate(size: [9], mode: .linear, alignCorners: false)] }
        c["interp_linear_1d_align"] = { i in [try i[0].interpolate(size: [9], mode: .linear, alignCorners: true)] }
        c["interp_trilinear"] = { i in [try i[0].interpolate(size: [3, 4, 5], mode: .trilinear, alignCorners: false)] }
        c["interp_area"] = { i in [try i[0].interpolate(size: [2, 4], mode: .area)] }
        c["pad_constant"] = { i in [try i[0].pad([1, 2, 0, 1], mode: .constant(0.5))] }
        c["pad_reflect"] = { i in [try i[0].pad([2, 1, 1, 2], mode: .reflect)] }
        c["pad_replicate"] = { i in [try i[0].pad([2, 1, 1, 2], mode: .replicate)] }
        c["pad_circular"] = { i in [try i[0].pad([2, 1, 1, 2], mode: .circular)] }
        c["pad_reflect_1d"] = { i in [try i[0].pad([3, 2], mode: .reflect)] }
        // sorting and counting
        c["topk"] = { i in let r = try i[0].topk(3, dim: 1); return [r.values, r.indices] }
        c["topk_smallest"] = { i in let r = try i[0].topk(2, dim: 0, largest: false); return [r.values, r.indices] }
        c["sort"] = { i in let r = try i[0].sort(dim: 1, descending: true); return [r.values, r.indices] }
        c["argsort"] = { i in [try i[0].argsort(dim: 0)] }
        c["unique"] = { i in
            let r = try i[0].unique(sorted: true, returnInverse: true, returnCounts: true)
            return [r.values, r.inverse!, r.counts!]
        }
        c["bincount"] = { i in [try i[0].bincount(minlength: 7), try i[0].bincount(weights: i[1])] }
        c["searchsorted"] = { i in [try i[0].searchsorted(i[1])] }
        return c
    }()
}
