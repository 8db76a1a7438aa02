// Comparisons (bool tensors), logical operations, selection by condition, closeness checks.

extension Tensor {
    private static let eqT = Op("aten::eq", "Tensor"), eqS = Op("aten::eq", "Scalar")
    private static let neT = Op("aten::ne", "Tensor"), neS = Op("aten::ne", "Scalar")
    private static let ltT = Op("aten::lt", "Tensor"), ltS = Op("aten::lt", "Scalar")
    private static let leT = Op("aten::le", "Tensor"), leS = Op("aten::le", "Scalar")
    private static let gtT = Op("aten::gt", "Tensor"), gtS = Op("aten::gt", "Scalar")
    private static let geT = Op("aten::ge", "Tensor"), geS = Op("aten::ge", "Scalar")
    private static let andOp = Op("aten::logical_and"), orOp = Op("aten::logical_or")
    private static let xorOp = Op("aten::logical_xor"), notOp = Op("aten::logical_not")
    private static let whereTT = Op("aten::where", "self"), whereTS = Op("aten::where", "ScalarOther")
    private static let whereST = Op("aten::where", "ScalarSelf"), whereSS = Op("aten::where", "Scalar")
    private static let allcloseOp = Op("aten::allclose"), iscloseOp = Op("aten::isclose"), equalOp = Op("aten::equal")

    /// Bool tensor `self == other` (broadcasting).
    public func eq(_ other: Tensor) throws -> Tensor { try Self.eqT.tensor([.tensor(self), .tensor(other)]) }
    public func eq(_ other: Double) throws -> Tensor { try Self.eqS.tensor([.tensor(self), .double(other)]) }
    /// Bool tensor `self != other`.
    public func ne(_ other: Tensor) throws -> Tensor { try Self.neT.tensor([.tensor(self), .tensor(other)]) }
    public func ne(_ other: Double) throws -> Tensor { try Self.neS.tensor([.tensor(self), .double(other)]) }
    /// Bool tensor `self < other`.
    public func lt(_ other: Tensor) throws -> Tensor { try Self.ltT.tensor([.tensor(self), .tensor(other)]) }
    public func lt(_ other: Double) throws -> Tensor { try Self.ltS.tensor([.tensor(self), .double(other)]) }
    /// Bool tensor `self <= other`.
    public func le(_ other: Tensor) throws -> Tensor { try Self.leT.tensor([.tensor(self), .tensor(other)]) }
    public func le(_ other: Double) throws -> Tensor { try Self.leS.tensor([.tensor(self), .double(other)]) }
    /// Bool tensor `self > other`.
    public func gt(_ other: Tensor) throws -> Tensor { try Self.gtT.tensor([.tensor(self), .tensor(other)]) }
    public func gt(_ other: Double) throws -> Tensor { try Self.gtS.tensor([.tensor(self), .double(other)]) }
    /// Bool tensor `self >= other`.
    public func ge(_ other: Tensor) throws -> Tensor { try Self.geT.tensor([.tensor(self), .tensor(other)]) }
    public func ge(_ other: Double) throws -> Tensor { try Self.geS.tensor([.tensor(self), .double(other)]) }

    public static func .== (a: Tensor, b: Tensor) throws -> Tensor { try a.eq(b) }
    public static func .== (a: Tensor, b: Double) throws -> Tensor { try a.eq(b) }
    public static func .!= (a: Tensor, b: Tensor) throws -> Tensor { try a.ne(b) }
    public static func .!= (a: Tensor, b: Double) throws -> Tensor { try a.ne(b) }
    public static func .< (a: Tensor, b: Tensor) throws -> Tensor { try a.lt(b) }
    public static func .< (a: Tensor, b: Double) throws -> Tensor { try a.lt(b) }
    public static func .<= (a: Tensor, b: Tensor) throws -> Tensor { try a.le(b) }
    public static func .<= (a: Tensor, b: Double) throws -> Tensor { try a.le(b) }
    public static func .> (a: Tensor, b: Tensor) throws -> Tensor { try a.gt(b) }
    public static func .> (a: Tensor, b: Double) throws -> Tensor { try a.gt(b) }
    public static func .>= (a: Tensor, b: Tensor) throws -> Tensor { try a.ge(b) }
    public static func .>= (a: Tensor, b: Double) throws -> Tensor { try a.ge(b) }

    /// Elementwise logical and (nonzero is true); bool result.
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try Self.andOp.tensor([.tensor(self), .tensor(other)]) }
    public func logicalOr(_ other: Tensor) throws -> Tensor { try Self.orOp.tensor([.tensor(self), .tensor(other)]) }
    public func logicalXor(_ other: Tensor) throws -> Tensor { try Self.xorOp.tensor([.tensor(self), .tensor(other)]) }
    public func logicalNot() throws -> Tensor { try Self.notOp.tensor([.tensor(self)]) }
    public static func .& (a: Tensor, b: Tensor) throws -> Tensor { try a.logicalAnd(b) }
    public static func .| (a: Tensor, b: Tensor) throws -> Tensor { try a.logicalOr(b) }
    public static func .^ (a: Tensor, b: Tensor) throws -> Tensor { try a.logicalXor(b) }
    public static prefix func .! (a: Tensor) throws -> Tensor { try a.logicalNot() }

    /// Picks `a` where `condition` is true, else `b` (all three broadcast).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try whereTT.tensor([.tensor(condition), .tensor(a), .tensor(b)])
    }
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Double) throws -> Tensor {
        try whereTS.tensor([.tensor(condition), .tensor(a), .double(b)])
    }
    public static func `where`(_ condition: Tensor, _ a: Double, _ b: Tensor) throws -> Tensor {
        try whereST.tensor([.tensor(condition), .double(a), .tensor(b)])
    }
    public static func `where`(_ condition: Tensor, _ a: Double, _ b: Double) throws -> Tensor {
        try whereSS.tensor([.tensor(condition), .double(a), .double(b)])
    }

    /// True when `|self - other| <= atol + rtol * |other|` everywhere (broadcasting), as `torch.allclose`.
    public func allClose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) throws -> Bool {
        let r = try Self.allcloseOp.call([.tensor(self), .tensor(other), .double(rtol), .double(atol), .bool(equalNan)])
        guard case .bool(let b)? = r.first else { throw TorchError("aten::allclose returned no bool") }
        return b
    }
    /// Bool tensor of `|self - other| <= atol + rtol * |other|`.
    public func isClose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) throws -> Tensor {
        try Self.iscloseOp.tensor([.tensor(self), .tensor(other), .double(rtol), .double(atol), .bool(equalNan)])
    }
    /// True when both tensors have the same shape and exactly equal elements.
    public func equal(_ other: Tensor) throws -> Bool {
        let r = try Self.equalOp.call([.tensor(self), .tensor(other)])
        guard case .bool(let b)? = r.first else { throw TorchError("aten::equal returned no bool") }
        return b
    }
}
