import CTorch

extension Tensor {
    private static let toDtypeOp = Op("aten::to", "dtype")
    private static let toDeviceOp = Op("aten::to", "device")
    private static let contiguousOp = Op("aten::contiguous")
    private static let cloneOp = Op("aten::clone")
    private static let detachOp = Op("aten::detach")

    /// Converts the element type (a no-op returning `self` when it already matches).
    public func to(_ dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        return try Self.toDtypeOp.tensor([.tensor(self), .dtype(dtype)])
    }
    /// Moves to a device (optionally converting the dtype too).
    public func to(_ device: Device, dtype: DType? = nil, nonBlocking: Bool = false) throws -> Tensor {
        try Self.toDeviceOp.tensor([.tensor(self), .device(device), .dtype(dtype ?? self.dtype), .bool(nonBlocking)])
    }
    /// A tensor laid out contiguously in `format` (channels-last for faster CPU convolutions).
    public func contiguous(_ format: MemoryFormat = .contiguous) throws -> Tensor {
        if isContiguous(format) { return self }
        return try Self.contiguousOp.tensor([.tensor(self)], named: ["memory_format": .memoryFormat(format)])
    }
    public func clone() throws -> Tensor { try Self.cloneOp.tensor([.tensor(self)]) }
    /// The same data, cut from the autograd graph.
    public func detached() throws -> Tensor { try Self.detachOp.tensor([.tensor(self)]) }
}
