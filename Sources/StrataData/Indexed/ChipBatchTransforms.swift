import StrataTensor

extension ChipBatch {
    /// The batch after a `BatchTransform` pipeline (normalisation, spectral indices, augmentations), with image,
    /// mask and band names transformed together and every random draw taken from `TransformRNG(seed: seed)`.
    ///
    /// Georeferences still describe the chips as read: after a crop, flip or rotation they no longer match the
    /// pixels, so apply geometric augmentations to training batches only.
    public func applying(_ transform: any BatchTransform, seed: UInt64) throws -> ChipBatch {
        var rng = TransformRNG(seed: seed)
        let out = try transform.apply(TransformBatch(image: image, mask: mask, bandNames: bandNames), rng: &rng)
        var b = self
        b.image = out.image
        b.mask = out.mask
        b.bandNames = out.bandNames
        return b
    }
}

extension DataLoader {
    /// A loader that runs `transforms` on every batch in the worker threads, seeded per batch by
    /// `ChipRandom.batchSeed(seed:epoch:batch:)` (so augmented batches are the same for any number of workers).
    public convenience init(_ dataset: any ChipDataset, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false,
                            workers: Int = 2, prefetch: Int = 2, seed: UInt64 = 0, transform: ChipTransform? = nil,
                            transforms: any BatchTransform) throws {
        try self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, workers: workers,
                      prefetch: prefetch, seed: seed, transform: transform,
                      batchTransform: { batch, seed in try batch.applying(transforms, seed: seed) })
    }
}
