import StrataTensor

/// The few ATen operators the architectures call between layers (residual sums, skip concatenation,
/// flattening), looked up once and called through the dispatcher so autograd applies.
enum ModelOps {
    static let addOp = Op("aten::add", "Tensor")
    static let catOp = Op("aten::cat")
    static let flattenOp = Op("aten::flatten", "using_ints")
    static let unsqueezeOp = Op("aten::unsqueeze")
    static let padOp = Op("aten::constant_pad_nd")
    static let reluInplaceOp = Op("aten::relu_"), addInplaceOp = Op("aten::add_", "Tensor")

    /// ReLU written into `x` (as torchvision's `ReLU(inplace=True)`): saves one allocation per activation. Only
    /// for tensors nothing else reads afterwards and whose producer's backward does not need them (BatchNorm
    /// outputs, residual sums); autograd's version check rejects any misuse.
    static func reluInPlace(_ x: Tensor) throws -> Tensor {
        _ = try reluInplaceOp.call([.tensor(x)])
        return x
    }
    /// `relu(a + b)` computed into `a` (the residual sum `out += identity; relu(out)`).
    static func addReluInPlace(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        _ = try addInplaceOp.call([.tensor(a), .tensor(b)])
        return try reluInPlace(a)
    }

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

/// `nn.ReLU(inplace=True)` for `Sequential`s whose previous layer is a BatchNorm (no parameters, no state).
final class ReLUInPlace: Module {
    override init() { super.init() }
    override func forward(_ x: Tensor) throws -> Tensor { try ModelOps.reluInPlace(x) }
}
