import Foundation


/// Distributed data parallel for the `Trainer`, on a c10d Gloo `ProcessGroup`: every rank holds a full replica of
/// the model and trains on its shard of each epoch (`DataShard`); the replicas stay identical because they start
/// from rank 0's parameters and buffers and apply the same averaged gradients.
///
/// Gradients are all-reduced in buckets (about `bucketBytes` of gradients flattened into one tensor per
/// all-reduce, like DDP's 25 MB buckets) right after `backward()` returns, not overlapped with it: c10d's `Reducer`
/// needs a `c10d::ProcessGroup` wrapping the Gloo backend plus autograd-engine hooks whose header-level API the
/// wheel does not ship in a usable form (ProcessGroupGloo.hpp needs Gloo's headers, absent from the wheel), and
/// per-parameter hooks from Swift would call back across the C boundary once per tensor per step. With one
/// thread per rank a Gloo all-reduce cannot overlap compute anyway.
public final class DataParallel {
    public let group: ProcessGroup
    public let bucketBytes: Int

    public init(group: ProcessGroup, bucketBytes: Int = 25 << 20) {
        self.group = group
        self.bucketBytes = bucketBytes
    }

    public var rank: Int { group.rank }
    public var worldSize: Int { group.worldSize }
    /// Rank 0 writes checkpoints, logs and reports.
    public var isMain: Bool { group.rank == 0 }

    /// Copies rank 0's parameters and buffers to every rank (at the start of training, after any resume).
    public func broadcastState(_ model: Module) throws {
        let tensors = model.parameters() + model.buffers()
        try Torch.noGrad {
            for t in tensors {
                if t.isContiguous() {
                    try group.broadcast([t])
                } else {  // channels-last weights: broadcast a contiguous copy, then copy it back in place
                    let c = try t.contiguous()
                    try group.broadcast([c])
                    try t.copy_(c)
                }
            }
        }
    }

    /// Averages the parameters' gradients over the ranks, in buckets of about `bucketBytes`.
    public func averageGradients(_ parameters: [Tensor]) throws {
        guard worldSize > 1 else { return }
        let grads = parameters.compactMap { $0.requiresGrad ? $0.grad : nil }
        var bucket: [Tensor] = []
        var bytes = 0
        func flush() throws {
            guard !bucket.isEmpty else { return }
            defer { bucket = []; bytes = 0 }
            let flat = try Tensor.cat(try bucket.map { try $0.reshape([-1]) })
            try group.allReduce([flat], .average)
            var offset = 0
            try Torch.noGrad {
                for g in bucket {
                    let n = g.count
                    try g.copy_(flat.narrow(dim: 0, start: offset, length: n).view(g.shape))
                    offset += n
                }
            }
        }
        for g in grads {
            if let first = bucket.first, first.dtype != g.dtype { try flush() }
            bucket.append(g)
            bytes += g.count * g.dtype.byteSize
            if bytes >= bucketBytes { try flush() }
        }
        try flush()
    }

    /// Element-wise sums of `values` over the ranks (float64).
    public func sum(_ values: [Double]) throws -> [Double] {
        guard worldSize > 1 else { return values }
        let t = try Tensor(values)
        try group.allReduce([t])
        return try t.toArray(Double.self)
    }

    /// Turns every BatchNorm of `model` into SyncBatchNorm over this group.
    public func synchronizeBatchNorm(_ model: Module) {
        for case let bn as BatchNormNd in model.modules() { bn.syncGroup = group }
    }
}
