import StrataData
import StrataTensor

/// A `GeoDataLoader` of image ∩ label chips seen as the trainer's `BatchSource`: images normalised (and augmented,
/// image and mask together) by an `InputPipeline`, masks [B, H, W] int64 as targets.
public final class GeoLoaderSource: BatchSource {
    public let loader: GeoDataLoader
    let pipeline: InputPipeline
    let seed: UInt64
    /// Fixed epoch for evaluation sources (the same chips every time).
    let fixedEpoch: Int?
    /// NaN → 0 after normalisation (series: padded and missing dates become the temporal models' pad value).
    let zeroNaN: Bool

    public init(_ loader: GeoDataLoader, pipeline: InputPipeline, seed: UInt64, fixedEpoch: Int? = nil,
                zeroNaN: Bool = false) {
        self.loader = loader
        self.zeroNaN = zeroNaN
        self.pipeline = pipeline
        self.seed = seed
        self.fixedEpoch = fixedEpoch
    }
    public var batchCount: Int { loader.batchBounds(epoch: fixedEpoch ?? 0).count }
    public var sampleCount: Int { loader.batchBounds(epoch: fixedEpoch ?? 0).reduce(0) { $0 + $1.count } }

    public func forEachBatch(epoch: Int, _ body: (TrainingBatch) throws -> Void) throws {
        let e = fixedEpoch ?? epoch
        let stream = loader.epoch(e)
        while let b = try stream.next() {
            guard let image = b.image, var mask = b.mask else {
                throw DataError("segmentation batches need an image and a mask (raster ∩ vector labels)")
            }
            if mask.rank == 4 { mask = try mask.squeeze(dim: 1) }
            let batchSeed = ChipRandom.batchSeed(seed: seed, epoch: e, batch: b.index)
            var (x, m) = try pipeline.apply(image: image, mask: mask, seed: batchSeed)
            if zeroNaN { x = try x.nanToNum(nan: 0) }
            try body(TrainingBatch(input: x, target: try (m ?? mask).to(.int64)))
        }
    }
}
