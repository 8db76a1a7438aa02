import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTensor

/// The hooks of `task: segmentation`: rasters (`data.images`) ∩ vector labels (`data.labels`, class from
/// `data.label_attribute`, optionally mapped by `data.class_map`) rasterised on the fly onto the image grid;
/// pixels outside every polygon are `data.ignore_index`. Relative `images`/`labels` paths are taken under
/// `data.root` when it is set. Random chips around the label features (`data.sampling: labels`, the default) or
/// anywhere in the labels' extent (`extent`) train a segmentation model (UNet with a ResNet encoder by default); a
/// fixed set of chips validates it (OA, kappa, per-class IoU, mIoU) and gives the normalisation statistics. The rest
/// of the run is `Experiment`'s.
public struct SegmentationExperiment: ExperimentTask {
    public init() {}

    /// `path` under `root` when it is relative and a root is set.
    static func resolve(_ path: String, root: String) -> String {
        guard !root.isEmpty, !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: root).appendingPathComponent(path).path
    }

    public func prepareData(_ c: TrainConfig) throws -> ExperimentData {
        guard !c.data.images.isEmpty else { throw ConfigError("data.images: give the raster file(s) to train on (task: segmentation)") }
        guard let givenLabels = c.data.labels else {
            throw ConfigError("data.labels: give the vector file with label polygons (task: segmentation)")
        }
        guard c.data.chipSize % 32 == 0 else {
            throw ConfigError("data.chip_size: \(c.data.chipSize) must be a multiple of 32 for UNet models (e.g. 64, 128, 256)")
        }
        let labels = Self.resolve(givenLabels, root: c.data.root)
        let paths = c.data.images.map { Self.resolve($0, root: c.data.root) }
        let images: any GeoDataset = try c.data.series.map { try Self.seriesDataset(paths, bands: c.data.bands, $0) }
            ?? RasterDataset(paths: paths, bands: c.data.bands, dtype: .float32)
        // The label features, read once: their attribute values name the classes, their boxes guide the sampler.
        let labelSource = try VectorSource(path: labels)
        let labelFeatures = try labelSource.features(in: images.crs)
        let (classMap, names) = try Self.classMap(labelFeatures, source: labelSource, attribute: c.data.labelAttribute,
                                                  given: c.data.classMap)
        let burn: Burn = c.data.labelAttribute.map { .classMap(attribute: $0, classMap) } ?? .constant(1)
        let vectors = try VectorDataset(paths: [labels], burn: burn, crs: images.crs,
                                        resolution: Resolution(x: images.resolution.x, y: images.resolution.y),
                                        fill: Double(c.data.ignoreIndex), dtype: .int64)
        let joint = try IntersectionDataset(images, vectors)
        guard let roi = joint.index.bounds else { throw DataError("the labels do not overlap the images (no common area)") }

        let trainSampler: any GeoSampler, valSampler: any GeoSampler
        switch c.data.sampling {
        case "extent":
            trainSampler = try RandomGeoSampler(joint, size: .pixels(c.data.chipSize), length: c.data.chipsPerEpoch,
                                                roi: .bounds(roi), seed: c.trainer.seed)
            valSampler = try RandomGeoSampler(joint, size: .pixels(c.data.chipSize), length: max(1, c.data.valChips),
                                              roi: .bounds(roi), seed: c.trainer.seed &+ 7919)
        default:
            // Around the label features: sparse polygons over a large scene otherwise leave most chips unlabelled.
            // Chips are placed within the images (not the labels' extent, which would pin chips around features at
            // its edges to one spot); pixels outside the polygons are ignored by the loss.
            let boxes = labelFeatures.compactMap { $0.geometry?.bounds }
            trainSampler = try FeatureGeoSampler(images, features: boxes, size: .pixels(c.data.chipSize),
                                                 length: c.data.chipsPerEpoch, seed: c.trainer.seed)
            valSampler = try FeatureGeoSampler(images, features: boxes, size: .pixels(c.data.chipSize),
                                               length: max(1, c.data.valChips), seed: c.trainer.seed &+ 7919)
        }
        return ExperimentData(
            kind: .segmentation, bands: images.bandNames, classNames: names,
            inputSize: [c.data.chipSize, c.data.chipSize],
            extra: ["labels": labels, "label_attribute": c.data.labelAttribute ?? "",
                    "ignore_index": String(c.data.ignoreIndex)]
                .merging((images as? SeriesDataset).map { ["series_dates": String($0.maxDates)] } ?? [:]) { a, _ in a },
            statisticsImages: {
                try valSampler.chips(epoch: 0).prefix(64).map { try images.sample(bounds: $0).image! }
            },
            statisticsNodata: images.nodata,
            makeSources: { trainPipe, evalPipe in
                (GeoLoaderSource(try GeoDataLoader(dataset: joint, sampler: trainSampler, batchSize: c.data.batchSize,
                                                   workers: c.data.workers, shuffle: true, seed: c.trainer.seed,
                                                   shard: c.shard),
                                 pipeline: trainPipe, seed: c.trainer.seed, zeroNaN: c.data.series != nil),
                 GeoLoaderSource(try GeoDataLoader(dataset: joint, sampler: valSampler, batchSize: c.data.batchSize,
                                                   workers: c.data.workers, seed: c.trainer.seed),
                                 pipeline: evalPipe, seed: c.trainer.seed, fixedEpoch: 0,
                                 zeroNaN: c.data.series != nil))
            })
    }

    /// `data.series`: the images as a `SeriesDataset` (T·C channels `NAME@k`, date-major), dates from GDAL
    /// metadata or the file names.
    static func seriesDataset(_ paths: [String], bands: [String]?, _ s: TrainConfig.Series) throws -> SeriesDataset {
        let base = try RasterDataset(paths: paths, filenameRegex: s.dateRegex, dateFormat: s.dateFormat, bands: bands,
                                     dtype: .float32, time: s.dates == "metadata" ? .metadata : .fileName)
        guard base.index.entries.contains(where: { $0.minT != nil }) else {
            throw ConfigError("data.series: no acquisition time found for any of data.images (dates: \(s.dates)); "
                + "set dates: filename with a date_regex, or add ACQUISITIONDATETIME metadata")
        }
        let bins = try s.bins.map(Self.dateBins)
        let pick: BinPick = switch s.pick {
        case "latest": .composite(.latest)
        case "earliest": .composite(.earliest)
        case "median": .composite(.median)
        case "first_valid": .composite(.firstValid)
        default: .nearest
        }
        return try SeriesDataset(base, maxDates: bins == nil ? s.maxDates : nil, bins: bins, pick: pick)
    }

    /// `monthly:YYYY` / `seasons:YYYY`.
    static func dateBins(_ text: String) throws -> DateBins {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let year = Int(parts[1]), (1900...2200).contains(year) else {
            throw ConfigError("data.series.bins: '\(text)' is not monthly:YYYY or seasons:YYYY")
        }
        switch parts[0] {
        case "monthly": return DateBins.monthly(year: year)
        case "seasons": return DateBins.seasons(year: year)
        default: throw ConfigError("data.series.bins: '\(parts[0])' is not monthly or seasons")
        }
    }

    public func lossOptions(_ c: TrainConfig) -> LossOptions {
        LossOptions(labelSmoothing: c.trainer.labelSmoothing, classWeights: c.trainer.classWeights,
                    ignoreIndex: c.data.ignoreIndex)
    }

    /// Segmentation models have no residual-only switch of their own: `model.zero_init_residual` is rejected.
    public func configureModel(_ model: Module, config c: TrainConfig) throws {
        if c.zeroInitResidual {
            throw ConfigError("model.zero_init_residual applies to ResNet classifiers only, not to \(c.model) (task: segmentation); remove it")
        }
    }

    public func reportTitle(_ c: TrainConfig) -> String { "segmentation · \(c.model)" }

    /// The class of each attribute value: the given map, or the distinct values of the attribute sorted by name.
    static func classMap(_ features: [Feature], source: VectorSource, attribute: String?,
                         given: [String: Int]?) throws -> ([String: Int], [String]) {
        if let given {
            let n = (given.values.max() ?? -1) + 1
            var names = (0..<n).map { "class \($0)" }
            for (k, v) in given where v >= 0 { names[v] = k }
            return (given, names)
        }
        guard let attribute else { return ([:], ["background", "labelled"]) }
        let values = Set(features.compactMap { f -> String? in
            guard let v = f.attributes[attribute] else { return nil }
            if case .null = v { return nil }
            return "\(v)"
        })
        guard !values.isEmpty else {
            let fields = (try? source.info().fields.map(\.name).joined(separator: ", ")) ?? "?"
            throw ConfigError("data.label_attribute: no feature of \(source.path) has a value for '\(attribute)'; fields: \(fields)")
        }
        let names = values.sorted()
        return (Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }), names)
    }
}
