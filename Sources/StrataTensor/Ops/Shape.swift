// Shape and layout: reshape, views, permutes, joins and splits, flips and rolls, triangles and diagonals.
// Negative dims count from the end, as in PyTorch. View-returning ops share storage with `self`.

extension Tensor {
    private static let reshapeOp = Op("aten::reshape"), viewOp = Op("aten::view"), viewDtypeOp = Op("aten::view", "dtype")
    private static let permuteOp = Op("aten::permute"), transposeOp = Op("aten::transpose", "int"), tOp = Op("aten::t")
    private static let squeezeAll = Op("aten::squeeze"), squeezeDims = Op("aten::squeeze", "dims")
    private static let unsqueezeOp = Op("aten::unsqueeze"), flattenOp = Op("aten::flatten", "using_ints")
    private static let unflattenOp = Op("aten::unflatten", "int"), expandOp = Op("aten::expand")
    private static let expandAsOp = Op("aten::expand_as"), broadcastToOp = Op("aten::broadcast_to")
    private static let repeatOp = Op("aten::repeat"), repeatInterleaveOp = Op("aten::repeat_interleave", "self_int")
    private static let catOp = Op("aten::cat"), stackOp = Op("aten::stack")
    private static let splitOp = Op("aten::split", "Tensor"), splitSizesOp = Op("aten::split_with_sizes")
    private static let chunkOp = Op("aten::chunk"), unbindOp = Op("aten::unbind", "int")
    private static let narrowOp = Op("aten::narrow"), sliceOp = Op("aten::slice", "Tensor"), selectOp = Op("aten::select", "int")
    private static let flipOp = Op("aten::flip"), rollOp = Op("aten::roll"), movedimOp = Op("aten::movedim", "intlist")
    private static let trilOp = Op("aten::tril"), triuOp = Op("aten::triu"), diagOp = Op("aten::diag")
    private static let diagonalOp = Op("aten::diagonal"), diagEmbedOp = Op("aten::diag_embed")
    private static let meshgridOp = Op("aten::meshgrid", "indexing"), rot90Op = Op("aten::rot90")

    /// Same data with a new shape (one dim may be -1); a view when possible, else a copy.
    public func reshape(_ shape: [Int]) throws -> Tensor { try Self.reshapeOp.tensor([.tensor(self), .ints(shape)]) }
    public func reshape(_ shape: Int...) throws -> Tensor { try reshape(shape) }
    /// A view with a new shape; fails (throws) when the strides do not allow one — use `reshape` then.
    public func view(_ shape: [Int]) throws -> Tensor { try Self.viewOp.tensor([.tensor(self), .ints(shape)]) }
    public func view(_ shape: Int...) throws -> Tensor { try view(shape) }
    /// Reinterprets the bytes as another dtype of the same size.
    public func view(as dtype: DType) throws -> Tensor { try Self.viewDtypeOp.tensor([.tensor(self), .dtype(dtype)]) }
    /// Reorders dims: result dim i is `self` dim `dims[i]`.
    public func permute(_ dims: [Int]) throws -> Tensor { try Self.permuteOp.tensor([.tensor(self), .ints(dims)]) }
    public func permute(_ dims: Int...) throws -> Tensor { try permute(dims) }
    /// Swaps two dims.
    public func transpose(_ dim0: Int, _ dim1: Int) throws -> Tensor { try Self.transposeOp.tensor([.tensor(self), .int(dim0), .int(dim1)]) }
    /// Transpose of a tensor with at most 2 dims.
    public func t() throws -> Tensor { try Self.tOp.tensor([.tensor(self)]) }
    /// Moves dims `source` to positions `destination`, keeping the others in order.
    public func movedim(_ source: [Int], _ destination: [Int]) throws -> Tensor {
        try Self.movedimOp.tensor([.tensor(self), .ints(source), .ints(destination)])
    }
    public func movedim(_ source: Int, _ destination: Int) throws -> Tensor { try movedim([source], [destination]) }

    /// Removes size-1 dims: all of them, or only `dim` (a no-op when that dim is not 1).
    public func squeeze(dim: Int? = nil) throws -> Tensor {
        guard let dim else { return try Self.squeezeAll.tensor([.tensor(self)]) }
        return try Self.squeezeDims.tensor([.tensor(self), .ints([dim])])
    }
    public func squeeze(dims: [Int]) throws -> Tensor { try Self.squeezeDims.tensor([.tensor(self), .ints(dims)]) }
    /// Inserts a size-1 dim at `dim`.
    public func unsqueeze(_ dim: Int) throws -> Tensor { try Self.unsqueezeOp.tensor([.tensor(self), .int(dim)]) }
    /// Merges dims `start...end` into one.
    public func flatten(start: Int = 0, end: Int = -1) throws -> Tensor {
        try Self.flattenOp.tensor([.tensor(self), .int(start), .int(end)])
    }
    /// Splits dim `dim` into `sizes` (one may be -1).
    public func unflatten(dim: Int, sizes: [Int]) throws -> Tensor { try Self.unflattenOp.tensor([.tensor(self), .int(dim), .ints(sizes)]) }
    /// Broadcasts size-1 dims to `shape` without copying (-1 keeps a dim).
    public func expand(_ shape: [Int]) throws -> Tensor { try Self.expandOp.tensor([.tensor(self), .ints(shape)]) }
    public func expand(_ shape: Int...) throws -> Tensor { try expand(shape) }
    public func expandAs(_ other: Tensor) throws -> Tensor { try Self.expandAsOp.tensor([.tensor(self), .tensor(other)]) }
    public func broadcastTo(_ shape: [Int]) throws -> Tensor { try Self.broadcastToOp.tensor([.tensor(self), .ints(shape)]) }
    /// Tiles the data `times[i]` times along each dim (copies; `times` may have more dims than `self`).
    public func `repeat`(_ times: [Int]) throws -> Tensor { try Self.repeatOp.tensor([.tensor(self), .ints(times)]) }
    public func `repeat`(_ times: Int...) throws -> Tensor { try `repeat`(times) }
    /// Repeats each element `repeats` times along `dim` (flattened when nil).
    public func repeatInterleave(_ repeats: Int, dim: Int? = nil) throws -> Tensor {
        try Self.repeatInterleaveOp.tensor([.tensor(self), .int(repeats), .opt(dim)])
    }

    /// Concatenates along an existing dim.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor { try catOp.tensor([.tensors(tensors), .int(dim)]) }
    /// Stacks along a new dim.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor { try stackOp.tensor([.tensors(tensors), .int(dim)]) }
    /// Pieces of `size` along `dim` (the last may be smaller); views.
    public func split(size: Int, dim: Int = 0) throws -> [Tensor] { try Self.splitOp.tensors([.tensor(self), .int(size), .int(dim)]) }
    /// Pieces of the given sizes (summing to the dim's size) along `dim`; views.
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] { try Self.splitSizesOp.tensors([.tensor(self), .ints(sizes), .int(dim)]) }
    /// `chunks` near-equal pieces along `dim`; views.
    public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] { try Self.chunkOp.tensors([.tensor(self), .int(chunks), .int(dim)]) }
    /// The slices along `dim`, with that dim removed.
    public func unbind(dim: Int = 0) throws -> [Tensor] { try Self.unbindOp.tensors([.tensor(self), .int(dim)]) }

    /// `length` entries of `dim` from `start` (a view).
    public func narrow(dim: Int, start: Int, length: Int) throws -> Tensor {
        try Self.narrowOp.tensor([.tensor(self), .int(dim), .int(start), .int(length)])
    }
    /// Entries `start..<end` by `step` along `dim` (a view; nil bounds mean the ends; out-of-range bounds clamp,
    /// as Python slicing does).
    public func slice(dim: Int = 0, start: Int? = nil, end: Int? = nil, step: Int = 1) throws -> Tensor {
        try Self.sliceOp.tensor([.tensor(self), .int(dim), .opt(start), .opt(end), .int(step)])
    }
    /// Entry `index` of `dim`, with that dim removed (a view; negative indices count from the end).
    public func select(dim: Int, index: Int) throws -> Tensor { try Self.selectOp.tensor([.tensor(self), .int(dim), .int(index)]) }

    /// Reverses the order along `dims` (copies).
    public func flip(_ dims: [Int]) throws -> Tensor { try Self.flipOp.tensor([.tensor(self), .ints(dims)]) }
    public func flip(_ dims: Int...) throws -> Tensor { try flip(dims) }
    /// Rotates by 90° `k` times in the plane of `dims`.
    public func rot90(_ k: Int = 1, dims: [Int] = [0, 1]) throws -> Tensor { try Self.rot90Op.tensor([.tensor(self), .int(k), .ints(dims)]) }
    /// Circularly shifts entries along `dims` (the flattened tensor when `dims` is empty).
    public func roll(shifts: [Int], dims: [Int] = []) throws -> Tensor { try Self.rollOp.tensor([.tensor(self), .ints(shifts), .ints(dims)]) }
    public func roll(_ shift: Int, dim: Int) throws -> Tensor { try roll(shifts: [shift], dims: [dim]) }

    /// Lower triangle (entries with column - row <= `diagonal`), zero elsewhere.
    public func tril(_ diagonal: Int = 0) throws -> Tensor { try Self.trilOp.tensor([.tensor(self), .int(diagonal)]) }
    /// Upper triangle (entries with column - row >= `diagonal`), zero elsewhere.
    public func triu(_ diagonal: Int = 0) throws -> Tensor { try Self.triuOp.tensor([.tensor(self), .int(diagonal)]) }
    /// A 1-D tensor gives a square matrix with it on the `offset` diagonal; a 2-D tensor gives that diagonal.
    public func diag(_ offset: Int = 0) throws -> Tensor { try Self.diagOp.tensor([.tensor(self), .int(offset)]) }
    /// The diagonal of the (dim1, dim2) planes (a view).
    public func diagonal(offset: Int = 0, dim1: Int = 0, dim2: Int = 1) throws -> Tensor {
        try Self.diagonalOp.tensor([.tensor(self), .int(offset), .int(dim1), .int(dim2)])
    }
    /// Puts the last dim on the diagonal of new trailing (n, n) matrices.
    public func diagEmbed(offset: Int = 0) throws -> Tensor { try Self.diagEmbedOp.tensor([.tensor(self), .int(offset)]) }

    /// Coordinate grids from 1-D tensors: `.ij` (matrix, default) or `.xy` (Cartesian) indexing.
    public static func meshgrid(_ tensors: [Tensor], indexing: MeshgridIndexing = .ij) throws -> [Tensor] {
        try meshgridOp.tensors([.tensors(tensors)], named: ["indexing": .string(indexing.rawValue)])
    }
}

/// Axis order of `Tensor.meshgrid`.
public enum MeshgridIndexing: String, Sendable {
    case ij, xy
}
