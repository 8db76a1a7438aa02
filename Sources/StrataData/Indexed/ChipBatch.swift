import StrataGeo
import StrataTensor

/// A batch of chips collated into tensors, with each chip's identity and georeferencing.
public struct ChipBatch: Sendable {
    /// Position of the batch in its epoch (0, 1, 2, …).
    public let index: Int
    /// `[B, C, H, W]`.
    public var image: Tensor
    /// `[B]` int64 class indices (`.classification`), `[B, K]` float32 multi-hot vectors (`.multilabel`) or the
    /// `[B, H, W]` int64 change masks (`.change`), or `[B, 3, H, W]` (`.semanticChange`: both dates' classes, change).
    public var label: Tensor
    /// `[B, H, W]` or `[B, K, H, W]` when the dataset has masks.
    public var mask: Tensor?
    /// Each chip's index in the loader's dataset.
    public let indices: [Int]
    /// Each chip's id (file or patch name).
    public let ids: [String]
    /// Where each chip lies (chips of one batch may lie in different UTM zones); nil where not georeferenced.
    public let georeferences: [ChipGeoreference?]
    /// Names of the image channels.
    public var bandNames: [String]
    /// The chips' segment graphs as one disjoint batch (graph i belongs to chip i), when the samples carry graphs.
    public var graph: GraphBatch?

    public init(index: Int, image: Tensor, label: Tensor, mask: Tensor?, indices: [Int], ids: [String],
                georeferences: [ChipGeoreference?], bandNames: [String], graph: GraphBatch? = nil) {
        self.index = index; self.image = image; self.label = label; self.mask = mask; self.indices = indices
        self.ids = ids; self.georeferences = georeferences; self.bandNames = bandNames; self.graph = graph
    }

    /// A batch with known CRSs and bounds (a chip is georeferenced where both are given).
    public init(index: Int, image: Tensor, label: Tensor, mask: Tensor?, indices: [Int], ids: [String], crs: [CRS?],
                bounds: [BoundingBox?], bandNames: [String]) {
        let geo = zip(crs, bounds).map { c, b in c.flatMap { c in b.map { ChipGeoreference(crs: c, bounds: $0) } } }
        self.init(index: index, image: image, label: label, mask: mask, indices: indices, ids: ids, georeferences: geo,
                  bandNames: bandNames)
    }

    /// Number of chips.
    public var count: Int { indices.count }
    /// Each chip's CRS (resolved on first use, see `ChipGeoreference`); nil where not georeferenced.
    public var crs: [CRS?] { georeferences.map { $0?.crs } }
    /// Each chip's extent in its CRS; nil where not georeferenced.
    public var bounds: [BoundingBox?] { georeferences.map { $0?.bounds } }

    /// The pixel lattice of chip `i` (for writing a prediction as a georeferenced raster); nil when not georeferenced.
    public func grid(_ i: Int) -> GeoGrid? {
        guard let geo = georeferences[i], let crs = geo.crs else { return nil }
        let b = geo.bounds
        let h = image.size(-2), w = image.size(-1)
        return GeoGrid(crs: crs, transform: GeoTransform(originX: b.minX, originY: b.maxY,
                                                         resX: b.width / Double(w), resY: b.height / Double(h)),
                       width: w, height: h)
    }

    /// Collates samples (in order) into one batch: images stacked to `[B, C, H, W]`, labels to `[B]` int64 or
    /// `[B, K]` float32, masks stacked when every sample has one. Throws when shapes or dtypes differ, naming the
    /// chips.
    public static func collate(_ samples: [ChipSample], index: Int, task: TaskKind,
                               classCount: Int) throws -> ChipBatch {
        guard let first = samples.first else { throw DatasetError(.invalidArgument, "cannot collate an empty batch") }
        let shape = first.image.shape, dtype = first.image.dtype
        for s in samples.dropFirst() where s.image.shape != shape || s.image.dtype != dtype {
            throw DatasetError(.inconsistent, "batch \(index): chip \(s.id) is \(s.image.shape) \(s.image.dtype) but chip \(first.id) is \(shape) \(dtype); every chip of a batch must have the same bands and size (resize or crop them in a transform, or use batch size 1)")
        }
        guard shape.count == 3 else {
            throw DatasetError(.inconsistent, "batch \(index): chip \(first.id) has shape \(shape); chips must be [C, H, W]")
        }
        let image = samples.count == 1 ? try first.image.unsqueeze(0).contiguous() : try Tensor.stack(samples.map(\.image))

        let label: Tensor
        switch task {
        case .classification:
            var v = [Int64](); v.reserveCapacity(samples.count)
            for s in samples {
                guard case .single(let c) = s.label else {
                    throw DatasetError(.inconsistent, "batch \(index): chip \(s.id) has a multi-label label in a multiclass dataset")
                }
                guard c >= 0 && c < classCount else {
                    throw DatasetError(.inconsistent, "batch \(index): chip \(s.id) has class \(c), outside 0..<\(classCount)")
                }
                v.append(Int64(c))
            }
            label = try Tensor(v)
        case .multilabel:
            var v = [Float](); v.reserveCapacity(samples.count * classCount)
            for s in samples {
                for c in s.label.classes where c < 0 || c >= classCount {
                    throw DatasetError(.inconsistent, "batch \(index): chip \(s.id) has class \(c), outside 0..<\(classCount)")
                }
                v += s.label.multiHot(classCount: classCount)
            }
            label = try Tensor(v, shape: [samples.count, classCount])
        case .semanticChange:
            // Date 1 classes, date 2 classes and change stacked as the label: `[B, 3, H, W]` int64.
            label = try Tensor.stack(try samples.map { s in
                guard let m = s.mask, m.rank == 3, m.size(0) == 3, Array(m.shape.suffix(2)) == Array(shape.suffix(2))
                else {
                    throw DatasetError(.inconsistent, "batch \(index): semantic-change chip \(s.id) needs a [3, H, W] "
                        + "mask (classes of both dates, change) of its image's size \(Array(shape.suffix(2)))")
                }
                return try m.to(.int64)
            })
        case .change:
            // The change mask is the label (`[B, H, W]` int64; pairs stacked on channels, see `ChangePairChips`).
            label = try Tensor.stack(try samples.map { s in
                guard let m = s.mask, Array(m.shape) == Array(shape.suffix(2)) else {
                    throw DatasetError(.inconsistent, "batch \(index): change chip \(s.id) needs a change mask of its "
                        + "image's size \(Array(shape.suffix(2)))")
                }
                return try m.to(.int64)
            })
        case .embedding:
            // Paired data (SenCLIPPairs): each label is the row of the target embeddings the chip pairs with.
            var v = [Int64](); v.reserveCapacity(samples.count)
            for s in samples {
                guard case .single(let r) = s.label, r >= 0 else {
                    throw DatasetError(.inconsistent, "batch \(index): chip \(s.id) has no pairing row")
                }
                v.append(Int64(r))
            }
            label = try Tensor(v)
        default:
            throw DatasetError(.invalidArgument, "batch \(index): chip datasets carry classification, multi-label or change labels, not \(task.rawValue)")
        }

        var mask: Tensor? = nil
        let masks = samples.compactMap(\.mask)
        if !masks.isEmpty {
            guard masks.count == samples.count else {
                let without = samples.first { $0.mask == nil }!.id
                throw DatasetError(.inconsistent, "batch \(index): chip \(without) has no mask but others have one")
            }
            let ms = masks[0].shape
            for (s, m) in zip(samples, masks) where m.shape != ms {
                throw DatasetError(.inconsistent, "batch \(index): mask of chip \(s.id) is \(m.shape) but the first chip's is \(ms)")
            }
            mask = try Tensor.stack(masks)
        }
        var graph: GraphBatch? = nil
        let graphs = samples.compactMap(\.graph)
        if !graphs.isEmpty {
            guard graphs.count == samples.count else {
                let without = samples.first { $0.graph == nil }!.id
                throw DatasetError(.inconsistent, "batch \(index): chip \(without) has no graph but others have one")
            }
            graph = try GraphBatch(graphs)
        }
        return ChipBatch(index: index, image: image, label: label, mask: mask, indices: samples.map(\.index),
                         ids: samples.map(\.id), georeferences: samples.map(\.georeference),
                         bandNames: first.bandNames, graph: graph)
    }
}
