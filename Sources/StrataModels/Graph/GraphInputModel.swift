import StrataTensor

/// A model of two inputs: image chips `[N, C, H, W]` and the N chips' segment graphs as one disjoint batch (node
/// features `[V, F]`, block-diagonal normalised adjacency `[V, V]`, graph index `[V]` — a `GraphBatch`'s tensors).
/// The task layer's trainer, evaluator and checkpoint evaluation call ``outputs(chips:x:adjacency:graphIndex:)``
/// instead of `forward` when a batch carries graphs.
public protocol GraphInputModel: Module {
    func outputs(chips: Tensor, x: Tensor, adjacency: Tensor, graphIndex: Tensor) throws -> GraphModelOutputs
}

/// What a ``GraphInputModel`` returns for one batch.
public struct GraphModelOutputs {
    /// `[N, classes]` scores whose argmax is the prediction (logits or log-probabilities; the classification loss
    /// of log-probabilities is their negative log-likelihood).
    public var prediction: Tensor
    /// The `[N, classes]` scores each trained with the task's loss; the training loss is their sum.
    public var trainingTerms: [Tensor]

    public init(prediction: Tensor, trainingTerms: [Tensor]) {
        self.prediction = prediction
        self.trainingTerms = trainingTerms
    }
}
