import CTorch

extension Tensor {
    public var requiresGrad: Bool { ct_requires_grad(handle) == 1 }
    public var isLeaf: Bool { ct_is_leaf(handle) == 1 }

    @discardableResult
    public func setRequiresGrad(_ flag: Bool = true) throws -> Tensor {
        try check(ct_set_requires_grad(handle, flag ? 1 : 0))
        return self
    }

    /// The accumulated gradient, if any.
    public var grad: Tensor? {
        get { ct_grad(handle).map { Tensor(handle: $0) } }
    }
    public func setGrad(_ g: Tensor?) throws { try check(ct_set_grad(handle, g?.handle)) }
    /// Clears the gradient: sets it to None (as `optimizer.zero_grad(set_to_none=True)`, the default), or with
    /// `setToNone: false` fills an existing gradient with zeros in place (detaching it from any graph first).
    public func zeroGrad(setToNone: Bool = true) throws {
        if setToNone { return try setGrad(nil) }
        guard let g = grad else { return }
        let plain = g.requiresGrad ? try g.detached() : g
        try Torch.noGrad { _ = try plain.zero_() }
        if plain !== g { try setGrad(plain) }
    }
    /// Detaches this tensor from the graph in place (it becomes a leaf that does not require grad).
    @discardableResult
    public func detach_() throws -> Tensor {
        _ = try Self.detachInPlaceOp.call([.tensor(self)])
        return self
    }
    private static let detachInPlaceOp = Op("aten::detach_")
    /// Keeps `.grad` for a non-leaf tensor.
    public func retainGrad() throws { try check(ct_retain_grad(handle)) }

    /// Back-propagates from this tensor. `gradient` is required unless the tensor has one element.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) throws {
        try check(ct_backward(handle, gradient?.handle, retainGraph ? 1 : 0, createGraph ? 1 : 0))
    }
}

public enum Autograd {
    /// Gradients of `outputs` with respect to `inputs` without touching `.grad` (torch.autograd.grad).
    /// Inputs the outputs do not depend on get `nil`.
    public static func grad(of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor?]? = nil,
                            retainGraph: Bool = false, createGraph: Bool = false) throws -> [Tensor?] {
        let outs: [OpaquePointer?] = outputs.map { $0.handle }
        let ins: [OpaquePointer?] = inputs.map { $0.handle }
        let gouts: [OpaquePointer?]? = gradOutputs?.map { $0?.handle }
        var res = [OpaquePointer?](repeating: nil, count: inputs.count)
        let status: Int32 = gouts.withOptionalPointer { gp in
            ct_autograd_grad(outs, Int32(outs.count), gp, ins, Int32(ins.count), retainGraph ? 1 : 0, createGraph ? 1 : 0, &res)
        }
        try check(status)
        withExtendedLifetime((outputs, inputs, gradOutputs)) {}
        return res.map { $0.map { Tensor(handle: $0) } }
    }

    /// Gradients of one output with respect to `inputs` (a scalar output needs no `gradOutput`).
    public static func grad(of output: Tensor, wrt inputs: [Tensor], gradOutput: Tensor? = nil,
                            retainGraph: Bool = false, createGraph: Bool = false) throws -> [Tensor?] {
        try grad(of: [output], wrt: inputs, gradOutputs: gradOutput.map { [$0] },
                 retainGraph: retainGraph || createGraph, createGraph: createGraph)
    }
}

extension Optional where Wrapped == [OpaquePointer?] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<OpaquePointer?>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case .some(let a): return a.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}

/// Thread-local autograd switches. The closures are synchronous on purpose: grad mode is per thread, and an
/// `await` inside could resume on another thread.
public enum Torch {
    /// Runs `body` with gradient recording off (torch.no_grad()).
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        let prev = ct_set_grad_enabled(0)
        defer { _ = ct_set_grad_enabled(prev) }
        return try body()
    }
    /// Runs `body` with gradient recording on (torch.enable_grad()).
    public static func enableGrad<R>(_ body: () throws -> R) rethrows -> R {
        let prev = ct_set_grad_enabled(1)
        defer { _ = ct_set_grad_enabled(prev) }
        return try body()
    }
    /// Runs `body` in inference mode (torch.inference_mode()): no autograd bookkeeping at all. Tensors created
    /// inside cannot later be used in autograd.
    public static func inferenceMode<R>(_ body: () throws -> R) rethrows -> R {
        let g = ct_inference_mode_enter()
        defer { ct_inference_mode_exit(g) }
        return try body()
    }
    public static var isGradEnabled: Bool { ct_grad_enabled() == 1 }
}
