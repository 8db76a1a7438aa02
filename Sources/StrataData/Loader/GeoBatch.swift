import StrataGeo
import StrataTensor

/// A batch of chips with their georeferencing: image [B, C, H, W] and/or mask [B, H, W] (or [B, C, H, W]), plus
/// each chip's bounds in `crs` — kept through the model to the prediction writer.
public struct GeoBatch: Sendable {
    /// Position of this batch in its epoch (0, 1, 2, …).
    public let index: Int
    public var image: Tensor?
    public var mask: Tensor?
    public let crs: CRS
    /// Each chip's extent (with its time interval), in batch order.
    public let bounds: [BoundingBox]
    public let bandNames: [String]
    /// For batches of a `SeriesDataset`: the dates of each chip's slots and the padding mask.
    public var series: SeriesBatchInfo?

    public init(index: Int, image: Tensor?, mask: Tensor?, crs: CRS, bounds: [BoundingBox], bandNames: [String],
                series: SeriesBatchInfo? = nil) {
        self.index = index; self.image = image; self.mask = mask; self.crs = crs; self.bounds = bounds
        self.bandNames = bandNames; self.series = series
    }

    /// The image of a series batch as `[B, T, C, H, W]` (a view of `image`, which is `[B, T·C, H, W]`).
    public func seriesImage() throws -> Tensor {
        guard let s = series, let image else { throw DataError("not a series batch (read from a SeriesDataset)") }
        let sh = image.shape
        return try image.view([sh[0], s.dates[0].count, sh[1] / s.dates[0].count, sh[2], sh[3]])
    }

    /// Number of chips.
    public var count: Int { bounds.count }

    /// The pixel lattice of chip `i` (for writing its prediction as a georeferenced raster).
    public func grid(_ i: Int) -> GeoGrid {
        let shape = (image ?? mask)?.shape ?? [1, 1, 1]
        let h = shape[shape.count - 2], w = shape[shape.count - 1]
        let b = bounds[i]
        return GeoGrid(crs: crs, transform: GeoTransform(originX: b.minX, originY: b.maxY,
                                                         resX: b.width / Double(w), resY: b.height / Double(h)),
                       width: w, height: h)
    }
}

/// What a batch of series chips carries beside the pixels.
public struct SeriesBatchInfo: Sendable {
    /// Per chip, per slot: the date span read (nil: padding).
    public var dates: [[TimeSpan?]]
    /// `[B, T]` bool: true for real dates, false for padding.
    public var dateMask: Tensor
    /// Per chip: dates met beyond `maxDates` (or outside every bin), left out.
    public var omittedDates: [Int]
    /// Band names of one date.
    public var bandsPerDate: [String]
}
