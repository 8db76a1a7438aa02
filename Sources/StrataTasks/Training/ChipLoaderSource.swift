import StrataData
import StrataTensor

/// A `DataLoader` over a `ChipDataset` seen as the trainer's `BatchSource` (image → input, label → target, segment
/// graphs → graph).
public final class ChipLoaderSource: BatchSource {
    public let loader: DataLoader
    public init(_ loader: DataLoader) { self.loader = loader }
    public var batchCount: Int { loader.batchCount }
    public var sampleCount: Int { loader.sampleCount }
    public func forEachBatch(epoch: Int, _ body: (TrainingBatch) throws -> Void) throws {
        try loader.forEachBatch(epoch: epoch) { b in
            try body(TrainingBatch(input: b.image, target: b.label, graph: b.graph))
        }
    }
}
