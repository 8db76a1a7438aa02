import CTorch

/// One argument of a boxed operator call. Literals work: `1`, `0.5`, `true`, `[2, 2]`.
public enum Arg: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    case tensor(Tensor?)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case ints([Int])
    case doubles([Double])
    case tensors([Tensor])
    case optionalTensors([Tensor?])
    case string(String)
    case device(Device)
    case dtype(DType)
    case memoryFormat(MemoryFormat)
    case none

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Int...) { self = .ints(elements) }
    public init(nilLiteral: ()) { self = .none }

    /// An optional Swift value: `nil` becomes None.
    public static func opt(_ v: Int?) -> Arg { v.map { .int($0) } ?? .none }
    public static func opt(_ v: Double?) -> Arg { v.map { .double($0) } ?? .none }
    public static func opt(_ v: DType?) -> Arg { v.map { .dtype($0) } ?? .none }
    public static func opt(_ v: [Int]?) -> Arg { v.map { .ints($0) } ?? .none }

    func push(_ s: OpaquePointer, _ name: UnsafePointer<CChar>?) {
        switch self {
        case .tensor(let t): ct_push_tensor(s, name, t?.handle)
        case .int(let v): ct_push_int(s, name, Int64(v))
        case .double(let v): ct_push_double(s, name, v)
        case .bool(let v): ct_push_bool(s, name, v ? 1 : 0)
        case .ints(let v): v.map(Int64.init).withUnsafeBufferPointer { ct_push_ints(s, name, $0.baseAddress, Int32($0.count)) }
        case .doubles(let v): v.withUnsafeBufferPointer { ct_push_doubles(s, name, $0.baseAddress, Int32($0.count)) }
        case .tensors(let v):
            let hs: [OpaquePointer?] = v.map { $0.handle }
            hs.withUnsafeBufferPointer { ct_push_tensors(s, name, $0.baseAddress, Int32($0.count)) }
            withExtendedLifetime(v) {}
        case .optionalTensors(let v):
            let hs: [OpaquePointer?] = v.map { $0?.handle }
            hs.withUnsafeBufferPointer { ct_push_opt_tensors(s, name, $0.baseAddress, Int32($0.count)) }
            withExtendedLifetime(v) {}
        case .string(let v): ct_push_string(s, name, v)
        case .device(let d): ct_push_device(s, name, d.typeCode, d.index)
        case .dtype(let d): ct_push_int(s, name, Int64(d.rawValue))
        case .memoryFormat(let m): ct_push_int(s, name, Int64(m.rawValue))
        case .none: ct_push_none(s, name)
        }
    }
}

/// One value an operator returned.
public enum OpResult {
    case tensor(Tensor)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case tensors([Tensor])
    case none

    public var tensor: Tensor? { if case .tensor(let t) = self { t } else { nil } }
}

/// An ATen operator found once by schema name (e.g. `Op("aten::add", "Tensor")`) and called through the
/// dispatcher with a boxed stack. Autograd applies as in PyTorch. Keep instances in `static let`s.
public final class Op: @unchecked Sendable {
    let handle: OpaquePointer
    public let name: String

    public init(_ name: String, _ overload: String = "") {
        self.name = overload.isEmpty ? name : "\(name).\(overload)"
        guard let h = ct_op_find(name, overload) else {
            fatalError("Strata: operator \(self.name) not found in libtorch: \(String(cString: ct_last_error()))")
        }
        handle = h
    }

    /// Calls the operator with positional then named arguments; missing ones take the schema's defaults.
    public func call(_ args: [Arg], named: KeyValuePairs<String, Arg> = [:]) throws -> [OpResult] {
        let s = try check(ct_stack_new(), name)
        defer { ct_stack_free(s) }
        for a in args { a.push(s, nil) }
        for (k, v) in named { k.withCString { v.push(s, $0) } }
        try check(ct_op_call(handle, s))
        let n = ct_result_count(s)
        var out: [OpResult] = []
        out.reserveCapacity(Int(n))
        for i in 0..<n {
            let kind = ct_result_kind(s, i)
            switch kind {
            case Int32(CT_KIND_TENSOR):
                out.append(.tensor(Tensor(handle: try check(ct_result_tensor(s, i), name))))
            case Int32(CT_KIND_INT), Int32(CT_KIND_BOOL):
                var v: Int64 = 0
                try check(ct_result_int(s, i, &v), name)
                out.append(kind == Int32(CT_KIND_BOOL) ? .bool(v != 0) : .int(Int(v)))
            case Int32(CT_KIND_DOUBLE):
                var v = 0.0
                try check(ct_result_double(s, i, &v), name)
                out.append(.double(v))
            case Int32(CT_KIND_TENSOR_LIST):
                let len = ct_result_list_len(s, i)
                guard len >= 0 else { throw TorchError.last(name) }
                out.append(.tensors(try (0..<len).map {
                    Tensor(handle: try check(ct_result_list_tensor(s, i, $0), name))
                }))
            case -1: throw TorchError.last(name)
            default: out.append(.none)
            }
        }
        return out
    }

    /// Calls an operator that returns one tensor.
    public func tensor(_ args: [Arg], named: KeyValuePairs<String, Arg> = [:]) throws -> Tensor {
        let r = try call(args, named: named)
        guard let t = r.first?.tensor else { throw TorchError("\(name) returned no tensor") }
        return t
    }

    /// Calls an operator that returns several tensors (a tuple) or a tensor list.
    public func tensors(_ args: [Arg], named: KeyValuePairs<String, Arg> = [:]) throws -> [Tensor] {
        let r = try call(args, named: named)
        if r.count == 1, case .tensors(let ts) = r[0] { return ts }
        return r.compactMap(\.tensor)
    }
}
