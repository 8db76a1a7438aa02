import CTorch

/// Options for tensor factories.
public struct TensorOptions: Sendable {
    public var dtype: DType
    public var device: Device
    public var requiresGrad: Bool
    public init(dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) {
        self.dtype = dtype
        self.device = device
        self.requiresGrad = requiresGrad
    }
}

extension Tensor {
    private static let zerosOp = Op("aten::zeros")
    private static let onesOp = Op("aten::ones")
    private static let fullOp = Op("aten::full")
    private static let arangeOp = Op("aten::arange", "start_step")
    private static let linspaceOp = Op("aten::linspace")
    private static let eyeOp = Op("aten::eye", "m")
    private static let randOp = Op("aten::rand")
    private static let randnOp = Op("aten::randn")
    private static let randintOp = Op("aten::randint", "low")
    private static let emptyOp = Op("aten::empty", "memory_format")

    static func factory(_ op: Op, _ args: [Arg], _ o: TensorOptions) throws -> Tensor {
        let t = try op.tensor(args, named: ["dtype": .dtype(o.dtype), "device": .device(o.device)])
        if o.requiresGrad { try t.setRequiresGrad(true) }
        return t
    }

    public static func zeros(_ shape: [Int], _ o: TensorOptions = .init()) throws -> Tensor { try factory(zerosOp, [.ints(shape)], o) }
    public static func ones(_ shape: [Int], _ o: TensorOptions = .init()) throws -> Tensor { try factory(onesOp, [.ints(shape)], o) }
    public static func empty(_ shape: [Int], _ o: TensorOptions = .init()) throws -> Tensor { try factory(emptyOp, [.ints(shape)], o) }
    public static func full(_ shape: [Int], _ value: Double, _ o: TensorOptions = .init()) throws -> Tensor {
        try factory(fullOp, [.ints(shape), .double(value)], o)
    }
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, _ o: TensorOptions = .init(dtype: .int64)) throws -> Tensor {
        try factory(arangeOp, [.double(start), .double(end), .double(step)], o)
    }
    public static func arange(_ end: Int, _ o: TensorOptions = .init(dtype: .int64)) throws -> Tensor {
        try factory(arangeOp, [0, .int(end), 1], o)
    }
    public static func linspace(_ start: Double, _ end: Double, steps: Int, _ o: TensorOptions = .init()) throws -> Tensor {
        try factory(linspaceOp, [.double(start), .double(end), .int(steps)], o)
    }
    public static func eye(_ n: Int, _ m: Int? = nil, _ o: TensorOptions = .init()) throws -> Tensor {
        try factory(eyeOp, [.int(n), .int(m ?? n)], o)
    }
    /// Uniform [0, 1).
    public static func rand(_ shape: [Int], _ o: TensorOptions = .init()) throws -> Tensor { try factory(randOp, [.ints(shape)], o) }
    /// Standard normal.
    public static func randn(_ shape: [Int], _ o: TensorOptions = .init()) throws -> Tensor { try factory(randnOp, [.ints(shape)], o) }
    /// Integers uniform in [low, high).
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], _ o: TensorOptions = .init(dtype: .int64)) throws -> Tensor {
        try factory(randintOp, [.int(low), .int(high), .ints(shape)], o)
    }

    /// Copies a Swift array into a new tensor of the given shape (default: 1-D).
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int]? = nil) throws {
        let shape = shape ?? [values.count]
        guard shape.reduce(1, *) == values.count else {
            throw TorchError("Tensor(values:shape:): \(values.count) values do not fill shape \(shape)")
        }
        let dims = shape.map(Int64.init)
        let h = values.withUnsafeBytes { ct_from_blob_copy($0.baseAddress, dims, Int32(dims.count), T.dtype.rawValue) }
        self.init(handle: try check(h))
    }
    /// `Int` arrays become int64 tensors.
    public convenience init(_ values: [Int], shape: [Int]? = nil) throws {
        try self.init(values.map(Int64.init), shape: shape)
    }
    /// `Bool` arrays become bool tensors.
    public convenience init(_ values: [Bool], shape: [Int]? = nil) throws {
        let shape = shape ?? [values.count]
        let dims = shape.map(Int64.init)
        let bytes = values.map { UInt8($0 ? 1 : 0) }
        let h = bytes.withUnsafeBytes { ct_from_blob_copy($0.baseAddress, dims, Int32(dims.count), DType.bool.rawValue) }
        self.init(handle: try check(h))
    }
    /// A 0-d tensor holding one value.
    public convenience init(scalar: Double, dtype: DType = .float32) throws {
        let t = try Tensor.full([], scalar, .init(dtype: dtype))
        self.init(handle: ct_clone_handle(t.handle))
    }

    /// Copies `count` elements of raw memory of `dtype` into a new tensor.
    public static func copying(bytes: UnsafeRawPointer, shape: [Int], dtype: DType) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return Tensor(handle: try check(ct_from_blob_copy(bytes, dims, Int32(dims.count), dtype.rawValue)))
    }

    /// Wraps memory without copying. `owner` is kept alive until libtorch releases the storage (possibly after
    /// this `Tensor` is gone, if views were taken), then released.
    public static func borrowing(bytes: UnsafeMutableRawPointer, shape: [Int], dtype: DType, owner: AnyObject) throws -> Tensor {
        let dims = shape.map(Int64.init)
        let ctx = Unmanaged.passRetained(owner).toOpaque()
        let h = ct_from_blob_borrow(bytes, dims, Int32(dims.count), dtype.rawValue, { ctx in
            if let ctx { Unmanaged<AnyObject>.fromOpaque(ctx).release() }
        }, ctx)
        guard let h else {
            Unmanaged<AnyObject>.fromOpaque(ctx).release()
            throw TorchError.last("Tensor.borrowing")
        }
        return Tensor(handle: h)
    }
}
