// Sorting, selection of extremes, uniques, counts, cumulative reductions, bucketing.

extension Tensor {
    private static let topkOp = Op("aten::topk"), sortOp = Op("aten::sort", "stable"), argsortOp = Op("aten::argsort", "stable")
    private static let kthvalueOp = Op("aten::kthvalue")
    private static let unique2Op = Op("aten::_unique2"), uniqueDimOp = Op("aten::unique_dim")
    private static let uniqueConsecutiveOp = Op("aten::unique_consecutive")
    private static let bincountOp = Op("aten::bincount"), histcOp = Op("aten::histc")
    private static let cumsumOp = Op("aten::cumsum"), cumprodOp = Op("aten::cumprod")
    private static let cummaxOp = Op("aten::cummax"), cumminOp = Op("aten::cummin"), logcumsumexpOp = Op("aten::logcumsumexp")
    private static let searchsortedOp = Op("aten::searchsorted", "Tensor"), bucketizeOp = Op("aten::bucketize", "Tensor")
    private static let diffOp = Op("aten::diff")

    /// The `k` largest (or smallest) entries along `dim` and their indices.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.topkOp.tensors([.tensor(self), .int(k), .int(dim), .bool(largest), .bool(sorted)])
        return (r[0], r[1])
    }
    /// Sorted values along `dim` and the permutation that sorts them; `stable` keeps the order of equal values.
    public func sort(dim: Int = -1, descending: Bool = false, stable: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.sortOp.tensors([.tensor(self)], named: ["stable": .bool(stable), "dim": .int(dim), "descending": .bool(descending)])
        return (r[0], r[1])
    }
    /// The permutation that sorts `dim`.
    public func argsort(dim: Int = -1, descending: Bool = false, stable: Bool = false) throws -> Tensor {
        try Self.argsortOp.tensor([.tensor(self)], named: ["stable": .bool(stable), "dim": .int(dim), "descending": .bool(descending)])
    }
    /// The `k`-th smallest (1-based) entry along `dim` and its index.
    public func kthvalue(_ k: Int, dim: Int = -1, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.kthvalueOp.tensors([.tensor(self), .int(k), .int(dim), .bool(keepdim)])
        return (r[0], r[1])
    }

    /// Distinct values (sorted), optionally with the index of each input element in them (`inverse`, shaped like
    /// the input) and how often each occurs (`counts`). With `dim`, distinct slices along that dim.
    public func unique(sorted: Bool = true, returnInverse: Bool = false, returnCounts: Bool = false,
                       dim: Int? = nil) throws -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        let r: [Tensor]
        if let dim {
            r = try Self.uniqueDimOp.tensors([.tensor(self), .int(dim), .bool(sorted), .bool(returnInverse), .bool(returnCounts)])
        } else {
            r = try Self.unique2Op.tensors([.tensor(self), .bool(sorted), .bool(returnInverse), .bool(returnCounts)])
        }
        return (r[0], returnInverse ? r[1] : nil, returnCounts ? r[2] : nil)
    }
    /// Collapses runs of equal consecutive values.
    public func uniqueConsecutive(returnInverse: Bool = false, returnCounts: Bool = false,
                                  dim: Int? = nil) throws -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        let r = try Self.uniqueConsecutiveOp.tensors([.tensor(self), .bool(returnInverse), .bool(returnCounts), .opt(dim)])
        return (r[0], returnInverse ? r[1] : nil, returnCounts ? r[2] : nil)
    }
    /// Occurrences of each value 0...max of a 1-D non-negative int tensor (summing `weights` instead of 1 when
    /// given); at least `minlength` bins.
    public func bincount(weights: Tensor? = nil, minlength: Int = 0) throws -> Tensor {
        try Self.bincountOp.tensor([.tensor(self), .tensor(weights), .int(minlength)])
    }
    /// Histogram with `bins` equal bins over [min, max] (the data range when both are 0).
    public func histc(bins: Int = 100, min: Double = 0, max: Double = 0) throws -> Tensor {
        try Self.histcOp.tensor([.tensor(self), .int(bins), .double(min), .double(max)])
    }
    /// Indices where `values` would be inserted into this sorted (last dim) tensor to keep it sorted.
    public func searchsorted(_ values: Tensor, right: Bool = false) throws -> Tensor {
        try Self.searchsortedOp.tensor([.tensor(self), .tensor(values)], named: ["right": .bool(right)])
    }
    /// Bucket index of each element for the sorted 1-D `boundaries`.
    public func bucketize(_ boundaries: Tensor, right: Bool = false) throws -> Tensor {
        try Self.bucketizeOp.tensor([.tensor(self), .tensor(boundaries)], named: ["right": .bool(right)])
    }

    /// Running sum along `dim`.
    public func cumsum(dim: Int, dtype: DType? = nil) throws -> Tensor { try Self.cumsumOp.tensor([.tensor(self), .int(dim)], named: ["dtype": .opt(dtype)]) }
    /// Running product along `dim`.
    public func cumprod(dim: Int, dtype: DType? = nil) throws -> Tensor { try Self.cumprodOp.tensor([.tensor(self), .int(dim)], named: ["dtype": .opt(dtype)]) }
    /// Running maximum along `dim` and where it was attained.
    public func cummax(dim: Int) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.cummaxOp.tensors([.tensor(self), .int(dim)])
        return (r[0], r[1])
    }
    /// Running minimum along `dim` and where it was attained.
    public func cummin(dim: Int) throws -> (values: Tensor, indices: Tensor) {
        let r = try Self.cumminOp.tensors([.tensor(self), .int(dim)])
        return (r[0], r[1])
    }
    /// Running `log(sum(exp(x)))` along `dim`.
    public func logcumsumexp(dim: Int) throws -> Tensor { try Self.logcumsumexpOp.tensor([.tensor(self), .int(dim)]) }
    /// `n`-th forward difference along `dim`.
    public func diff(n: Int = 1, dim: Int = -1) throws -> Tensor { try Self.diffOp.tensor([.tensor(self), .int(n), .int(dim)]) }
}
