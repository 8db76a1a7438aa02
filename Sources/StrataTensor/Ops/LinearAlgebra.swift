// Matrix products, einsum and small linear-algebra helpers.

extension Tensor {
    private static let matmulOp = Op("aten::matmul"), mmOp = Op("aten::mm"), bmmOp = Op("aten::bmm")
    private static let einsumOp = Op("aten::einsum"), outerOp = Op("aten::outer"), dotOp = Op("aten::dot")
    private static let mvOp = Op("aten::mv"), addmmOp = Op("aten::addmm"), baddbmmOp = Op("aten::baddbmm")
    private static let tensordotOp = Op("aten::tensordot"), kronOp = Op("aten::kron"), crossOp = Op("aten::linalg_cross")
    private static let invOp = Op("aten::linalg_inv"), detOp = Op("aten::linalg_det"), traceOp = Op("aten::trace")
    private static let solveOp = Op("aten::linalg_solve"), choleskyOp = Op("aten::linalg_cholesky")
    private static let pinvOp = Op("aten::linalg_pinv", "atol_rtol_float")

    /// Matrix product with NumPy semantics: 1-D vectors are promoted, batch dims broadcast.
    public func matmul(_ other: Tensor) throws -> Tensor { try Self.matmulOp.tensor([.tensor(self), .tensor(other)]) }
    /// 2-D matrix product (no broadcasting).
    public func mm(_ other: Tensor) throws -> Tensor { try Self.mmOp.tensor([.tensor(self), .tensor(other)]) }
    /// Batched matrix product of (B, n, m) and (B, m, p).
    public func bmm(_ other: Tensor) throws -> Tensor { try Self.bmmOp.tensor([.tensor(self), .tensor(other)]) }
    /// Matrix-vector product.
    public func mv(_ vector: Tensor) throws -> Tensor { try Self.mvOp.tensor([.tensor(self), .tensor(vector)]) }
    /// Outer product of two vectors.
    public func outer(_ other: Tensor) throws -> Tensor { try Self.outerOp.tensor([.tensor(self), .tensor(other)]) }
    /// Inner product of two 1-D vectors.
    public func dot(_ other: Tensor) throws -> Tensor { try Self.dotOp.tensor([.tensor(self), .tensor(other)]) }
    /// `beta * self + alpha * (m1 @ m2)`.
    public func addmm(_ m1: Tensor, _ m2: Tensor, beta: Double = 1, alpha: Double = 1) throws -> Tensor {
        try Self.addmmOp.tensor([.tensor(self), .tensor(m1), .tensor(m2)], named: ["beta": .double(beta), "alpha": .double(alpha)])
    }
    /// `beta * self + alpha * bmm(b1, b2)`.
    public func baddbmm(_ b1: Tensor, _ b2: Tensor, beta: Double = 1, alpha: Double = 1) throws -> Tensor {
        try Self.baddbmmOp.tensor([.tensor(self), .tensor(b1), .tensor(b2)], named: ["beta": .double(beta), "alpha": .double(alpha)])
    }
    /// Contracts `dimsA` of `self` with `dimsB` of `other`.
    public func tensordot(_ other: Tensor, dimsA: [Int], dimsB: [Int]) throws -> Tensor {
        try Self.tensordotOp.tensor([.tensor(self), .tensor(other), .ints(dimsA), .ints(dimsB)])
    }
    /// Kronecker product.
    public func kron(_ other: Tensor) throws -> Tensor { try Self.kronOp.tensor([.tensor(self), .tensor(other)]) }
    /// Cross product of 3-vectors along `dim`.
    public func cross(_ other: Tensor, dim: Int = -1) throws -> Tensor { try Self.crossOp.tensor([.tensor(self), .tensor(other), .int(dim)]) }
    /// Matrix inverse (batched over leading dims).
    public func inverse() throws -> Tensor { try Self.invOp.tensor([.tensor(self)]) }
    /// Moore–Penrose pseudo-inverse (batched).
    public func pinverse() throws -> Tensor { try Self.pinvOp.tensor([.tensor(self)]) }
    /// Determinant (batched).
    public func det() throws -> Tensor { try Self.detOp.tensor([.tensor(self)]) }
    /// Sum of the main diagonal of a 2-D tensor.
    public func trace() throws -> Tensor { try Self.traceOp.tensor([.tensor(self)]) }
    /// Solves `self @ X = b` for X (batched).
    public func solve(_ b: Tensor) throws -> Tensor { try Self.solveOp.tensor([.tensor(self), .tensor(b)]) }
    /// Lower Cholesky factor of a symmetric positive-definite matrix (batched).
    public func cholesky() throws -> Tensor { try Self.choleskyOp.tensor([.tensor(self)]) }

    /// Einstein summation, e.g. `Tensor.einsum("bij,bjk->bik", a, b)`.
    public static func einsum(_ equation: String, _ operands: Tensor...) throws -> Tensor { try einsum(equation, operands) }
    public static func einsum(_ equation: String, _ operands: [Tensor]) throws -> Tensor {
        try einsumOp.tensor([.string(equation), .tensors(operands)])
    }
}
