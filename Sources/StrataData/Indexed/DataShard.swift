/// This process's part of every epoch in a data-parallel run (`torch.utils.data.DistributedSampler`'s rule): the
/// epoch's order — the same on every rank, drawn from (seed, epoch) — padded by wrapping around to a multiple of
/// `count`, then every `count`-th element from position `rank`. Each rank gets the same number of items, and
/// rank r's batch k of size B holds positions r, r + count, … of the global chunk [k·B·count, (k+1)·B·count): the
/// ranks' batches together are exactly one batch of B·count of a single-process run.
public struct DataShard: Sendable, Equatable {
    public let rank: Int
    public let count: Int

    /// Everything (a single-process run).
    public static let whole = DataShard(uncheckedRank: 0, count: 1)

    init(uncheckedRank rank: Int, count: Int) {
        self.rank = rank
        self.count = count
    }

    public init(rank: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(rank) else {
            throw DatasetError(.invalidArgument, "DataShard: rank \(rank) is not in 0..<\(count)")
        }
        self.init(uncheckedRank: rank, count: count)
    }

    /// Items this shard gets out of `total`.
    public func size(of total: Int) -> Int { count == 1 ? total : (total + count - 1) / count }

    /// This shard's items of an epoch's order.
    public func take<T>(_ order: [T]) -> [T] {
        guard count > 1, !order.isEmpty else { return order }
        let n = size(of: order.count)
        return (0..<n).map { order[(rank + $0 * count) % order.count] }
    }
}
