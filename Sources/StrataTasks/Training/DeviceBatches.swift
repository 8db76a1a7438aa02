import StrataTensor

/// Feeds another source's batches to the device one batch ahead: when batch k+1 arrives from the loader its
/// host-to-device copies are issued (from pinned host memory, `non_blocking`) before batch k is handed to the
/// training step, so on a GPU the copy runs on the stream while the host goes on queueing batch k's kernels and
/// loading batch k+2 (CUDA stream order guarantees batch k+1's data is there before its kernels read it).
///
/// Only a CUDA device pins memory: a CPU-only libtorch has no pinned allocator, so on the CPU `wrap` returns the
/// source itself and nothing is pinned or copied. Batches are handed over in the source's order, all of them.
public final class DeviceBatches: BatchSource {
    public let source: BatchSource
    public let device: Device
    /// Whether host batches are copied into pinned memory first (true exactly for a CUDA device).
    public let pinsMemory: Bool
    /// Batches whose tensors were copied into pinned host memory (statistics, tests).
    public private(set) var pinnedBatches = 0

    /// `pinMemory` defaults to `device.isCUDA`; asking for it without a CUDA libtorch fails on the first batch.
    public init(_ source: BatchSource, device: Device, pinMemory: Bool? = nil) {
        self.source = source
        self.device = device
        pinsMemory = pinMemory ?? device.isCUDA
    }

    /// The source to train or evaluate from on `device`: `source` itself on the CPU (no copies, no pinning),
    /// a `DeviceBatches` around it on a GPU.
    public static func wrap(_ source: BatchSource, device: Device) -> BatchSource {
        device.isCUDA ? DeviceBatches(source, device: device) : source
    }

    public var batchCount: Int { source.batchCount }
    public var sampleCount: Int { source.sampleCount }

    public func forEachBatch(epoch: Int, _ body: (TrainingBatch) throws -> Void) throws {
        var pending: TrainingBatch? = nil
        try source.forEachBatch(epoch: epoch) { batch in
            let next = try transfer(batch)  // issue batch k+1's copies first …
            if let ready = pending { try body(ready) }  // … then compute batch k
            pending = next
        }
        if let last = pending { try body(last) }
    }

    /// The batch on the device: input and target copied without blocking the host (from pinned memory when
    /// `pinsMemory`). Segment graphs (DF4LCZ) stay on the host; `Evaluator.outputs` moves them.
    func transfer(_ b: TrainingBatch) throws -> TrainingBatch {
        if pinsMemory { pinnedBatches += 1 }
        return TrainingBatch(input: try move(b.input), target: try move(b.target), graph: b.graph)
    }

    func move(_ t: Tensor) throws -> Tensor {
        if t.device == device { return t }
        let host = pinsMemory && t.device == .cpu ? try t.contiguous().pinnedMemory() : t
        return try host.to(device, nonBlocking: pinsMemory)
    }
}
