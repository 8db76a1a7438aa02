import CTorch

/// The base of every layer and model, in the shape of PyTorch's `nn.Module`: it owns named parameters
/// (trainable tensors), buffers (state such as BatchNorm running statistics) and child modules, and names them
/// recursively with dots exactly as PyTorch does (`layer1.0.conv1.weight`, `bn.num_batches_tracked`), so state
/// dicts move between the two unchanged.
///
/// Subclasses create their tensors, call `super.init()`, register them, and override `forward`:
/// ```swift
/// final class Block: Module {
///     let conv: Conv2d, bn: BatchNorm2d
///     init(_ cin: Int, _ cout: Int) throws {
///         conv = try Conv2d(cin, cout, kernelSize: 3, padding: 1, bias: false)
///         bn = try BatchNorm2d(cout)
///         super.init()
///         registerModule("conv", conv)
///         registerModule("bn", bn)
///     }
///     override func forward(_ x: Tensor) throws -> Tensor { try Functional.relu(bn(conv(x))) }
/// }
/// ```
/// Loading a state dict, moving to a device or dtype and changing the memory format all keep the identity of the
/// registered `Tensor` objects (their payload is copied or swapped in place), so references held by subclasses
/// and optimizers stay valid.
open class Module {
    /// True in training mode (dropout active, BatchNorm uses and updates batch statistics).
    public private(set) var isTraining = true

    private var parameterNames: [String] = []
    private var parameterSlots: [String: Tensor?] = [:]
    private var bufferNames: [String] = []
    private var bufferSlots: [String: (tensor: Tensor?, persistent: Bool)] = [:]
    private var childNames: [String] = []
    private var childSlots: [String: Module] = [:]

    public init() {}

    // MARK: forward

    /// The computation. Modules taking something other than one tensor add their own `callAsFunction`.
    open func forward(_ input: Tensor) throws -> Tensor {
        throw TorchError("\(typeName) has no single-tensor forward; call it with the arguments it documents")
    }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }

    // MARK: registration

    /// Registers a trainable tensor under `name` (sets `requiresGrad`). `nil` registers an absent optional
    /// parameter (e.g. `bias: false`), which is left out of `parameters()` and state dicts as in PyTorch.
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor?) -> Tensor? {
        if let tensor, !tensor.requiresGrad { _ = try? tensor.setRequiresGrad(true) }
        if parameterSlots.updateValue(tensor, forKey: name) == nil { parameterNames.append(name) }
        return tensor
    }
    /// Registers state that is not trained. Persistent buffers (the default) are part of the state dict.
    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor?, persistent: Bool = true) -> Tensor? {
        if bufferSlots.updateValue((tensor, persistent), forKey: name) == nil { bufferNames.append(name) }
        return tensor
    }
    /// Registers a child module; its parameters appear as `name.<child name>`.
    @discardableResult
    public func registerModule<M: Module>(_ name: String, _ module: M) -> M {
        if childSlots.updateValue(module, forKey: name) == nil { childNames.append(name) }
        return module
    }

    /// This module's own parameter / buffer / child by name (no dots).
    public func parameter(_ name: String) -> Tensor? { parameterSlots[name] ?? nil }
    public func buffer(_ name: String) -> Tensor? { bufferSlots[name]?.tensor }
    public func child(_ name: String) -> Module? { childSlots[name] }

    /// Replaces the tensor registered as buffer `name` (for buffers that are re-created rather than updated in
    /// place). Throws when no such buffer exists.
    public func setBuffer(_ name: String, _ tensor: Tensor?) throws {
        guard let slot = bufferSlots[name] else { throw TorchError("\(typeName) has no buffer named '\(name)'") }
        bufferSlots[name] = (tensor, slot.persistent)
    }

    // MARK: traversal

    /// Direct children in registration order.
    public var namedChildren: [(String, Module)] { childNames.map { ($0, childSlots[$0]!) } }
    public var children: [Module] { childNames.map { childSlots[$0]! } }

    /// This module and every descendant, pre-order, with dotted paths ("" for `self`).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out: [(String, Module)] = []
        var seen = Set<ObjectIdentifier>()
        collectModules(prefix: prefix, into: &out, seen: &seen)
        return out
    }
    private func collectModules(prefix: String, into out: inout [(String, Module)], seen: inout Set<ObjectIdentifier>) {
        guard seen.insert(ObjectIdentifier(self)).inserted else { return }
        out.append((prefix, self))
        for name in childNames {
            childSlots[name]!.collectModules(prefix: Self.join(prefix, name), into: &out, seen: &seen)
        }
    }
    public func modules() -> [Module] { namedModules().map(\.1) }

    /// Every parameter with its dotted name, as `named_parameters()` (each tensor once, even if shared).
    public func namedParameters(recurse: Bool = true) -> [(String, Tensor)] {
        namedMembers(recurse: recurse) { m in m.parameterNames.compactMap { n in m.parameterSlots[n]!.map { (n, $0) } } }
    }
    /// Every parameter (each tensor once): what an optimizer takes.
    public func parameters(recurse: Bool = true) -> [Tensor] { namedParameters(recurse: recurse).map(\.1) }
    /// Every buffer with its dotted name, as `named_buffers()` (persistent or not).
    public func namedBuffers(recurse: Bool = true) -> [(String, Tensor)] {
        namedMembers(recurse: recurse) { m in m.bufferNames.compactMap { n in m.bufferSlots[n]!.tensor.map { (n, $0) } } }
    }
    public func buffers(recurse: Bool = true) -> [Tensor] { namedBuffers(recurse: recurse).map(\.1) }

    private func namedMembers(recurse: Bool, _ members: (Module) -> [(String, Tensor)]) -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        for (prefix, m) in recurse ? namedModules() : [("", self)] {
            for (n, t) in members(m) where seen.insert(ObjectIdentifier(t)).inserted {
                out.append((Self.join(prefix, n), t))
            }
        }
        return out
    }

    /// Calls `body` on this module and every descendant (pre-order).
    public func apply(_ body: (Module) throws -> Void) rethrows {
        for m in modules() { try body(m) }
    }

    /// Number of scalar parameters (trainable only if `trainableOnly`).
    public func parameterCount(trainableOnly: Bool = false) -> Int {
        parameters().filter { !trainableOnly || $0.requiresGrad }.reduce(0) { $0 + $1.count }
    }

    // MARK: modes

    /// Sets training mode on this module and all descendants (`model.train(mode)`).
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        for m in modules() { m.isTraining = mode }
        return self
    }
    /// Evaluation mode (`model.eval()`).
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Turns gradient recording on or off for every parameter (freezing / unfreezing).
    public func requiresGrad(_ flag: Bool) throws {
        for p in parameters() { try p.setRequiresGrad(flag) }
    }
    /// Sets every parameter's gradient to nil (`zero_grad(set_to_none=True)`).
    public func zeroGrad() throws {
        for p in parameters() { try p.zeroGrad() }
    }

    // MARK: state dict

    /// Parameters and persistent buffers, detached, in PyTorch's `state_dict()` order: each module's own
    /// parameters, then its buffers, then its children.
    public func stateDict(keepVars: Bool = false) throws -> StateDict {
        var out = StateDict()
        for (prefix, m) in namedModules() {
            for (n, t) in m.ownStateEntries() {
                out[Self.join(prefix, n)] = keepVars ? t : try t.detached()
            }
        }
        return out
    }

    private func ownStateEntries() -> [(String, Tensor)] {
        parameterNames.compactMap { n in parameterSlots[n]!.map { (n, $0) } }
            + bufferNames.compactMap { n in
                let s = bufferSlots[n]!
                return s.persistent ? s.tensor.map { (n, $0) } : nil
            }
    }

    /// Names of this module's own state entries that may be absent from a state dict being loaded (they keep
    /// their current value). BatchNorm lists `num_batches_tracked`, which old PyTorch checkpoints lack.
    open var optionalStateKeys: Set<String> { [] }

    /// Copies a state dict into the registered tensors (in place, without autograd history, converting the
    /// dtype/device to the existing tensor's). Shape mismatches always throw; with `strict` (the default) missing
    /// and unexpected keys throw too. The error lists every problem at once.
    @discardableResult
    public func load(stateDict: StateDict, strict: Bool = true) throws -> LoadResult {
        var missing: [String] = [], mismatched: [StateDictError.Mismatch] = []
        var used = Set<String>()
        var copies: [(Tensor, Tensor)] = []
        for (prefix, m) in namedModules() {
            let optional = m.optionalStateKeys
            for (n, t) in m.ownStateEntries() {
                let key = Self.join(prefix, n)
                guard var src = stateDict[key] else {
                    if !optional.contains(n) { missing.append(key) }
                    continue
                }
                used.insert(key)
                let dst = t.shape
                if dst.isEmpty && src.shape == [1] { src = try NNOp.reshape(src, []) }  // PyTorch accepts this too
                if src.shape != dst {
                    mismatched.append(.init(key: key, expected: dst, got: src.shape))
                    continue
                }
                copies.append((t, src))
            }
        }
        let unexpected = stateDict.keys.filter { !used.contains($0) }
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw StateDictError(module: typeName, missing: strict ? missing : [],
                                 unexpected: strict ? unexpected : [], mismatched: mismatched)
        }
        for (dst, src) in copies { try NNOp.copyInPlace(dst, src) }
        return LoadResult(missingKeys: missing, unexpectedKeys: unexpected)
    }

    /// Keys that `load(stateDict:strict: false)` left untouched.
    public struct LoadResult: Sendable, Equatable {
        public var missingKeys: [String]
        public var unexpectedKeys: [String]
    }

    // MARK: device, dtype, memory format

    /// Moves every parameter and buffer to `device`, converting floating-point ones to `dtype` if given
    /// (integer buffers such as `num_batches_tracked` keep their type), as `model.to(device, dtype)`.
    @discardableResult
    public func to(_ device: Device, dtype: DType? = nil) throws -> Self {
        try transformTensors { t in
            let d = (dtype != nil && t.dtype.isFloatingPoint) ? dtype! : t.dtype
            return (t.device == device && t.dtype == d) ? nil : try t.to(device, dtype: d)
        }
        return self
    }
    /// Converts floating-point parameters and buffers to `dtype` (`model.to(torch.float64)`).
    @discardableResult
    public func to(_ dtype: DType) throws -> Self {
        guard dtype.isFloatingPoint else { throw TorchError("Module.to(\(dtype)): only floating-point dtypes apply to a module") }
        try transformTensors { t in (t.dtype.isFloatingPoint && t.dtype != dtype) ? try t.to(dtype) : nil }
        return self
    }
    /// Re-lays out 4-D (`.channelsLast`) or 5-D (`.channelsLast3d`) parameters and buffers, as
    /// `model.to(memory_format=torch.channels_last)`. Convolutions then run in that layout (faster on CPU with
    /// oneDNN) whatever the input's layout; feed channels-last inputs too to avoid one conversion per step.
    @discardableResult
    public func toMemoryFormat(_ format: MemoryFormat) throws -> Self {
        let rank: Int? = switch format {
        case .channelsLast: 4
        case .channelsLast3d: 5
        case .contiguous: nil
        case .preserve: throw TorchError("toMemoryFormat(.preserve) changes nothing; pass .channelsLast, .channelsLast3d or .contiguous")
        }
        try transformTensors { t in
            guard rank == nil ? t.rank >= 4 : t.rank == rank! else { return nil }
            return t.isContiguous(format) ? nil : try NNOp.contiguous(t, format)
        }
        return self
    }

    /// Applies `convert` to every parameter, gradient and buffer (nil = unchanged), swapping the payload in place
    /// so the `Tensor` objects keep their identity.
    private func transformTensors(_ convert: (Tensor) throws -> Tensor?) throws {
        for t in parameters() + buffers() {
            let raw = try t.detached()
            guard let new = try convert(raw) else { continue }
            let g = t.grad
            try check(ct_set_data(t.handle, new.handle), "\(typeName): moving a tensor")
            if let g, let ng = try convert(g) { try t.setGrad(ng) }
        }
    }

    // MARK: description

    /// The layer's settings, shown in `description` (override in subclasses, like PyTorch's `extra_repr`).
    open var extraDescription: String { "" }
    var typeName: String { String(describing: type(of: self)) }

    static func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
}

extension Module: CustomStringConvertible {
    /// A tree like PyTorch's module repr.
    public var description: String {
        let kids = namedChildren
        if kids.isEmpty { return "\(typeName)(\(extraDescription))" }
        var lines = ["\(typeName)(" + (extraDescription.isEmpty ? "" : extraDescription)]
        for (n, c) in kids {
            let body = c.description.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
            lines.append("  (\(n)): \(body)")
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}

/// Loading a state dict failed: lists every missing, unexpected and mis-shaped key with the fix.
public struct StateDictError: Error, CustomStringConvertible, Sendable {
    public struct Mismatch: Sendable, Equatable {
        public let key: String, expected: [Int], got: [Int]
    }
    public let module: String
    public let missing: [String]
    public let unexpected: [String]
    public let mismatched: [Mismatch]

    public var description: String {
        var parts = ["Error(s) loading state dict into \(module):"]
        if !missing.isEmpty { parts.append("  missing keys (\(missing.count)): \(Self.list(missing))") }
        if !unexpected.isEmpty { parts.append("  unexpected keys (\(unexpected.count)): \(Self.list(unexpected))") }
        for m in mismatched {
            parts.append("  size mismatch for \(m.key): the model has shape \(m.expected), the state dict \(m.got)")
        }
        if !missing.isEmpty || !unexpected.isEmpty {
            parts.append("  (check that the checkpoint matches this architecture, or pass strict: false to load the matching keys only)")
        }
        return parts.joined(separator: "\n")
    }
    static func list(_ keys: [String]) -> String {
        keys.count <= 20 ? keys.joined(separator: ", ") : keys.prefix(20).joined(separator: ", ") + ", … (\(keys.count - 20) more)"
    }
}
