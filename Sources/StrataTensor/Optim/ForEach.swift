/// `torch._foreach_*` calls: one dispatcher call applies an element-wise update to a whole list of tensors.
enum ForEach {
    static let addScalar_ = Op("aten::_foreach_add_", "Scalar"), addList_ = Op("aten::_foreach_add_", "List")
    static let addList = Op("aten::_foreach_add", "List")
    static let mulScalar_ = Op("aten::_foreach_mul_", "Scalar"), mulTensor_ = Op("aten::_foreach_mul_", "Tensor")
    static let divScalar_ = Op("aten::_foreach_div_", "Scalar")
    static let lerpScalar_ = Op("aten::_foreach_lerp_", "Scalar")
    static let addcmul_ = Op("aten::_foreach_addcmul_", "Scalar"), addcmul = Op("aten::_foreach_addcmul", "Scalar")
    static let addcdiv_ = Op("aten::_foreach_addcdiv_", "Scalar")
    static let sqrt = Op("aten::_foreach_sqrt"), sqrt_ = Op("aten::_foreach_sqrt_"), neg = Op("aten::_foreach_neg")
    static let norm = Op("aten::_foreach_norm", "Scalar")
    static let clampMin_ = Op("aten::_foreach_clamp_min_", "Scalar"), clampMax_ = Op("aten::_foreach_clamp_max_", "Scalar")
    static let zero_ = Op("aten::_foreach_zero_")

    static func add_(_ xs: [Tensor], _ s: Double) throws { _ = try addScalar_.call([.tensors(xs), .double(s)]) }
    static func add_(_ xs: [Tensor], _ ys: [Tensor], alpha: Double = 1) throws {
        _ = try addList_.call([.tensors(xs), .tensors(ys)], named: ["alpha": .double(alpha)])
    }
    static func add(_ xs: [Tensor], _ ys: [Tensor], alpha: Double = 1) throws -> [Tensor] {
        try addList.tensors([.tensors(xs), .tensors(ys)], named: ["alpha": .double(alpha)])
    }
    static func mul_(_ xs: [Tensor], _ s: Double) throws { _ = try mulScalar_.call([.tensors(xs), .double(s)]) }
    static func mul_(_ xs: [Tensor], _ t: Tensor) throws { _ = try mulTensor_.call([.tensors(xs), .tensor(t)]) }
    static func div_(_ xs: [Tensor], _ s: Double) throws { _ = try divScalar_.call([.tensors(xs), .double(s)]) }
    static func lerp_(_ xs: [Tensor], _ ys: [Tensor], _ w: Double) throws {
        _ = try lerpScalar_.call([.tensors(xs), .tensors(ys), .double(w)])
    }
    static func addcmul_(_ xs: [Tensor], _ a: [Tensor], _ b: [Tensor], value: Double) throws {
        _ = try addcmul_.call([.tensors(xs), .tensors(a), .tensors(b), .double(value)])
    }
    static func addcmul(_ xs: [Tensor], _ a: [Tensor], _ b: [Tensor], value: Double) throws -> [Tensor] {
        try addcmul.tensors([.tensors(xs), .tensors(a), .tensors(b), .double(value)])
    }
    static func addcdiv_(_ xs: [Tensor], _ a: [Tensor], _ b: [Tensor], value: Double) throws {
        _ = try addcdiv_.call([.tensors(xs), .tensors(a), .tensors(b), .double(value)])
    }
    static func sqrt(_ xs: [Tensor]) throws -> [Tensor] { try sqrt.tensors([.tensors(xs)]) }
    static func sqrt_(_ xs: [Tensor]) throws { _ = try sqrt_.call([.tensors(xs)]) }
    static func neg(_ xs: [Tensor]) throws -> [Tensor] { try neg.tensors([.tensors(xs)]) }
    static func norm(_ xs: [Tensor], _ ord: Double) throws -> [Tensor] { try norm.tensors([.tensors(xs), .double(ord)]) }
}
