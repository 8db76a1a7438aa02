// Reductions over all elements or over dims (`keepdim` keeps reduced dims with size 1).

extension Tensor {
    private static let sumAll = Op("aten::sum"), sumDims = Op("aten::sum", "dim_IntList")
    private static let meanAll = Op("aten::mean"), meanDims = Op("aten::mean", "dim")
    private static let nansumOp = Op("aten::nansum"), nanmeanOp = Op("aten::nanmean")
    private static let prodAll = Op("aten::prod"), prodDim = Op("aten::prod", "dim_int")
    private static let maxAll = Op("aten::max"), maxDim = Op("aten::max", "dim")
    private static let minAll = Op("aten::min"), minDim = Op("aten::min", "dim")
    private static let amaxOp = Op("aten::amax"), aminOp = Op("aten::amin")
    private static let argmaxOp = Op("aten::argmax"), argminOp = Op("aten::argmin")
    private static let stdOp = Op("aten::std", "correction"), varOp = Op("aten::var", "correction")
    private static let stdMeanOp = Op("aten::std_mean", "correction"), varMeanOp = Op("aten::var_mean", "correction")
    private static let vectorNormOp = Op("aten::linalg_vector_norm")
    private static let allAll = Op("aten::all"), allDims = Op("aten::all", "dims")
    private static let anyAll = Op("aten::any"), anyDims = Op("aten::any", "dims")
    private static let logsumexpOp = Op("aten::logsumexp")
    private static let medianAll = Op("aten::median"), medianDim = Op("aten::median", "dim")
    private static let modeOp = Op("aten::mode"), countNonzeroOp = Op("aten::count_nonzero", "dim_IntList")

    /// Sum of all elements (a 0-d tensor), optionally accumulated in `dtype`.
    public func sum(dtype: DType? = nil) throws -> Tensor { try Self.sumAll.tensor([.tensor(self)], named: ["dtype": .opt(dtype)]) }
    /// Sum over `dims`.
    public func sum(dims: [Int], keepdim: Bool = false, dtype: DType? = nil) throws -> Tensor {
        try Self.sumDims.tensor([.tensor(self), .ints(dims), .bool(keepdim)], named: ["dtype": .opt(dtype)])
    }
    public func sum(dim: Int, keepdim: Bool = false, dtype: DType? = nil) throws -> Tensor { try sum(dims: [dim], keepdim: keepdim, dtype: dtype) }

    /// Mean of all elements.
    public func mean(dtype: DType? = nil) throws -> Tensor { try Self.meanAll.tensor([.tensor(self)], named: ["dtype": .opt(dtype)]) }
    public func mean(dims: [Int], keepdim: Bool = false, dtype: DType? = nil) throws -> Tensor {
        try Self.meanDims.tensor([.tensor(self), .ints(dims), .bool(keepdim)], named: ["dtype": .opt(dtype)])
    }
    public func mean(dim: Int, keepdim: Bool = false, dtype: DType? = nil) throws -> Tensor { try mean(dims: [dim], keepdim: keepdim, dtype: dtype) }

    /// Sum treating NaN as zero (over `dims`, or everything when nil).
    public func nansum(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Self.nansumOp.tensor([.tensor(self), .opt(dims), .bool(keepdim)])
    }
    /// Mean ignoring NaN (over `dims`, or everything when nil).
    public func nanmean(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Self.nanmeanOp.tensor([.tensor(self), .opt(dims), .bool(keepdim)])
    }

    /// Product of all elements.
    public func prod(dtype: DType? = nil) throws -> Tensor { try Self.prodAll.tensor([.tensor(self)], named: ["dtype": .opt(dtype)]) }
    public func prod(dim: Int, keepdim: Bool = false, dtype: DType? = nil) throws -> Tensor {
        try Self.prodDim.tensor([.tensor(self), .int(dim), .bool(keepdim)], named: ["dtype": .opt(dtype)])
    }

    /// The largest element (0-d).
    public func max() throws -> Tensor { try Self.maxAll.tensor([.tensor(self)]) }
    /// Largest values along `dim` and their indices.
    public func max(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.maxDim.tensors([.tensor(self), .int(dim), .bool(keepdim)])
        return (r[0], r[1])
    }
    /// The smallest element (0-d).
    public func min() throws -> Tensor { try Self.minAll.tensor([.tensor(self)]) }
    /// Smallest values along `dim` and their indices.
    public func min(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.minDim.tensors([.tensor(self), .int(dim), .bool(keepdim)])
        return (r[0], r[1])
    }
    /// Maximum over `dims` (all dims when empty), values only; the gradient is shared among ties.
    public func amax(dims: [Int] = [], keepdim: Bool = false) throws -> Tensor {
        try Self.amaxOp.tensor([.tensor(self), .ints(dims), .bool(keepdim)])
    }
    public func amin(dims: [Int] = [], keepdim: Bool = false) throws -> Tensor {
        try Self.aminOp.tensor([.tensor(self), .ints(dims), .bool(keepdim)])
    }
    /// Index of the largest value along `dim`, or in the flattened tensor when `dim` is nil.
    public func argmax(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        try Self.argmaxOp.tensor([.tensor(self), .opt(dim), .bool(keepdim)])
    }
    /// Index of the smallest value along `dim`, or in the flattened tensor when `dim` is nil.
    public func argmin(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        try Self.argminOp.tensor([.tensor(self), .opt(dim), .bool(keepdim)])
    }
    /// The lower median of all elements.
    public func median() throws -> Tensor { try Self.medianAll.tensor([.tensor(self)]) }
    public func median(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.medianDim.tensors([.tensor(self), .int(dim), .bool(keepdim)])
        return (r[0], r[1])
    }
    /// Most frequent value along `dim`.
    public func mode(dim: Int = -1, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.modeOp.tensors([.tensor(self), .int(dim), .bool(keepdim)])
        return (r[0], r[1])
    }
    /// Number of nonzero elements over `dims` (all when empty).
    public func countNonzero(dims: [Int] = []) throws -> Tensor {
        dims.isEmpty ? try Self.countNonzeroOp.tensor([.tensor(self), .ints(Array(0..<rank))])
            : try Self.countNonzeroOp.tensor([.tensor(self), .ints(dims)])
    }

    /// Standard deviation over `dims` (all when nil) with `correction` (1: unbiased, 0: population).
    public func std(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> Tensor {
        try Self.stdOp.tensor([.tensor(self), .opt(dims)], named: ["correction": .double(correction), "keepdim": .bool(keepdim)])
    }
    /// Variance over `dims` (all when nil) with `correction` (1: unbiased, 0: population).
    public func variance(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> Tensor {
        try Self.varOp.tensor([.tensor(self), .opt(dims)], named: ["correction": .double(correction), "keepdim": .bool(keepdim)])
    }
    /// Standard deviation and mean in one pass.
    public func stdMean(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> (std: Tensor, mean: Tensor) {
        let r = try Self.stdMeanOp.tensors([.tensor(self), .opt(dims)], named: ["correction": .double(correction), "keepdim": .bool(keepdim)])
        return (r[0], r[1])
    }
    /// Variance and mean in one pass.
    public func varMean(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> (variance: Tensor, mean: Tensor) {
        let r = try Self.varMeanOp.tensors([.tensor(self), .opt(dims)], named: ["correction": .double(correction), "keepdim": .bool(keepdim)])
        return (r[0], r[1])
    }

    /// Vector p-norm over `dims` (all elements when nil): `p` may be any real, `.infinity` or `-.infinity`
    /// (max/min of |x|) or 0 (count of nonzeros). Same as `torch.norm(x, p, dim)` for vector norms.
    public func norm(p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Self.vectorNormOp.tensor([.tensor(self), .double(p), .opt(dims), .bool(keepdim)])
    }

    /// True (0-d bool) when every element is nonzero.
    public func all() throws -> Tensor { try Self.allAll.tensor([.tensor(self)]) }
    public func all(dims: [Int], keepdim: Bool = false) throws -> Tensor { try Self.allDims.tensor([.tensor(self), .ints(dims), .bool(keepdim)]) }
    public func all(dim: Int, keepdim: Bool = false) throws -> Tensor { try all(dims: [dim], keepdim: keepdim) }
    /// True (0-d bool) when some element is nonzero.
    public func any() throws -> Tensor { try Self.anyAll.tensor([.tensor(self)]) }
    public func any(dims: [Int], keepdim: Bool = false) throws -> Tensor { try Self.anyDims.tensor([.tensor(self), .ints(dims), .bool(keepdim)]) }
    public func any(dim: Int, keepdim: Bool = false) throws -> Tensor { try any(dims: [dim], keepdim: keepdim) }

    /// `log(sum(exp(x)))` over `dims`, computed stably.
    public func logsumexp(dims: [Int], keepdim: Bool = false) throws -> Tensor {
        try Self.logsumexpOp.tensor([.tensor(self), .ints(dims), .bool(keepdim)])
    }
    public func logsumexp(dim: Int, keepdim: Bool = false) throws -> Tensor { try logsumexp(dims: [dim], keepdim: keepdim) }
}
