// Gathering and scattering by index, masks, one-hot encoding, and Python-style subscripts (`t[0, 1..<3]`).

extension Tensor {
    private static let indexSelectOp = Op("aten::index_select"), gatherOp = Op("aten::gather")
    private static let scatterSrc = Op("aten::scatter", "src"), scatterValue = Op("aten::scatter", "value")
    private static let scatterAddOp = Op("aten::scatter_add"), scatterReduceOp = Op("aten::scatter_reduce", "two")
    private static let indexAddOp = Op("aten::index_add"), indexFillOp = Op("aten::index_fill", "int_Scalar")
    private static let maskedFillS = Op("aten::masked_fill", "Scalar"), maskedFillT = Op("aten::masked_fill", "Tensor")
    private static let maskedFillI = Op("aten::masked_fill_", "Scalar"), maskedSelectOp = Op("aten::masked_select")
    private static let nonzeroOp = Op("aten::nonzero"), argwhereOp = Op("aten::argwhere")
    private static let indexOp = Op("aten::index", "Tensor"), indexPutOp = Op("aten::index_put")
    private static let indexPutI = Op("aten::index_put_"), takeAlongDimOp = Op("aten::take_along_dim")
    private static let oneHotOp = Op("aten::one_hot")

    /// Entries of `dim` at `index` (1-D int64/int32), in that order.
    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        try Self.indexSelectOp.tensor([.tensor(self), .int(dim), .tensor(index)])
    }
    /// `out[i][j] = self[index[i][j]][j]` for `dim` 0 (and likewise for other dims); `index` is int64.
    public func gather(dim: Int, index: Tensor) throws -> Tensor { try Self.gatherOp.tensor([.tensor(self), .int(dim), .tensor(index)]) }
    /// Values of `self` along `dim` at `indices` (broadcasting the other dims), as `torch.take_along_dim`.
    public func takeAlongDim(_ indices: Tensor, dim: Int) throws -> Tensor {
        try Self.takeAlongDimOp.tensor([.tensor(self), .tensor(indices), .int(dim)])
    }
    /// A copy of `self` with `src` values written at `index` along `dim` (out-of-place `scatter_`).
    public func scatter(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
        try Self.scatterSrc.tensor([.tensor(self), .int(dim), .tensor(index), .tensor(src)])
    }
    /// A copy of `self` with `value` written at `index` along `dim`.
    public func scatter(dim: Int, index: Tensor, value: Double) throws -> Tensor {
        try Self.scatterValue.tensor([.tensor(self), .int(dim), .tensor(index), .double(value)])
    }
    /// A copy of `self` with `src` values added at `index` along `dim` (repeated indices accumulate).
    public func scatterAdd(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
        try Self.scatterAddOp.tensor([.tensor(self), .int(dim), .tensor(index), .tensor(src)])
    }
    /// Scatter with a reduction: `.sum`, `.prod`, `.mean`, `.amax` or `.amin`; `includeSelf` folds in the
    /// existing values.
    public func scatterReduce(dim: Int, index: Tensor, src: Tensor, reduce: ScatterReduction, includeSelf: Bool = true) throws -> Tensor {
        try Self.scatterReduceOp.tensor([.tensor(self), .int(dim), .tensor(index), .tensor(src), .string(reduce.rawValue)],
                                        named: ["include_self": .bool(includeSelf)])
    }
    /// A copy of `self` with `alpha * source` rows added at `index` along `dim`.
    public func indexAdd(dim: Int, index: Tensor, source: Tensor, alpha: Double = 1) throws -> Tensor {
        try Self.indexAddOp.tensor([.tensor(self), .int(dim), .tensor(index), .tensor(source)], named: ["alpha": .double(alpha)])
    }
    /// A copy of `self` with entries `index` of `dim` set to `value`.
    public func indexFill(dim: Int, index: Tensor, value: Double) throws -> Tensor {
        try Self.indexFillOp.tensor([.tensor(self), .int(dim), .tensor(index), .double(value)])
    }

    /// A copy with `value` where the (broadcast) bool `mask` is true.
    public func maskedFill(_ mask: Tensor, _ value: Double) throws -> Tensor { try Self.maskedFillS.tensor([.tensor(self), .tensor(mask), .double(value)]) }
    /// A copy with the 0-d `value` where `mask` is true (differentiable in `value`).
    public func maskedFill(_ mask: Tensor, _ value: Tensor) throws -> Tensor { try Self.maskedFillT.tensor([.tensor(self), .tensor(mask), .tensor(value)]) }
    /// In place `maskedFill`.
    @discardableResult public func maskedFill_(_ mask: Tensor, _ value: Double) throws -> Tensor {
        _ = try Self.maskedFillI.call([.tensor(self), .tensor(mask), .double(value)]); return self
    }
    /// The 1-D tensor of elements where the (broadcast) bool `mask` is true.
    public func maskedSelect(_ mask: Tensor) throws -> Tensor { try Self.maskedSelectOp.tensor([.tensor(self), .tensor(mask)]) }
    /// Indices of nonzero elements as an (n, rank) int64 tensor.
    public func nonzero() throws -> Tensor { try Self.nonzeroOp.tensor([.tensor(self)]) }
    public func argwhere() throws -> Tensor { try Self.argwhereOp.tensor([.tensor(self)]) }

    /// Advanced indexing, as `self[i0, i1, ...]` in Python with index tensors (int64 or bool masks); `nil`
    /// keeps a dim whole.
    public func index(_ indices: [Tensor?]) throws -> Tensor { try Self.indexOp.tensor([.tensor(self), .optionalTensors(indices)]) }
    /// A copy with `values` written (or added, with `accumulate`) at the advanced `indices`.
    public func indexPut(_ indices: [Tensor?], _ values: Tensor, accumulate: Bool = false) throws -> Tensor {
        try Self.indexPutOp.tensor([.tensor(self), .optionalTensors(indices), .tensor(values), .bool(accumulate)])
    }
    /// In place `indexPut` (as `self[indices] = values` in Python).
    @discardableResult public func indexPut_(_ indices: [Tensor?], _ values: Tensor, accumulate: Bool = false) throws -> Tensor {
        _ = try Self.indexPutI.call([.tensor(self), .optionalTensors(indices), .tensor(values), .bool(accumulate)]); return self
    }

    /// One-hot int64 encoding of an int64 tensor: a new last dim of `numClasses` (inferred from the max when -1).
    public func oneHot(numClasses: Int = -1) throws -> Tensor { try Self.oneHotOp.tensor([.tensor(self), .int(numClasses)]) }

    /// Python-style indexing: integers select (removing the dim), ranges slice, `TensorIndex.all` keeps a dim,
    /// `.newAxis` inserts one, `.ellipsis` stands for the remaining dims, and tensors index advanced-style.
    /// `t[0]`, `t[1..<3]`, `t[.all, 2...]`, `t[mask]`.
    public subscript(_ indices: TensorIndexConvertible...) -> Tensor {
        get throws { try indexed(indices.map(\.tensorIndex)) }
    }

    /// Applies Python-style indices (see the subscript).
    public func indexed(_ indices: [TensorIndex]) throws -> Tensor {
        let ellipses = indices.filter { if case .ellipsis = $0 { true } else { false } }.count
        guard ellipses <= 1 else { throw TorchError("index: at most one ellipsis is allowed") }
        let consuming = indices.filter {
            switch $0 { case .newAxis, .ellipsis: false; default: true }
        }.count
        guard consuming <= rank else {
            throw TorchError("index: too many indices for tensor of dimension \(rank) (got \(consuming))")
        }
        var out = self
        var dim = 0
        var advanced: [(Int, Tensor)] = []
        for index in indices {
            switch index {
            case .int(let i):
                out = try out.select(dim: dim, index: i)
            case .range(let start, let end, let step):
                out = try out.slice(dim: dim, start: start, end: end, step: step)
                dim += 1
            case .all:
                dim += 1
            case .newAxis:
                out = try out.unsqueeze(dim)
                dim += 1
            case .ellipsis:
                dim += rank - consuming
            case .tensor(let t):
                advanced.append((dim, t))
                dim += t.dtype == .bool ? Swift.max(t.rank, 1) : 1
            }
        }
        guard !advanced.isEmpty else { return out }
        var list: [Tensor?] = Array(repeating: nil, count: (advanced.last?.0 ?? 0) + 1)
        for (d, t) in advanced { list[d] = t }
        return try out.index(list)
    }
}

/// Reductions for `scatterReduce`.
public enum ScatterReduction: String, Sendable {
    case sum, prod, mean, amax, amin
}

/// One entry of a Python-style index.
public enum TensorIndex: Sendable {
    case int(Int)
    /// `start..<end` by `step` (nil ends mean the whole dim), as Python's `start:end:step`.
    case range(start: Int?, end: Int?, step: Int)
    /// Python's `:`.
    case all
    /// Python's `None`: inserts a size-1 dim.
    case newAxis
    /// Python's `...`.
    case ellipsis
    /// An int64 index tensor or a bool mask.
    case tensor(Tensor)

    /// `start..<end` with a step.
    public static func stride(_ start: Int? = nil, _ end: Int? = nil, by step: Int) -> TensorIndex { .range(start: start, end: end, step: step) }
}

/// Values usable in `Tensor` subscripts.
public protocol TensorIndexConvertible {
    var tensorIndex: TensorIndex { get }
}
extension TensorIndex: TensorIndexConvertible { public var tensorIndex: TensorIndex { self } }
extension Int: TensorIndexConvertible { public var tensorIndex: TensorIndex { .int(self) } }
extension Range: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound, step: 1) }
}
extension ClosedRange: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
extension PartialRangeFrom: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: nil, step: 1) }
}
extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound, step: 1) }
}
extension PartialRangeThrough: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
extension Tensor: TensorIndexConvertible { public var tensorIndex: TensorIndex { .tensor(self) } }
