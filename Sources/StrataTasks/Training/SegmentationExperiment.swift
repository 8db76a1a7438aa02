import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTensor

/// `strata train` with `task: segmentation`: rasters (`data.images`) ∩ vector labels (`data.labels`, class from
/// `data.label_attribute`, optionally mapped by `data.class_map`) rasterised on the fly onto the image grid;
/// pixels outside every polygon are `data.ignore_index`. Random chips around the label features (`data.sampling:
/// labels`, the default) or anywhere in the labels' extent (`extent`) train a
/// segmentation model (UNet with a ResNet encoder by default); a fixed set of chips validates it (OA, kappa,
/// per-class IoU, mIoU).
public final class SegmentationExperiment {
    public let config: TrainConfig
    public let card: ModelCard
    public let model: Module
    public let trainer: Trainer
    public let train: GeoLoaderSource
    public let validation: GeoLoaderSource
    public let runDirectory: URL
    public let classNames: [String]

    public init(config c: TrainConfig, configText: String, progress: Bool? = nil) throws {
        config = c
        runDirectory = URL(fileURLWithPath: c.output)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        Runtime.configure(threads: c.trainer.threads)
        Runtime.manualSeed(c.trainer.seed)
        guard !c.data.images.isEmpty else { throw ConfigError("data.images: give the raster file(s) to train on (task: segmentation)") }
        guard let labels = c.data.labels else { throw ConfigError("data.labels: give the vector file with label polygons (task: segmentation)") }
        guard c.data.chipSize % 32 == 0 else {
            throw ConfigError("data.chip_size: \(c.data.chipSize) must be a multiple of 32 for UNet models (e.g. 64, 128, 256)")
        }
        let images = try RasterDataset(paths: c.data.images, bands: c.data.bands, dtype: .float32)
        // The label features, read once: their attribute values name the classes, their boxes guide the sampler.
        let labelSource = try VectorSource(path: labels)
        let labelFeatures = try labelSource.features(in: images.crs)
        let (classMap, names) = try Self.classMap(labelFeatures, source: labelSource, attribute: c.data.labelAttribute,
                                                  given: c.data.classMap)
        classNames = names
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
        let normalization = try Self.normalization(c.data, images: images, chips: valSampler.chips(epoch: 0),
                                                   cache: runDirectory.appendingPathComponent("normalization.json"))
        card = try ModelCard(architecture: c.model, task: .segmentation, bands: images.bandNames, normalization: normalization,
                             inputSize: [c.data.chipSize, c.data.chipSize], classNames: names,
                             extra: ["labels": labels, "label_attribute": c.data.labelAttribute ?? "",
                                     "ignore_index": String(c.data.ignoreIndex)])
        model = try ModelRegistry.make(name: c.model, inChannels: card.inChannels, numClasses: card.numClasses)
        if let w = c.modelWeights {
            try ClassificationExperiment.loadPretrained(w, into: model, options: c.weightLoadOptions)
        }

        train = GeoLoaderSource(try GeoDataLoader(dataset: joint, sampler: trainSampler, batchSize: c.data.batchSize,
                                                  workers: c.data.workers, shuffle: true, seed: c.trainer.seed),
                                pipeline: try InputPipeline(card: card, augmentations: c.data.augment), seed: c.trainer.seed)
        validation = GeoLoaderSource(try GeoDataLoader(dataset: joint, sampler: valSampler, batchSize: c.data.batchSize,
                                                       workers: c.data.workers, seed: c.trainer.seed),
                                     pipeline: try InputPipeline(card: card), seed: c.trainer.seed, fixedEpoch: 0)
        let o = c.trainer.options(progress: progress, channelsLast: c.trainer.channelsLast)
        let opt = try OptimizerFactory.optimizer(c.trainer.optimizer, parameters: model.parameters())
        let sched = try OptimizerFactory.scheduler(c.trainer.scheduler, optimizer: opt, epochs: c.trainer.epochs,
                                                   monitorMaximizes: o.monitorMaximizes)
        trainer = try Trainer(model: model, kind: .segmentation, numClasses: names.count, classNames: names, optimizer: opt,
                              scheduler: sched,
                              loss: LossOptions(labelSmoothing: c.trainer.labelSmoothing, classWeights: c.trainer.classWeights,
                                                ignoreIndex: c.data.ignoreIndex),
                              options: o, runDirectory: runDirectory)
        trainer.checkpointMetadata = [ModelWeights.metadataKey: try card.jsonString(), "config": configText]
    }

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

    static func normalization(_ d: TrainConfig.Data, images: RasterDataset, chips: [BoundingBox], cache: URL) throws -> Normalization {
        switch d.normalize {
        case "none": return .none
        case "scale": return .scale(1 / d.scale)
        default: break
        }
        if let data = try? Data(contentsOf: cache), let n = try? JSONDecoder().decode(Normalization.self, from: data) { return n }
        let sample = try chips.prefix(64).map { try images.sample(bounds: $0).image! }
        let stats = try BandStatistics.compute(sample, bands: images.bandNames.count, nodata: images.nodata)
        let n: Normalization = d.normalize == "minmax" ? .minMax(min: stats.min, max: stats.max)
            : .meanStd(mean: stats.mean, std: stats.std.map { max($0, 1e-6) })
        try AtomicFile.write(try JSONEncoder().encode(n), to: cache)
        return n
    }

    public func run(resume: Bool) throws -> FitResult {
        if resume { try trainer.resumeIfPossible() }
        let result = try trainer.fit(train: train, validation: validation)
        if FileManager.default.fileExists(atPath: trainer.bestCheckpointURL.path) {
            try Checkpoint.load(trainer.bestCheckpointURL.path).restore(model: model, restoreRNG: false)
        }
        let ev = try trainer.evaluate(validation, label: "best model on val")
        try RunReport.write(title: "segmentation · \(config.model)", kind: .segmentation, log: trainer.log, evaluation: ev,
                            classNames: classNames, config: config, result: result,
                            to: runDirectory.appendingPathComponent("report.html"))
        return result
    }
}
