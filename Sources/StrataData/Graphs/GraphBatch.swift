import StrataTensor

/// Graphs of varying node count batched the way Spektral's `DisjointLoader` does: node features stacked,
/// adjacencies on the diagonal of one block-diagonal matrix (no edges between graphs), and a graph index per node
/// for pooling (the graph models in StrataModels take these three tensors).
///
/// The adjacency is dense `[N, N]` (N = nodes of all graphs): for DF4LCZ's ≤ 50 nodes per graph, a batch of 64
/// graphs is at most 3 200² floats (41 MB) and one matmul per layer; the product equals the sparse one.
public struct GraphBatch: @unchecked Sendable {
    /// Node features `[N, F]` float32.
    public let x: Tensor
    /// Block-diagonal normalised adjacency `[N, N]` float32.
    public let adjacency: Tensor
    /// The graph each node belongs to, `[N]` int64 in `0..<graphCount`, non-decreasing.
    public let graphIndex: Tensor
    /// Nodes per graph.
    public let nodeCounts: [Int]
    /// Class labels `[graphCount]` int64, when every graph has one.
    public let labels: Tensor?

    public var graphCount: Int { nodeCounts.count }

    /// Batches graphs with the same feature count; every graph needs at least one node (its pooled feature would
    /// otherwise be undefined).
    public init(_ graphs: [SegmentGraph]) throws {
        guard let first = graphs.first else {
            throw DatasetError(.invalidArgument, "GraphBatch: no graphs to batch")
        }
        let features = first.x.size(1)
        for (i, g) in graphs.enumerated() {
            guard g.nodeCount > 0 else {
                throw DatasetError(.invalidArgument, "GraphBatch: graph \(i) has no nodes (no mask reached the "
                    + "minimum area); lower SegmentGraph.Options.minArea or drop the sample")
            }
            guard g.x.size(1) == features else {
                throw DatasetError(.inconsistent, "GraphBatch: graph \(i) has \(g.x.size(1)) node features, graph 0 "
                    + "has \(features)")
            }
        }
        nodeCounts = graphs.map(\.nodeCount)
        let n = nodeCounts.reduce(0, +)
        x = try Tensor.cat(graphs.map(\.x), dim: 0)
        let a = try Tensor.zeros([n, n])
        var offset = 0
        for g in graphs {
            let k = g.nodeCount
            try a.narrow(dim: 0, start: offset, length: k).narrow(dim: 1, start: offset, length: k).copy_(g.adjacency)
            offset += k
        }
        adjacency = a
        graphIndex = try Tensor(nodeCounts.enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) })
        let known = graphs.compactMap(\.label)
        labels = known.count == graphs.count ? try Tensor(known) : nil
    }
}
