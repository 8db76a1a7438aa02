import Foundation


/// Distributed data parallel for the `Trainer`, on a c10d Gloo `ProcessGroup`: every rank holds a full replica of
/// the model and trains on its shard of each epoch (`DataShard`); the replicas stay identical because they start
/// from rank 0's parameters and buffers and apply the same averaged gradients.
///
/// Gradients are all-reduced in buckets (about `bucketBytes` of gradients flattened into one tensor per all-reduce,
/// like DDP's 25 MB buckets). After `overlapGradients(_:)` they are launched from autograd hooks while backward
/// still runs (`GradientReducer`, DDP's scheme) and `averageGradients` only waits for them; without it they are
/// all-reduced one after another once `backward()` has returned.
public final class DataParallel {
    public let group: ProcessGroup
    public let bucketBytes: Int
    /// The overlapping reducer, once `overlapGradients(_:)` has built it.
    public private(set) var reducer: GradientReducer?

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
        try broadcast(model.parameters() + model.buffers())
    }

    /// Copies rank 0's buffers (BatchNorm running statistics) to every rank, as PyTorch DDP's `broadcast_buffers`
    /// does before each forward: with local BatchNorm each rank's running statistics follow its own batches, so
    /// without this the ranks would validate different models (and could take different early-stopping decisions).
    public func broadcastBuffers(_ model: Module) throws {
        guard worldSize > 1 else { return }
        try broadcast(model.buffers())
    }

    func broadcast(_ tensors: [Tensor]) throws {
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

    /// From now on, all-reduces the gradients of `parameters` (those requiring grad) bucket by bucket during backward;
    /// `averageGradients` must then be called after every backward with these parameters, on every rank. Call it
    /// once the model is on its device, before the first backward it should reduce. No-op on one rank.
    public func overlapGradients(_ parameters: [Tensor]) throws {
        guard worldSize > 1 else { return }
        reducer = nil  // its hooks go before the new ones are added
        reducer = try GradientReducer(group: group, parameters: parameters.filter(\.requiresGrad),
                                      bucketBytes: bucketBytes)
    }

    /// Averages the parameters' gradients over the ranks: waits for the overlapped buckets when
    /// `overlapGradients(_:)` was called (with these parameters: checked), else all-reduces them now in buckets of
    /// about `bucketBytes`.
    public func averageGradients(_ parameters: [Tensor]) throws {
        guard worldSize > 1 else { return }
        if let reducer {
            return try reducer.finish(parameters.filter(\.requiresGrad))
        }
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
