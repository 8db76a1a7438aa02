import StrataGeo
import StrataTensor

/// One chip read from a `GeoDataset`: the pixels and, always, where they are.
///
/// The CRS and bounds (with the time interval of the query) stay attached from the sampler through the loader to
/// the model and the prediction writer (`grid` gives the exact pixel lattice for writing a GeoTIFF), so nothing
/// downstream has to guess where a pixel lies.
public struct GeoSample: Sendable {
    /// Image channels, [C, H, W] (float32 unless the dataset asked for another dtype).
    public var image: Tensor?
    /// Mask, [H, W] (int64 unless the dataset asked for another dtype), or [C, H, W] for several mask layers.
    public var mask: Tensor?
    /// The CRS of `bounds`.
    public var crs: CRS
    /// The chip's extent in `crs`, with the query's time interval.
    public var bounds: BoundingBox
    /// Names of the image channels, in order.
    public var bandNames: [String]

    public init(image: Tensor?, mask: Tensor?, crs: CRS, bounds: BoundingBox, bandNames: [String] = []) {
        self.image = image; self.mask = mask; self.crs = crs; self.bounds = bounds; self.bandNames = bandNames
    }

    /// The chip's pixel lattice (north-up; size from the image or mask).
    public var grid: GeoGrid {
        let shape = (image ?? mask)?.shape ?? [1, 1]
        let h = shape[shape.count - 2], w = shape[shape.count - 1]
        return GeoGrid(crs: crs, transform: GeoTransform(originX: bounds.minX, originY: bounds.maxY,
                                                         resX: bounds.width / Double(w), resY: bounds.height / Double(h)),
                       width: w, height: h)
    }
}

/// What a dataset will return for a query: shapes and dtypes, known before any pixel is read (the loader uses it
/// to allocate a batch once and read every chip straight into it).
public struct SampleLayout: Hashable, Sendable {
    /// Image channel count and dtype (nil: the dataset has no image).
    public var imageChannels: Int?
    public var imageDType: DType
    /// Mask layer count (nil: no mask; 0: a single [H, W] mask) and dtype.
    public var maskChannels: Int?
    public var maskDType: DType
    public var height: Int, width: Int

    public init(imageChannels: Int?, imageDType: DType = .float32, maskChannels: Int?, maskDType: DType = .int64,
                height: Int, width: Int) {
        self.imageChannels = imageChannels; self.imageDType = imageDType
        self.maskChannels = maskChannels; self.maskDType = maskDType
        self.height = height; self.width = width
    }

    /// Shape of one chip's image tensor.
    public var imageShape: [Int]? { imageChannels.map { [$0, height, width] } }
    /// Shape of one chip's mask tensor ([H, W] for a single layer).
    public var maskShape: [Int]? { maskChannels.map { $0 == 0 ? [height, width] : [$0, height, width] } }
}

/// Destination memory for one chip (a slice of a batch tensor, or a fresh chip tensor).
public struct SampleBuffers {
    public var image: ChipBuffer?
    public var mask: ChipBuffer?
    public init(image: ChipBuffer?, mask: ChipBuffer?) { self.image = image; self.mask = mask }
}
