import CTorch

// Elementwise arithmetic with broadcasting, as PyTorch's operators. Every operator throws (a shape mismatch is a
// `TorchError` carrying libtorch's message), so write `try a + b * 2`.
//
// Scalars follow PyTorch's type promotion: an `Int` keeps an integer tensor integral (`t + 1`), a `Double`
// promotes it to the default float type (`t + 0.5`); a float tensor keeps its dtype either way.

extension Tensor {
    private static let addT = Op("aten::add", "Tensor"), addS = Op("aten::add", "Scalar")
    private static let subT = Op("aten::sub", "Tensor"), subS = Op("aten::sub", "Scalar")
    private static let rsubS = Op("aten::rsub", "Scalar")
    private static let mulT = Op("aten::mul", "Tensor"), mulS = Op("aten::mul", "Scalar")
    private static let divT = Op("aten::div", "Tensor"), divS = Op("aten::div", "Scalar")
    private static let divTMode = Op("aten::div", "Tensor_mode"), divSMode = Op("aten::div", "Scalar_mode")
    private static let negOp = Op("aten::neg")
    private static let powTT = Op("aten::pow", "Tensor_Tensor"), powTS = Op("aten::pow", "Tensor_Scalar")
    private static let powST = Op("aten::pow", "Scalar")
    private static let remT = Op("aten::remainder", "Tensor"), remS = Op("aten::remainder", "Scalar")
    private static let remST = Op("aten::remainder", "Scalar_Tensor")
    private static let fmodT = Op("aten::fmod", "Tensor"), fmodS = Op("aten::fmod", "Scalar")
    private static let floorDivT = Op("aten::floor_divide"), floorDivS = Op("aten::floor_divide", "Scalar")
    private static let addI = Op("aten::add_", "Tensor"), addIS = Op("aten::add_", "Scalar")
    private static let subI = Op("aten::sub_", "Tensor"), subIS = Op("aten::sub_", "Scalar")
    private static let mulI = Op("aten::mul_", "Tensor"), mulIS = Op("aten::mul_", "Scalar")
    private static let divI = Op("aten::div_", "Tensor"), divIS = Op("aten::div_", "Scalar")
    private static let fillS = Op("aten::fill_", "Scalar"), fillT = Op("aten::fill_", "Tensor")
    private static let zeroI = Op("aten::zero_")
    private static let clampS = Op("aten::clamp"), clampT = Op("aten::clamp", "Tensor")
    private static let clampI = Op("aten::clamp_")
    private static let addcmulOp = Op("aten::addcmul"), addcdivOp = Op("aten::addcdiv")
    private static let lerpS = Op("aten::lerp", "Scalar"), lerpT = Op("aten::lerp", "Tensor")

    // MARK: binary operations (methods)

    /// `self + alpha * other` (broadcasting).
    public func add(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        alpha == 1 ? try Self.addT.tensor([.tensor(self), .tensor(other)])
            : try Self.addT.tensor([.tensor(self), .tensor(other)], named: ["alpha": .double(alpha)])
    }
    /// `self - alpha * other` (broadcasting).
    public func sub(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        alpha == 1 ? try Self.subT.tensor([.tensor(self), .tensor(other)])
            : try Self.subT.tensor([.tensor(self), .tensor(other)], named: ["alpha": .double(alpha)])
    }
    public func mul(_ other: Tensor) throws -> Tensor { try Self.mulT.tensor([.tensor(self), .tensor(other)]) }
    /// True division (always floating point).
    public func div(_ other: Tensor) throws -> Tensor { try Self.divT.tensor([.tensor(self), .tensor(other)]) }
    /// Division with rounding: `.trunc` (towards zero) or `.floor` (Python's `//`).
    public func div(_ other: Tensor, rounding: RoundingMode) throws -> Tensor {
        try Self.divTMode.tensor([.tensor(self), .tensor(other)], named: ["rounding_mode": .string(rounding.rawValue)])
    }
    public func div(_ other: Double, rounding: RoundingMode) throws -> Tensor {
        try Self.divSMode.tensor([.tensor(self), .double(other)], named: ["rounding_mode": .string(rounding.rawValue)])
    }
    /// Floor division (Python's `//`).
    public func floorDivide(_ other: Tensor) throws -> Tensor { try Self.floorDivT.tensor([.tensor(self), .tensor(other)]) }
    public func floorDivide(_ other: Double) throws -> Tensor { try Self.floorDivS.tensor([.tensor(self), .double(other)]) }
    /// Python's `%`: the result has the sign of the divisor.
    public func remainder(_ other: Tensor) throws -> Tensor { try Self.remT.tensor([.tensor(self), .tensor(other)]) }
    public func remainder(_ other: Double) throws -> Tensor { try Self.remS.tensor([.tensor(self), .double(other)]) }
    /// C's `fmod`: the result has the sign of the dividend.
    public func fmod(_ other: Tensor) throws -> Tensor { try Self.fmodT.tensor([.tensor(self), .tensor(other)]) }
    public func fmod(_ other: Double) throws -> Tensor { try Self.fmodS.tensor([.tensor(self), .double(other)]) }
    public func pow(_ exponent: Tensor) throws -> Tensor { try Self.powTT.tensor([.tensor(self), .tensor(exponent)]) }
    public func pow(_ exponent: Double) throws -> Tensor { try Self.powTS.tensor([.tensor(self), .double(exponent)]) }
    /// `base ** exponent` for a scalar base.
    public static func pow(_ base: Double, _ exponent: Tensor) throws -> Tensor { try powST.tensor([.double(base), .tensor(exponent)]) }
    public func neg() throws -> Tensor { try Self.negOp.tensor([.tensor(self)]) }
    /// `self + value * t1 * t2`.
    public func addcmul(_ t1: Tensor, _ t2: Tensor, value: Double = 1) throws -> Tensor {
        try Self.addcmulOp.tensor([.tensor(self), .tensor(t1), .tensor(t2)], named: ["value": .double(value)])
    }
    /// `self + value * t1 / t2`.
    public func addcdiv(_ t1: Tensor, _ t2: Tensor, value: Double = 1) throws -> Tensor {
        try Self.addcdivOp.tensor([.tensor(self), .tensor(t1), .tensor(t2)], named: ["value": .double(value)])
    }
    /// `self + weight * (end - self)`.
    public func lerp(_ end: Tensor, weight: Double) throws -> Tensor { try Self.lerpS.tensor([.tensor(self), .tensor(end), .double(weight)]) }
    public func lerp(_ end: Tensor, weight: Tensor) throws -> Tensor { try Self.lerpT.tensor([.tensor(self), .tensor(end), .tensor(weight)]) }

    /// Limits values to `[min, max]` (either bound optional).
    public func clamp(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        try Self.clampS.tensor([.tensor(self), .opt(min), .opt(max)])
    }
    /// Limits values elementwise to tensor bounds (broadcasting).
    public func clamp(min: Tensor?, max: Tensor?) throws -> Tensor {
        try Self.clampT.tensor([.tensor(self), .tensor(min), .tensor(max)])
    }

    // MARK: operators

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try addT.tensor([.tensor(a), .tensor(b)]) }
    public static func + (a: Tensor, b: Double) throws -> Tensor { try addS.tensor([.tensor(a), .double(b)]) }
    public static func + (a: Tensor, b: Int) throws -> Tensor { try addS.tensor([.tensor(a), .int(b)]) }
    public static func + (a: Double, b: Tensor) throws -> Tensor { try addS.tensor([.tensor(b), .double(a)]) }
    public static func + (a: Int, b: Tensor) throws -> Tensor { try addS.tensor([.tensor(b), .int(a)]) }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try subT.tensor([.tensor(a), .tensor(b)]) }
    public static func - (a: Tensor, b: Double) throws -> Tensor { try subS.tensor([.tensor(a), .double(b)]) }
    public static func - (a: Tensor, b: Int) throws -> Tensor { try subS.tensor([.tensor(a), .int(b)]) }
    public static func - (a: Double, b: Tensor) throws -> Tensor { try rsubS.tensor([.tensor(b), .double(a)]) }
    public static func - (a: Int, b: Tensor) throws -> Tensor { try rsubS.tensor([.tensor(b), .int(a)]) }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try mulT.tensor([.tensor(a), .tensor(b)]) }
    public static func * (a: Tensor, b: Double) throws -> Tensor { try mulS.tensor([.tensor(a), .double(b)]) }
    public static func * (a: Tensor, b: Int) throws -> Tensor { try mulS.tensor([.tensor(a), .int(b)]) }
    public static func * (a: Double, b: Tensor) throws -> Tensor { try mulS.tensor([.tensor(b), .double(a)]) }
    public static func * (a: Int, b: Tensor) throws -> Tensor { try mulS.tensor([.tensor(b), .int(a)]) }

    /// True division (integer tensors give floats, as in Python 3).
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try divT.tensor([.tensor(a), .tensor(b)]) }
    public static func / (a: Tensor, b: Double) throws -> Tensor { try divS.tensor([.tensor(a), .double(b)]) }
    public static func / (a: Tensor, b: Int) throws -> Tensor { try divS.tensor([.tensor(a), .int(b)]) }
    /// `a / t`, computed as PyTorch does: `t.reciprocal() * a`.
    public static func / (a: Double, b: Tensor) throws -> Tensor { try b.reciprocal() * a }
    public static func / (a: Int, b: Tensor) throws -> Tensor { try b.reciprocal() * a }

    /// Python's `%` (sign of the divisor).
    public static func % (a: Tensor, b: Tensor) throws -> Tensor { try remT.tensor([.tensor(a), .tensor(b)]) }
    public static func % (a: Tensor, b: Double) throws -> Tensor { try remS.tensor([.tensor(a), .double(b)]) }
    public static func % (a: Tensor, b: Int) throws -> Tensor { try remS.tensor([.tensor(a), .int(b)]) }
    public static func % (a: Double, b: Tensor) throws -> Tensor { try remST.tensor([.double(a), .tensor(b)]) }

    public static prefix func - (a: Tensor) throws -> Tensor { try negOp.tensor([.tensor(a)]) }

    // MARK: in place (return `self`)

    /// In place `self += alpha * other`. Not allowed on a leaf that requires grad (outside `Torch.noGrad`).
    @discardableResult public func add_(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        _ = try Self.addI.call([.tensor(self), .tensor(other)], named: ["alpha": .double(alpha)]); return self
    }
    @discardableResult public func add_(_ other: Double) throws -> Tensor { _ = try Self.addIS.call([.tensor(self), .double(other)]); return self }
    @discardableResult public func sub_(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        _ = try Self.subI.call([.tensor(self), .tensor(other)], named: ["alpha": .double(alpha)]); return self
    }
    @discardableResult public func sub_(_ other: Double) throws -> Tensor { _ = try Self.subIS.call([.tensor(self), .double(other)]); return self }
    @discardableResult public func mul_(_ other: Tensor) throws -> Tensor { _ = try Self.mulI.call([.tensor(self), .tensor(other)]); return self }
    @discardableResult public func mul_(_ other: Double) throws -> Tensor { _ = try Self.mulIS.call([.tensor(self), .double(other)]); return self }
    @discardableResult public func div_(_ other: Tensor) throws -> Tensor { _ = try Self.divI.call([.tensor(self), .tensor(other)]); return self }
    @discardableResult public func div_(_ other: Double) throws -> Tensor { _ = try Self.divIS.call([.tensor(self), .double(other)]); return self }
    @discardableResult public func clamp_(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        _ = try Self.clampI.call([.tensor(self), .opt(min), .opt(max)]); return self
    }
    /// Sets every element to `value`.
    @discardableResult public func fill_(_ value: Double) throws -> Tensor { _ = try Self.fillS.call([.tensor(self), .double(value)]); return self }
    /// Sets every element to the value of a 0-d tensor.
    @discardableResult public func fill_(_ value: Tensor) throws -> Tensor { _ = try Self.fillT.call([.tensor(self), .tensor(value)]); return self }
    @discardableResult public func zero_() throws -> Tensor { _ = try Self.zeroI.call([.tensor(self)]); return self }
    /// Copies `src` (broadcast, converted) into this tensor's storage without recording autograd history.
    @discardableResult public func copy_(_ src: Tensor) throws -> Tensor { try check(ct_copy_(handle, src.handle)); return self }
}

/// How `div(_:rounding:)` rounds the quotient.
public enum RoundingMode: String, Sendable {
    case trunc, floor
}
