import StrataTensor

extension GeoBatch {
    /// Applies a batch transform to this batch's image and mask, keeping its CRS, bounds and index.
    ///
    /// The generator is `TransformRNG(seed: seed, stream: epoch << 32 | index)`: each batch of each epoch gets its
    /// own reproducible stream, so loader threads may transform batches in any order and a seeded run repeats
    /// exactly. Bounds stay those of the chips as read: after geometric augmentations (flips, rotations, crops)
    /// they describe the source window, not the transformed pixels — augment for training, not for prediction.
    public func transformed(by transform: any BatchTransform, seed: UInt64, epoch: Int = 0) throws -> GeoBatch {
        var rng = TransformRNG(seed: seed, stream: UInt64(truncatingIfNeeded: epoch) << 32 | UInt64(truncatingIfNeeded: index))
        return try transformed(by: transform, rng: &rng)
    }

    /// Applies a batch transform drawing from `rng`.
    public func transformed(by transform: any BatchTransform, rng: inout TransformRNG) throws -> GeoBatch {
        guard let image else {
            throw TransformError("batch \(index) has no image to transform (a mask-only dataset); transforms act on images and keep masks aligned")
        }
        let out = try transform.apply(try TransformBatch(image: image, mask: mask, bandNames: bandNames), rng: &rng)
        return GeoBatch(index: index, image: out.image, mask: out.mask, crs: crs, bounds: bounds, bandNames: out.bandNames)
    }
}

extension ChipBatch {
    /// Applies a batch transform to this batch's image and mask (labels, ids, CRS and bounds are kept).
    public func transformed(by transform: any BatchTransform, rng: inout TransformRNG) throws -> ChipBatch {
        let out = try transform.apply(try TransformBatch(image: image, mask: mask, bandNames: bandNames), rng: &rng)
        var b = self
        b.image = out.image
        b.mask = out.mask
        b.bandNames = out.bandNames
        return b
    }
}

extension BatchTransform {
    /// This transform as a `DataLoader` per-batch transform: each batch's generator is seeded with the loader's
    /// per-(seed, epoch, batch) value, so results do not depend on the number of workers.
    ///
    /// ```swift
    /// let loader = try DataLoader(dataset, batchSize: 32, shuffle: true, seed: 1,
    ///                             batchTransform: Compose([...]).chipBatchTransform)
    /// ```
    public var chipBatchTransform: ChipBatchTransform {
        let t = self
        return { batch, seed in
            var rng = TransformRNG(seed: seed)
            return try batch.transformed(by: t, rng: &rng)
        }
    }
}
