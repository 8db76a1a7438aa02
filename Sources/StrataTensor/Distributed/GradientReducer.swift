import CTorch
import Foundation

/// Gradient averaging overlapped with backward (PyTorch DDP's `Reducer`): the parameters are bucketed in reverse
/// registration order (a small first bucket, then `bucketBytes` each); an autograd hook on every parameter copies its
/// gradient into its bucket as soon as backward has produced it, and a full bucket is all-reduced asynchronously
/// over the group's Gloo backend while backward goes on. `finish` (after `backward()`, before clipping and the
/// optimizer step) launches what is left, waits and writes the averaged gradients back.
///
/// Contracts: build it after the model is on its device and before the first backward it should reduce; every
/// backward of these parameters must be followed by `finish` on every rank (one backward per step); a parameter
/// unused in a step on some rank contributes zeros there, one unused on every rank keeps its gradient untouched.
/// The hooks are removed when the reducer is released. Failures (a dead peer, a timeout) surface from `finish`.
public final class GradientReducer {
    let handle: OpaquePointer
    let group: ProcessGroup  // the C reducer uses the group's backend: keep it alive
    public let parameters: [Tensor]

    public init(group: ProcessGroup, parameters: [Tensor], firstBucketBytes: Int = 1 << 20,
                bucketBytes: Int = 25 << 20) throws {
        var hs: [OpaquePointer?] = parameters.map(\.handle)
        handle = try check(ct_ddp_reducer_new(group.handle, &hs, Int32(hs.count), Int64(firstBucketBytes),
                                              Int64(bucketBytes)))
        self.group = group
        self.parameters = parameters
    }

    deinit { ct_ddp_reducer_free(handle) }

    /// Waits for this step's all-reduces and replaces each gradient by its average over the ranks. `parameters`
    /// (default: those given at construction) must be the same tensors in the same order (checked).
    public func finish(_ parameters: [Tensor]? = nil) throws {
        var hs: [OpaquePointer?] = (parameters ?? self.parameters).map(\.handle)
        try check(ct_ddp_reducer_finish(handle, &hs, Int32(hs.count)))
    }

    /// Parameters per bucket, in launch order (the first bucket holds the last-registered parameters).
    public var bucketSizes: [Int] {
        let n = Int(ct_ddp_reducer_buckets(handle, nil))
        var sizes = [Int64](repeating: 0, count: max(n, 0))
        _ = ct_ddp_reducer_buckets(handle, &sizes)
        return sizes.map(Int.init)
    }

    /// Seconds the last `finish` spent waiting for all-reduces: the communication backward did not hide.
    public var lastWaitSeconds: Double { ct_ddp_reducer_last_wait_seconds(handle) }
}
