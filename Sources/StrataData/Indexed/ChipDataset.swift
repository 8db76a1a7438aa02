import StrataGeo
import StrataTensor

/// The label of one chip.
public enum ChipLabel: Hashable, Sendable {
    /// The index of the chip's class in `classNames`.
    case single(Int)
    /// The indices of the classes present, ascending and distinct (may be empty).
    case multiple([Int])

    /// The class indices the label holds.
    public var classes: [Int] {
        switch self {
        case .single(let c): [c]
        case .multiple(let cs): cs
        }
    }

    /// The label as a vector of `classCount` zeros with ones at its classes.
    public func multiHot(classCount: Int) -> [Float] {
        var v = [Float](repeating: 0, count: classCount)
        for c in classes where c >= 0 && c < classCount { v[c] = 1 }
        return v
    }
}

/// One fixed chip of an index-addressed dataset: pixels, label and — when the file is georeferenced — where it is.
public struct ChipSample: Sendable {
    /// Pixels, `[C, H, W]` (float32 unless the dataset was asked for another type).
    public var image: Tensor
    public var label: ChipLabel
    /// An optional per-pixel mask, `[H, W]` or `[K, H, W]`.
    public var mask: Tensor?
    /// Where the chip lies (nil for files without georeferencing, e.g. PNG/JPEG chips).
    public var georeference: ChipGeoreference?
    /// Names of the image channels, in order.
    public var bandNames: [String]
    /// Position of the chip in its dataset.
    public var index: Int
    /// A stable name for the chip (file path, patch name, `file.h5#row`), for reports and error messages.
    public var id: String
    /// A second input stream: the segment graph of the chip's high-resolution image (DF4LCZ's LCZC-GES2), batched
    /// into ``ChipBatch/graph``.
    public var graph: SegmentGraph?

    public init(image: Tensor, label: ChipLabel, mask: Tensor? = nil, georeference: ChipGeoreference? = nil,
                bandNames: [String], index: Int, id: String, graph: SegmentGraph? = nil) {
        self.image = image; self.label = label; self.mask = mask; self.georeference = georeference
        self.bandNames = bandNames; self.index = index; self.id = id; self.graph = graph
    }

    /// A sample with a known CRS and bounds (georeferenced only when both are given).
    public init(image: Tensor, label: ChipLabel, mask: Tensor? = nil, crs: CRS?, bounds: BoundingBox?,
                bandNames: [String], index: Int, id: String) {
        let geo = crs.flatMap { c in bounds.map { ChipGeoreference(crs: c, bounds: $0) } }
        self.init(image: image, label: label, mask: mask, georeference: geo, bandNames: bandNames, index: index, id: id)
    }

    /// The CRS of `bounds` (resolved on first use; see `ChipGeoreference`).
    public var crs: CRS? { georeference?.crs }
    /// The chip's extent in `crs`.
    public var bounds: BoundingBox? { georeference?.bounds }

    /// The chip's pixel lattice (north-up), when it is georeferenced.
    public var grid: GeoGrid? {
        guard let crs, let bounds else { return nil }
        let h = image.size(-2), w = image.size(-1)
        return GeoGrid(crs: crs, transform: GeoTransform(originX: bounds.minX, originY: bounds.maxY,
                                                         resX: bounds.width / Double(w), resY: bounds.height / Double(h)),
                       width: w, height: h)
    }
}

/// A dataset of fixed chips addressed by index (EuroSAT, So2Sat, BigEarthNet, a folder of class folders, …), as
/// opposed to a `GeoDataset` queried by location.
///
/// Conformers are immutable after construction and safe to read from several threads at once: files are opened per
/// call (GDAL handles are never shared between threads), and shared readers (HDF5) serialise themselves.
public protocol ChipDataset: AnyObject, Sendable {
    /// Number of chips.
    var count: Int { get }
    /// Class names; label indices point into this list. Its count is the model's number of outputs.
    var classNames: [String] { get }
    /// Names of the image channels every sample carries.
    var bandNames: [String] { get }
    /// Single-label or multi-label.
    var task: TaskKind { get }
    /// The label of chip `index`, without reading its pixels (for splits, class counts and weights).
    func label(at index: Int) throws -> ChipLabel
    /// A stable name of chip `index` (its file or patch).
    func id(at index: Int) -> String
    /// Reads chip `index`. Throws a `DatasetError` naming the chip when it cannot be read.
    func sample(at index: Int) throws -> ChipSample
}

extension ChipDataset {
    /// Every label, in index order.
    public func labels() throws -> [ChipLabel] { try (0..<count).map { try label(at: $0) } }

    /// Number of chips carrying each class (a multi-label chip counts once for each of its classes).
    public func classCounts() throws -> [Int] {
        var n = [Int](repeating: 0, count: classNames.count)
        for i in 0..<count { for c in try label(at: i).classes where c >= 0 && c < n.count { n[c] += 1 } }
        return n
    }

    /// A view of some of the chips, in the order given.
    public func subset(_ indices: [Int]) throws -> ChipSubset { try ChipSubset(self, indices: indices) }

    /// Throws unless `index` addresses a chip.
    public func checkIndex(_ index: Int) throws {
        guard index >= 0 && index < count else {
            throw DatasetError(.invalidArgument, "\(type(of: self)): index \(index) is out of range 0..<\(count)")
        }
    }
}

/// Some of another dataset's chips (a split, a fold, a debugging sample), re-indexed from 0.
public final class ChipSubset: ChipDataset {
    public let base: any ChipDataset
    /// Indices into `base`.
    public let indices: [Int]

    public init(_ base: any ChipDataset, indices: [Int]) throws {
        for i in indices where i < 0 || i >= base.count {
            throw DatasetError(.invalidArgument, "ChipSubset: index \(i) is out of range 0..<\(base.count) of \(type(of: base))")
        }
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }
    public var classNames: [String] { base.classNames }
    public var bandNames: [String] { base.bandNames }
    public var task: TaskKind { base.task }
    public func label(at index: Int) throws -> ChipLabel { try checkIndex(index); return try base.label(at: indices[index]) }
    public func id(at index: Int) -> String { index >= 0 && index < count ? base.id(at: indices[index]) : "#\(index)" }
    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        var s = try base.sample(at: indices[index])
        s.index = index
        return s
    }
}
