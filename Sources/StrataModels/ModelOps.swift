import StrataTensor

/// The few ATen operators the architectures call between layers (residual sums, skip concatenation,
/// flattening), looked up once and called through the dispatcher so autograd applies.
enum ModelOps {
    static let addOp = Op("aten::add", "Tensor")
    static let catOp = Op("aten::cat")
    static let flattenOp = Op("aten::flatten", "using_ints")
    static let unsqueezeOp = Op("aten::unsqueeze")
    static let padOp = Op("aten::constant_pad_nd")

    static func add(_ a: Tensor, _ b: Tensor) throws -> Tensor { try addOp.tensor([.tensor(a), .tensor(b)]) }
    /// Concatenates along `dim`.
    static func cat(_ ts: [Tensor], dim: Int) throws -> Tensor { try catOp.tensor([.tensors(ts), .int(dim)]) }
    /// `[N, C, …]` → `[N, C·…]`.
    static func flatten(_ x: Tensor, from start: Int = 1) throws -> Tensor {
        try flattenOp.tensor([.tensor(x), .int(start), -1])
    }
    static func unsqueeze(_ x: Tensor, _ dim: Int) throws -> Tensor { try unsqueezeOp.tensor([.tensor(x), .int(dim)]) }
    /// Zero padding; `amounts` lists (before, after) pairs starting from the last dimension, as `F.pad`.
    static func pad(_ x: Tensor, _ amounts: [Int]) throws -> Tensor {
        try padOp.tensor([.tensor(x), .ints(amounts), 0])
    }
}
