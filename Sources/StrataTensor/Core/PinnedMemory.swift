import CTorch

extension Tensor {
    private static let pinMemoryOp = Op("aten::pin_memory")

    /// A copy of this CPU tensor in page-locked (pinned) host memory, as `tensor.pin_memory()`: host-to-GPU copies
    /// from it can run asynchronously (`to(.cuda(i), nonBlocking: true)`). Needs a CUDA libtorch; a CPU-only one has
    /// no pinned allocator and this throws (callers pin only when their device is a GPU).
    public func pinnedMemory() throws -> Tensor {
        guard Runtime.cudaAvailable else {
            throw TorchError("pinned host memory needs a CUDA libtorch with a visible GPU; this one has none "
                + "(pin only for a CUDA device)")
        }
        if isPinned { return self }
        return try Self.pinMemoryOp.tensor([.tensor(self)])
    }

    /// Whether the data lives in pinned host memory (always false with a CPU-only libtorch, and for GPU tensors).
    public var isPinned: Bool { ct_tensor_is_pinned(handle) == 1 }
}
