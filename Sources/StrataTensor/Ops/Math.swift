// Elementwise math functions (differentiable where PyTorch's are) and NaN/Inf helpers.

extension Tensor {
    private static let expOp = Op("aten::exp"), exp2Op = Op("aten::exp2"), expm1Op = Op("aten::expm1")
    private static let logOp = Op("aten::log"), log2Op = Op("aten::log2"), log10Op = Op("aten::log10")
    private static let log1pOp = Op("aten::log1p")
    private static let sqrtOp = Op("aten::sqrt"), rsqrtOp = Op("aten::rsqrt"), squareOp = Op("aten::square")
    private static let absOp = Op("aten::abs"), signOp = Op("aten::sign"), reciprocalOp = Op("aten::reciprocal")
    private static let sinOp = Op("aten::sin"), cosOp = Op("aten::cos"), tanOp = Op("aten::tan")
    private static let asinOp = Op("aten::asin"), acosOp = Op("aten::acos"), atanOp = Op("aten::atan")
    private static let atan2Op = Op("aten::atan2"), sinhOp = Op("aten::sinh"), coshOp = Op("aten::cosh")
    private static let floorOp = Op("aten::floor"), ceilOp = Op("aten::ceil"), truncOp = Op("aten::trunc")
    private static let roundOp = Op("aten::round"), roundDecOp = Op("aten::round", "decimals"), fracOp = Op("aten::frac")
    private static let erfOp = Op("aten::erf"), erfinvOp = Op("aten::erfinv"), hypotOp = Op("aten::hypot")
    private static let logaddexpOp = Op("aten::logaddexp")
    private static let maximumOp = Op("aten::maximum"), minimumOp = Op("aten::minimum")
    private static let isnanOp = Op("aten::isnan"), isinfOp = Op("aten::isinf"), isfiniteOp = Op("aten::isfinite")
    private static let nanToNumOp = Op("aten::nan_to_num")

    private func unary(_ op: Op) throws -> Tensor { try op.tensor([.tensor(self)]) }

    public func exp() throws -> Tensor { try unary(Self.expOp) }
    /// `2 ** x`.
    public func exp2() throws -> Tensor { try unary(Self.exp2Op) }
    /// `exp(x) - 1`, accurate near zero.
    public func expm1() throws -> Tensor { try unary(Self.expm1Op) }
    /// Natural logarithm.
    public func log() throws -> Tensor { try unary(Self.logOp) }
    public func log2() throws -> Tensor { try unary(Self.log2Op) }
    public func log10() throws -> Tensor { try unary(Self.log10Op) }
    /// `log(1 + x)`, accurate near zero.
    public func log1p() throws -> Tensor { try unary(Self.log1pOp) }
    public func sqrt() throws -> Tensor { try unary(Self.sqrtOp) }
    /// `1 / sqrt(x)`.
    public func rsqrt() throws -> Tensor { try unary(Self.rsqrtOp) }
    public func square() throws -> Tensor { try unary(Self.squareOp) }
    public func abs() throws -> Tensor { try unary(Self.absOp) }
    /// -1, 0 or 1 by sign.
    public func sign() throws -> Tensor { try unary(Self.signOp) }
    public func reciprocal() throws -> Tensor { try unary(Self.reciprocalOp) }
    public func sin() throws -> Tensor { try unary(Self.sinOp) }
    public func cos() throws -> Tensor { try unary(Self.cosOp) }
    public func tan() throws -> Tensor { try unary(Self.tanOp) }
    public func asin() throws -> Tensor { try unary(Self.asinOp) }
    public func acos() throws -> Tensor { try unary(Self.acosOp) }
    public func atan() throws -> Tensor { try unary(Self.atanOp) }
    /// Quadrant-aware `atan(self / other)`.
    public func atan2(_ other: Tensor) throws -> Tensor { try Self.atan2Op.tensor([.tensor(self), .tensor(other)]) }
    public func sinh() throws -> Tensor { try unary(Self.sinhOp) }
    public func cosh() throws -> Tensor { try unary(Self.coshOp) }
    public func floor() throws -> Tensor { try unary(Self.floorOp) }
    public func ceil() throws -> Tensor { try unary(Self.ceilOp) }
    /// Rounds towards zero.
    public func trunc() throws -> Tensor { try unary(Self.truncOp) }
    /// Rounds half to even (as PyTorch), optionally to `decimals` places.
    public func round(decimals: Int = 0) throws -> Tensor {
        decimals == 0 ? try unary(Self.roundOp) : try Self.roundDecOp.tensor([.tensor(self)], named: ["decimals": .int(decimals)])
    }
    /// The fractional part, `x - trunc(x)`.
    public func frac() throws -> Tensor { try unary(Self.fracOp) }
    public func erf() throws -> Tensor { try unary(Self.erfOp) }
    public func erfinv() throws -> Tensor { try unary(Self.erfinvOp) }
    /// `sqrt(self² + other²)`.
    public func hypot(_ other: Tensor) throws -> Tensor { try Self.hypotOp.tensor([.tensor(self), .tensor(other)]) }
    /// `log(exp(self) + exp(other))`, computed stably.
    public func logaddexp(_ other: Tensor) throws -> Tensor { try Self.logaddexpOp.tensor([.tensor(self), .tensor(other)]) }
    /// Elementwise maximum (broadcasting; NaN propagates).
    public func maximum(_ other: Tensor) throws -> Tensor { try Self.maximumOp.tensor([.tensor(self), .tensor(other)]) }
    /// Elementwise minimum (broadcasting; NaN propagates).
    public func minimum(_ other: Tensor) throws -> Tensor { try Self.minimumOp.tensor([.tensor(self), .tensor(other)]) }

    /// Bool tensor: true where the value is NaN.
    public func isnan() throws -> Tensor { try unary(Self.isnanOp) }
    /// Bool tensor: true where the value is ±infinity.
    public func isinf() throws -> Tensor { try unary(Self.isinfOp) }
    /// Bool tensor: true where the value is neither NaN nor infinite.
    public func isfinite() throws -> Tensor { try unary(Self.isfiniteOp) }
    /// Replaces NaN with `nan` and ±infinity with `posinf`/`neginf` (default: the dtype's largest/smallest value).
    public func nanToNum(nan: Double = 0, posinf: Double? = nil, neginf: Double? = nil) throws -> Tensor {
        try Self.nanToNumOp.tensor([.tensor(self), .double(nan), .opt(posinf), .opt(neginf)])
    }
}
