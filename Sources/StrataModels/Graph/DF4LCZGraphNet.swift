import StrataTensor

/// DF4LCZ's graph stream (`model.py::gnn_Net`, spec: methods.md §1.3): three `GCSConv(32, relu)` layers, a
/// per-graph mean over the nodes (Spektral's `GlobalAvgPool`, `segment_mean` in disjoint mode) and a dense head.
///
/// | stage | output |
/// |---|---|
/// | `gcs1`, `gcs2`, `gcs3`: GCSConv 5 → 32 → 32 → 32, ReLU | `[N, 32]` (all nodes of the batch) |
/// | mean pool per graph | `[G, 32]` |
/// | `fc`: Linear 32 → 17 | `[G, 17]` logits |
///
/// Returns logits; Keras applies the softmax inside its last Dense layer, here it belongs to the loss
/// (``probabilities(_:adjacency:graphIndex:graphCount:)`` gives the Keras output). Inputs are a `GraphBatch`'s
/// tensors: node features `[N, 5]`, block-diagonal normalised adjacency `[N, N]`, graph index `[N]` (int64).
/// Every graph needs at least one node. 5 073 trainable parameters with 5 features, 32 units and 17 classes
/// (GCS layers 352 + 2 080 + 2 080, head 561).
public final class DF4LCZGraphNet: Module {
    public let nodeFeatures: Int, hidden: Int, numClasses: Int
    public let gcs1: GCSConv, gcs2: GCSConv, gcs3: GCSConv
    public let fc: Linear

    public init(nodeFeatures: Int = 5, hidden: Int = 32, numClasses: Int = 17) throws {
        guard numClasses >= 1 else { throw ModelError("DF4LCZGraphNet: numClasses must be ≥ 1, got \(numClasses)") }
        self.nodeFeatures = nodeFeatures
        self.hidden = hidden
        self.numClasses = numClasses
        gcs1 = try GCSConv(nodeFeatures, hidden)
        gcs2 = try GCSConv(hidden, hidden)
        gcs3 = try GCSConv(hidden, hidden)
        fc = try Linear(hidden, numClasses)
        super.init()
        registerModule("gcs1", gcs1)
        registerModule("gcs2", gcs2)
        registerModule("gcs3", gcs3)
        registerModule("fc", fc)
        // Keras Dense defaults: glorot-uniform kernel, zero bias.
        try Init.xavierUniform(fc.weight)
        if let b = fc.bias { try Init.zeros(b) }
    }

    /// Node embeddings after each GCS layer, then the pooled `[G, hidden]` graph embedding.
    public func stageOutputs(_ x: Tensor, adjacency: Tensor, graphIndex: Tensor, graphCount: Int) throws -> [Tensor] {
        let h1 = try gcs1(x, adjacency: adjacency).relu()
        let h2 = try gcs2(h1, adjacency: adjacency).relu()
        let h3 = try gcs3(h2, adjacency: adjacency).relu()
        return [h1, h2, h3, try Self.meanPool(h3, graphIndex: graphIndex, graphCount: graphCount)]
    }

    /// Logits `[graphCount, numClasses]`.
    public func callAsFunction(_ x: Tensor, adjacency: Tensor, graphIndex: Tensor, graphCount: Int) throws -> Tensor {
        try fc(stageOutputs(x, adjacency: adjacency, graphIndex: graphIndex, graphCount: graphCount)[3])
    }

    /// The softmax of the logits (the Keras model's output).
    public func probabilities(_ x: Tensor, adjacency: Tensor, graphIndex: Tensor, graphCount: Int) throws -> Tensor {
        try self(x, adjacency: adjacency, graphIndex: graphIndex, graphCount: graphCount).softmax(dim: 1)
    }

    /// Per-graph mean of node rows `[N, F]` → `[graphCount, F]` (`tf.math.segment_mean`).
    public static func meanPool(_ h: Tensor, graphIndex: Tensor, graphCount: Int) throws -> Tensor {
        guard graphIndex.rank == 1, graphIndex.size(0) == h.size(0), !graphIndex.dtype.isFloatingPoint else {
            throw ModelError("DF4LCZGraphNet: the graph index must be an integer [\(h.size(0))] vector (one entry "
                + "per node), got \(graphIndex.dtype) \(graphIndex.shape)")
        }
        let index = try graphIndex.to(.int64)
        let counts = try index.bincount(minlength: graphCount)
        guard counts.size(0) == graphCount, try counts.min().itemInt() > 0 else {
            throw ModelError("DF4LCZGraphNet: every graph of the batch needs at least one node and indices must lie "
                + "in 0..<\(graphCount); got node counts \(try counts.ints())")
        }
        let sums = try Tensor.zeros([graphCount, h.size(1)], .init(dtype: h.dtype))
            .indexAdd(dim: 0, index: index, source: h)
        return try sums / counts.to(h.dtype).unsqueeze(1)
    }

    /// A graph model needs the adjacency and graph index: call ``callAsFunction(_:adjacency:graphIndex:graphCount:)``.
    public override func forward(_ input: Tensor) throws -> Tensor {
        throw ModelError("DF4LCZGraphNet needs a graph batch: call model(x, adjacency:, graphIndex:, graphCount:)")
    }
}
