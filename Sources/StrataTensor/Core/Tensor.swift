import CTorch

/// An n-dimensional array owned by libtorch. ARC frees the underlying `at::Tensor` handle in `deinit`; views and
/// gradients are separate handles sharing storage (libtorch refcounts the storage atomically, so a `Tensor` may be
/// released on any thread). Mutating the same tensor from two threads at once needs external serialisation.
public final class Tensor: @unchecked Sendable {
    public let handle: OpaquePointer

    /// Takes ownership of a shim handle.
    public init(handle: OpaquePointer) { self.handle = handle }
    deinit { ct_free(handle) }

    // MARK: metadata

    public var rank: Int { Int(ct_dim(handle)) }
    public var shape: [Int] {
        var s = [Int64](repeating: 0, count: rank)
        _ = ct_sizes(handle, &s)
        return s.map(Int.init)
    }
    public var strides: [Int] {
        var s = [Int64](repeating: 0, count: rank)
        _ = ct_strides(handle, &s)
        return s.map(Int.init)
    }
    public var count: Int { Int(ct_numel(handle)) }
    public var dtype: DType { DType(rawValue: ct_dtype(handle)) ?? .float32 }
    public var device: Device {
        var type: Int32 = 0, index: Int32 = 0
        _ = ct_device(handle, &type, &index)
        return Device(type: type, index: index)
    }
    public func isContiguous(_ format: MemoryFormat = .contiguous) -> Bool { ct_is_contiguous(handle, format.rawValue) == 1 }
    public var isDefined: Bool { ct_defined(handle) == 1 }
    public func size(_ dim: Int) -> Int { let s = shape; return s[dim < 0 ? dim + s.count : dim] }

    // MARK: data out

    /// Copies the elements (any dtype/device) out as `T`, converting the dtype first when it differs.
    public func toArray<T: TensorScalar>(_: T.Type = T.self) throws -> [T] {
        let src = dtype == T.dtype ? self : try to(T.dtype)
        var out = [T](repeating: T.zero, count: src.count)
        try out.withUnsafeMutableBytes { try check(ct_copy_to(src.handle, $0.baseAddress!, $0.count)) }
        return out
    }
    public func floats() throws -> [Float] { try toArray(Float.self) }
    public func ints() throws -> [Int] { try toArray(Int64.self).map(Int.init) }
    public func doubles() throws -> [Double] { try toArray(Double.self) }

    /// The value of a one-element tensor.
    public func item() throws -> Double {
        var v = 0.0
        try check(ct_item_double(handle, &v))
        return v
    }
    public func itemInt() throws -> Int {
        var v: Int64 = 0
        try check(ct_item_int(handle, &v))
        return Int(v)
    }
    public func itemFloat() throws -> Float { Float(try item()) }

    /// Raw pointer to CPU data (nil on other devices). Valid while `self` is alive and not resized.
    public var dataPointer: UnsafeMutableRawPointer? { ct_data_ptr(handle) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        guard let s = ct_to_string(handle) else { return "Tensor(<\(TorchError.last())>)" }
        defer { ct_free_string(s) }
        return String(cString: s)
    }
}

/// Swift scalar types that map onto a `DType`.
public protocol TensorScalar: Numeric, Sendable {
    static var dtype: DType { get }
}
extension Float: TensorScalar { public static var dtype: DType { .float32 } }
extension Double: TensorScalar { public static var dtype: DType { .float64 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension Int16: TensorScalar { public static var dtype: DType { .int16 } }
extension UInt8: TensorScalar { public static var dtype: DType { .uint8 } }
extension Int8: TensorScalar { public static var dtype: DType { .int8 } }
#if arch(arm64)
extension Float16: TensorScalar { public static var dtype: DType { .float16 } }
#endif
