import CTorch
import Foundation

/// A group of processes (ranks) that exchange tensors with c10d's collectives over Gloo (CPU, TCP): the engine
/// torch.distributed runs, from the libtorch this package links. Rendezvous goes through a c10d `TCPStore` hosted
/// by rank 0 at `masterAddress:masterPort`.
///
/// Every rank must call the same collectives in the same order with tensors of the same shapes and dtypes.
/// `timeout` bounds the rendezvous and each collective: a rank that died or hangs makes the others throw (naming
/// this rank and the operation; the Gloo message names the peer's address) instead of waiting for ever.
public final class ProcessGroup: @unchecked Sendable {
    public enum ReduceOp: Int32, Sendable { case sum = 0, average = 1, max = 2, min = 3 }

    let handle: OpaquePointer
    public let rank: Int
    public let worldSize: Int
    public let timeout: Double

    /// Joins the group (blocks until all `worldSize` ranks have joined, or `timeout` seconds have passed).
    /// `bindHost`: the address of this machine the Gloo transport listens on (nil: 127.0.0.1 when the master is a
    /// loopback address, else this machine's host name).
    public init(masterAddress: String, masterPort: Int, worldSize: Int, rank: Int, timeout: Double = 300,
                bindHost: String? = nil) throws {
        guard let h = ct_dist_init(masterAddress, Int32(masterPort), Int32(worldSize), Int32(rank),
                                   Int64(timeout * 1000), bindHost) else {
            throw TorchError.last()
        }
        handle = h
        self.rank = rank
        self.worldSize = worldSize
        self.timeout = timeout
    }

    /// Joins the group described by a launch environment (`DistributedEnvironment.current`).
    public convenience init(_ env: DistributedEnvironment, timeout: Double = 300) throws {
        try self.init(masterAddress: env.masterAddress, masterPort: env.masterPort, worldSize: env.worldSize,
                      rank: env.rank, timeout: timeout)
    }

    deinit { ct_dist_free(handle) }

    /// In-place all-reduce of contiguous tensors (`.average` = sum ÷ world size).
    public func allReduce(_ tensors: [Tensor], _ op: ReduceOp = .sum) throws {
        var hs: [OpaquePointer?] = tensors.map(\.handle)
        try check(ct_dist_allreduce(handle, &hs, Int32(hs.count), op.rawValue))
    }

    /// In-place broadcast of contiguous tensors from `root`.
    public func broadcast(_ tensors: [Tensor], root: Int = 0) throws {
        var hs: [OpaquePointer?] = tensors.map(\.handle)
        try check(ct_dist_broadcast(handle, &hs, Int32(hs.count), Int32(root)))
    }

    /// Every rank's `tensor`, in rank order.
    public func allGather(_ tensor: Tensor) throws -> [Tensor] {
        let outs = try (0..<worldSize).map { _ in try Tensor.emptyLike(tensor) }
        var hs: [OpaquePointer?] = outs.map(\.handle)
        try check(ct_dist_allgather(handle, tensor.handle, &hs))
        return outs
    }

    public func barrier() throws { try check(ct_dist_barrier(handle)) }

    /// Replaces `t`'s gradient, during backward, by its sum over the ranks (SyncBatchNorm's backward).
    public func allReduceGradientHook(_ t: Tensor) throws { try check(ct_dist_allreduce_grad_hook(handle, t.handle)) }
}
