import StrataData
import Testing

/// `DataShard` (DistributedSampler's rule) in `DataLoader`: the ranks' batches k together are batch k of one loader
/// with the batch size × ranks, every rank gets the same number of batches, and an uneven count is padded by
/// wrapping around as PyTorch pads.
@Suite struct DataShardTests {
    @Test func ranksTogetherAreTheDoubledBatch() throws {
        let ds = CountingChips(count: 40)
        let whole = try DataLoader(ds, batchSize: 8, shuffle: true, workers: 0, seed: 3)
        let shards = try (0..<2).map {
            try DataLoader(ds, batchSize: 4, shuffle: true, workers: 0, seed: 3, shard: DataShard(rank: $0, count: 2))
        }
        for epoch in [1, 2] {
            let big = whole.batchIndices(epoch: epoch)
            let parts = shards.map { $0.batchIndices(epoch: epoch) }
            #expect(parts[0].count == big.count && parts[1].count == big.count)
            for k in big.indices {
                #expect(Set(parts[0][k]).isDisjoint(with: parts[1][k]))
                #expect(Set(parts[0][k] + parts[1][k]) == Set(big[k]), "batch \(k) of epoch \(epoch)")
            }
        }
        #expect(shards[0].sampleCount == 20 && shards[0].batchCount == 5)
        #expect(whole.batchIndices(epoch: 1) != whole.batchIndices(epoch: 2))
    }

    @Test func unevenCountsArePaddedByWrappingAround() throws {
        let order = Array(0..<7)
        let s = try (0..<3).map { try DataShard(rank: $0, count: 3) }
        #expect(s.map { $0.take(order) } == [[0, 3, 6], [1, 4, 0], [2, 5, 1]])
        #expect(DataShard.whole.take(order) == order)
        #expect(throws: DatasetError.self) { try DataShard(rank: 2, count: 2) }
    }
}
