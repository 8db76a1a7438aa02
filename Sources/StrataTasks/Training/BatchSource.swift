import StrataData
import StrataTensor

/// One training or evaluation batch: model input and target. Targets are class indices [B] (int64) for
/// classification, multi-hot [B, K] (float) for multi-label, class maps [B, H, W] (int64) for segmentation.
/// Two-stream data (LCZC-GES2) adds the chips' segment graphs, which a `GraphInputModel` takes beside the input.
public struct TrainingBatch {
    public var input: Tensor
    public var target: Tensor
    public var graph: GraphBatch?
    public init(input: Tensor, target: Tensor, graph: GraphBatch? = nil) {
        self.input = input
        self.target = target
        self.graph = graph
    }
    public var count: Int { input.size(0) }
}

/// Anything that yields the batches of one epoch, in an order fixed by the epoch number (so a resumed run sees
/// exactly the batches an uninterrupted run would have seen).
public protocol BatchSource: AnyObject {
    /// Batches per epoch.
    var batchCount: Int { get }
    /// Samples per epoch (for chips/s and ETA).
    var sampleCount: Int { get }
    /// Calls `body` with each batch of `epoch` in order.
    func forEachBatch(epoch: Int, _ body: (TrainingBatch) throws -> Void) throws
}

/// Batches held in memory (tests, and the "pure compute" benchmark: the same steps without any data loading).
public final class InMemoryBatches: BatchSource {
    public let batches: [TrainingBatch]
    public init(_ batches: [TrainingBatch]) { self.batches = batches }
    public var batchCount: Int { batches.count }
    public var sampleCount: Int { batches.reduce(0) { $0 + $1.count } }
    public func forEachBatch(epoch: Int, _ body: (TrainingBatch) throws -> Void) throws {
        for b in batches { try body(b) }
    }
    /// Materialises one epoch of another source.
    public static func capture(_ source: BatchSource, epoch: Int = 0) throws -> InMemoryBatches {
        var out: [TrainingBatch] = []
        try source.forEachBatch(epoch: epoch) { out.append($0) }
        return InMemoryBatches(out)
    }
}
