import Foundation
import StrataGeo
import StrataTensor

/// A dataset indexed by space (and time): files (or features) with footprints in one CRS, read on demand for any
/// query box at the dataset's resolution.
///
/// Footprints in `index` are *lattice-aligned*: a chip whose top-left corner is the footprint's (minX, maxY) moved
/// by whole pixels of `resolution` reads that entry without resampling. Samplers snap chips that way.
///
/// Conformers are immutable after construction and safe to query from several threads at once (each thread
/// reads through its own GDAL handles).
public protocol GeoDataset: AnyObject, Sendable {
    /// The CRS of `bounds`, `index` and every query.
    var crs: CRS { get }
    /// Pixel size (x, y) in `crs` units.
    var resolution: (x: Double, y: Double) { get }
    /// Footprints of the dataset's entries (files or scenes) in `crs`, with their time intervals.
    var index: SpatialIndex { get }
    /// Names of the image channels a sample carries (empty when there is no image).
    var bandNames: [String] { get }
    /// The value marking missing pixels in samples (nil: none; areas without data then read as 0).
    var nodata: Double? { get }

    /// Shapes and dtypes of the sample for `bounds` (the pixel size is the bounds divided by `resolution`).
    func layout(for bounds: BoundingBox) throws -> SampleLayout
    /// Reads the sample for `bounds` into `buffers` (laid out per `layout(for:)`).
    func read(bounds: BoundingBox, into buffers: SampleBuffers) throws
    /// The same data re-targeted onto another CRS / resolution (and optionally a global pixel lattice through
    /// `origin`), reprojecting on the fly. Used by `IntersectionDataset` and `UnionDataset` to align operands.
    func aligned(to target: GridTarget) throws -> any GeoDataset
}

/// Where a dataset's pixels land: a CRS, a resolution in its units, and optionally the origin of a pixel lattice
/// shared by every file (then chips of different files align exactly and mosaics need no resampling).
public struct GridTarget: Sendable {
    public var crs: CRS
    public var resolution: (x: Double, y: Double)
    public var origin: (x: Double, y: Double)?

    public init(crs: CRS, resolution: (x: Double, y: Double), origin: (x: Double, y: Double)? = nil) {
        self.crs = crs; self.resolution = resolution; self.origin = origin
    }
    /// The lattice of an explicit grid.
    public init(grid: GeoGrid) {
        self.init(crs: grid.crs, resolution: grid.resolution, origin: (grid.transform.originX, grid.transform.originY))
    }
}

extension GeoDataset {
    public var nodata: Double? { nil }

    /// The union of all footprints (an empty box at the origin when the dataset is empty).
    public var bounds: BoundingBox { index.bounds ?? BoundingBox(minX: 0, minY: 0, maxX: 0, maxY: 0) }

    /// Pixel size of a query box at this dataset's resolution (rounded to whole pixels, at least 1).
    public func pixelSize(of bounds: BoundingBox) -> (width: Int, height: Int) {
        (Swift.max(1, Int((bounds.width / resolution.x).rounded())), Swift.max(1, Int((bounds.height / resolution.y).rounded())))
    }

    /// Reads the sample for `bounds` into fresh tensors.
    public func sample(bounds: BoundingBox) throws -> GeoSample {
        let l = try layout(for: bounds)
        let image = try l.imageShape.map { try Tensor.empty($0, .init(dtype: l.imageDType)) }
        let mask = try l.maskShape.map { try Tensor.empty($0, .init(dtype: l.maskDType)) }
        try read(bounds: bounds, into: SampleBuffers(image: try image.map(ChipBuffer.init(tensor:)),
                                                     mask: try mask.map(ChipBuffer.init(tensor:))))
        return GeoSample(image: image, mask: mask, crs: crs, bounds: bounds, bandNames: bandNames)
    }

    /// `IntersectionDataset(self, other)`: samples where both have data, channels of both, aligned to `self`.
    public func intersection(_ other: any GeoDataset) throws -> IntersectionDataset {
        try IntersectionDataset(self, other)
    }
    /// `UnionDataset(self, other)`: samples where either has data, aligned to `self`.
    public func union(_ other: any GeoDataset) throws -> UnionDataset { try UnionDataset(self, other) }
}

/// A data-level failure: nothing matched the paths, a query outside the data, inconsistent files, bad options.
/// The message names the problem and how to fix it.
public struct DataError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
