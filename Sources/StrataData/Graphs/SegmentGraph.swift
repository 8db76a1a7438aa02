import StrataTensor

/// One graph of image segments, built exactly as DF4LCZ builds its high-resolution stream's graphs
/// (`ins_gen.py` + `testmask.py`, spec: methods.md §1.3).
///
/// - **Masks**: sorted by area, largest first (a stable sort: equal areas keep their input order, as Python's
///   `sorted(…, reverse=True)`); masks under `minArea` (50) pixels are dropped and at most `maxNodes` (50) kept.
/// - **Node features** `[n, 5]` = `[mean R, mean G, mean B, cx, cy]`: the mean over the mask's pixels of the image
///   divided by 255 (uint8 images; float images are used as given), and the bounding-box centre divided by
///   `coordinateScale` (320, DF4LCZ's patch size — a constant in the authors' code, not the image size). The box is
///   SAM's XYWH box (`x = min column`, `w = max column − min column`), so `cx = (x + w/2)/320` is the midpoint of
///   the mask's first and last columns.
/// - **Adjacency**: `A = 1[d > 0]` for the distances between node centres — the complete graph without self-loops;
///   two nodes with identical centres get no edge. Normalised as Spektral's `NormalizeAdj`,
///   `Â = D^-1/2 A D^-1/2` with no self-loops added; a node without edges has a zero row (Spektral sets D^-1/2 = 0
///   where the degree is 0). On a complete graph `Â = A/(n−1)`.
///
/// ```swift
/// let labels = try Felzenszwalb(scale: 100, sigma: 0.5, minSize: 50).segment(rgb)
/// let graph = try SegmentGraph(image: rgb, labels: labels, label: 4)
/// let batch = try GraphBatch([graph, other])
/// ```
public struct SegmentGraph: @unchecked Sendable {
    /// Node features `[n, 5]` float32.
    public let x: Tensor
    /// The normalised adjacency `Â` `[n, n]` float32.
    public let adjacency: Tensor
    /// The class label (0-based), if known.
    public let label: Int?
    /// Pixel areas of the kept masks, largest first (one per node).
    public let areas: [Int]

    public var nodeCount: Int { x.size(0) }

    /// DF4LCZ's constants: masks of ≥ 50 px, at most 50 nodes, centres divided by 320.
    public struct Options: Sendable, Equatable {
        public var minArea = 50
        public var maxNodes = 50
        public var coordinateScale = 320.0
        public init(minArea: Int = 50, maxNodes: Int = 50, coordinateScale: Double = 320) {
            self.minArea = minArea
            self.maxNodes = maxNodes
            self.coordinateScale = coordinateScale
        }
    }

    /// A graph from given node features and a matrix whose positive entries are the edges — a 0/1 adjacency, or
    /// LCZC-GES2's stored centre distances `a` (DF4LCZ's loader takes `A = (a > 0)`) — normalised as Spektral's
    /// `NormalizeAdj`. The diagonal should be 0 (DF4LCZ's graphs have no self-loops); it is used as given.
    public init(x: Tensor, adjacency a: Tensor, label: Int? = nil, areas: [Int] = []) throws {
        guard x.rank == 2, a.rank == 2, a.size(0) == x.size(0), a.size(1) == x.size(0) else {
            throw DatasetError(.invalidArgument, "SegmentGraph: node features must be [n, F] and the adjacency "
                + "[n, n], got \(x.shape) and \(a.shape)")
        }
        self.x = try x.to(.float32).contiguous()
        adjacency = try Self.normalize(a.gt(0.0))
        self.label = label
        self.areas = areas
    }

    /// A graph from instance masks `[M, H, W]` (bool or 0/1; SAM's masks may overlap) over an image `[3, H, W]`.
    public init(image: Tensor, masks: Tensor, label: Int? = nil, options: Options = Options()) throws {
        guard masks.rank == 3 else {
            throw DatasetError(.invalidArgument, "SegmentGraph: masks must be [M, H, W], got \(masks.shape)")
        }
        let m = try masks.ne(0.0)
        let areas = try m.sum(dims: [1, 2]).ints()
        let keep = Self.selectMasks(areas: areas, options: options)
        try self.init(image: image, keptMasks: keep.isEmpty ? nil : m.indexSelect(dim: 0, index: Tensor(keep)),
                      areas: keep.map { areas[$0] }, label: label, options: options)
    }

    /// A graph from a label image `[H, W]` (one mask per label value ≥ 0, as ``Felzenszwalb/segment(_:)``
    /// returns; negative values belong to no mask) over an image `[3, H, W]`.
    public init(image: Tensor, labels: Tensor, label: Int? = nil, options: Options = Options()) throws {
        guard labels.rank == 2, !labels.dtype.isFloatingPoint else {
            throw DatasetError(.invalidArgument, "SegmentGraph: labels must be an integer [H, W] image, got "
                + "\(labels.dtype) \(labels.shape)")
        }
        let flat = try labels.to(.int64).reshape([-1])
        let valid = try flat.maskedSelect(flat.ge(0.0))
        let areas = valid.count == 0 ? [] : try valid.bincount().ints()
        let keep = Self.selectMasks(areas: areas, options: options)
        let masks = try keep.isEmpty ? nil
            : labels.to(.int64).unsqueeze(0).eq(Tensor(keep).reshape([-1, 1, 1]))
        try self.init(image: image, keptMasks: masks, areas: keep.map { areas[$0] }, label: label, options: options)
    }

    // MARK: building

    /// Indices of the masks kept: area ≥ minArea, largest first (stable), at most maxNodes.
    static func selectMasks(areas: [Int], options: Options) -> [Int] {
        let order = areas.indices.sorted { areas[$0] != areas[$1] ? areas[$0] > areas[$1] : $0 < $1 }
        return Array(order.filter { areas[$0] >= options.minArea }.prefix(options.maxNodes))
    }

    private init(image: Tensor, keptMasks masks: Tensor?, areas: [Int], label: Int?, options: Options) throws {
        guard image.rank == 3, image.size(0) == 3 else {
            throw DatasetError(.invalidArgument, "SegmentGraph: the image must be RGB [3, H, W], got \(image.shape)")
        }
        guard let masks else {
            try self.init(x: Tensor.zeros([0, 5]), adjacency: Tensor.zeros([0, 0]), label: label, areas: [])
            return
        }
        guard masks.size(1) == image.size(1), masks.size(2) == image.size(2) else {
            throw DatasetError(.invalidArgument, "SegmentGraph: masks are \(masks.size(1))×\(masks.size(2)) but the "
                + "image is \(image.size(1))×\(image.size(2))")
        }
        let (h, w) = (image.size(1), image.size(2))
        let rgb = image.dtype == .uint8 ? try image.to(.float64) / 255.0 : try image.to(.float64)
        let mf = try masks.to(.float64).reshape([masks.size(0), h * w])
        let sums = try mf.matmul(rgb.reshape([3, h * w]).t())
        let means = try sums / mf.sum(dim: 1, keepdim: true)
        let centres = try Self.boxCentres(masks)
        let xy = try centres.to(.float64) / (2 * options.coordinateScale)
        let features = try Tensor.cat([means, xy], dim: 1)
        // d > 0 ⇔ the doubled integer centres differ.
        let diff = try centres.unsqueeze(1) - centres.unsqueeze(0)
        let a = try diff.ne(0.0).any(dim: 2)
        try self.init(x: features, adjacency: a, label: label, areas: areas)
    }

    /// Doubled box centres `[M, 2]` (int64): `(min col + max col, min row + max row)`.
    static func boxCentres(_ masks: Tensor) throws -> Tensor {
        func span(_ any: Tensor, _ length: Int) throws -> Tensor {
            let pos = try Tensor.arange(length).unsqueeze(0)
            let inside = try any.to(.int64)
            let hi = try ((pos + 1) * inside).amax(dims: [1]) - 1
            let lo = try (pos + (1 - inside) * length).amin(dims: [1])
            return try lo + hi
        }
        let cols = try span(masks.any(dim: 1), masks.size(2))
        let rows = try span(masks.any(dim: 2), masks.size(1))
        return try Tensor.stack([cols, rows], dim: 1)
    }

    /// Spektral's `normalized_adjacency(A, symmetric=True)`: `D^-1/2 A D^-1/2`, 0 where the degree is 0 (float64
    /// arithmetic, float32 result).
    static func normalize(_ a: Tensor) throws -> Tensor {
        let a64 = try a.to(.float64)
        let degree = try a64.sum(dim: 1)
        let inv = try Tensor.where(degree.gt(0.0), degree.rsqrt(), 0.0)
        return try (a64 * inv.unsqueeze(1) * inv.unsqueeze(0)).to(.float32).contiguous()
    }
}
