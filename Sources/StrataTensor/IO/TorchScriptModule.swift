import CTorch

/// A TorchScript module (`torch.jit.save` / `torch.jit.trace(...).save` file) loaded through libtorch's JIT
/// (`torch::jit::load` in the CTorch shim, every C++ exception caught), in evaluation mode. Its `forward` runs
/// without autograd and returns a tensor or a tuple/list of tensors, all handed back as `[Tensor]`.
///
/// ```swift
/// let m = try TorchScriptModule(path: "masks.pt")
/// let outputs = try m.forward([image])          // e.g. [masks] or [masks, scores]
/// ```
public final class TorchScriptModule: @unchecked Sendable {
    let handle: OpaquePointer
    public let path: String
    public let device: Device

    /// The most tensors one `forward` may return.
    public static let maxOutputs = 256

    /// Loads `path` onto `device`; throws with libtorch's message for a missing, corrupt or non-TorchScript file.
    public init(path: String, device: Device = .cpu) throws {
        guard let h = ct_jit_load(path, device.typeCode, device.index) else {
            throw TorchError("cannot load TorchScript module \(path) (save one with torch.jit.script(model).save(path) or torch.jit.trace): \(TorchError.last().message)")
        }
        handle = h
        self.path = path
        self.device = device
    }

    deinit { ct_jit_free(handle) }

    /// Runs `forward(*inputs)`; the result as a list of tensors (one for a single-tensor result).
    public func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        var out = [OpaquePointer?](repeating: nil, count: Self.maxOutputs)
        let handles: [OpaquePointer?] = inputs.map { $0.handle }
        let n = handles.withUnsafeBufferPointer { ins in
            out.withUnsafeMutableBufferPointer { o in
                ct_jit_forward(handle, ins.baseAddress, Int32(inputs.count), o.baseAddress, Int32(Self.maxOutputs))
            }
        }
        withExtendedLifetime(inputs) {}
        guard n >= 0 else { throw TorchError("TorchScript module \(path): \(TorchError.last().message)") }
        return (0..<Int(n)).map { Tensor(handle: out[$0]!) }
    }
}
