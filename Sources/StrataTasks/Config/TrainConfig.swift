import Foundation
import StrataData
import StrataModels
import StrataTensor

/// Everything `strata train` needs, read from YAML (+ `--set key=value` overrides) and validated: unknown keys
/// and bad values are errors naming the key and what is allowed.
///
/// ```yaml
/// task: classification            # classification | multilabel | segmentation | change | semantic-change | lcz-fusion | senclip
/// data:
///   dataset: eurosat              # see `strata datasets`
///   root: ../shared/data/eurosat-ms
///   bands: [B02, B03, B04, B08]   # default: all of the dataset's bands
///   batch_size: 32
///   workers: 2
///   split: {train: 0.75, val: 0.25, seed: 0}   # or split_dir: folder with <name>-train.txt / -val.txt
///   normalize: {method: meanstd}  # meanstd (stats from the training split) | scale | minmax | none
///   augment: [hflip, vflip, rot90]
///   indices: [ndvi, ndwi]         # spectral indices appended as input bands (index_bands: {nir: B5} for other names)
/// model: {name: resnet18, weights: null}
/// trainer:
///   epochs: 20
///   optimizer: {name: adamw, lr: 1.0e-3, weight_decay: 1.0e-2}
///   scheduler: {name: plateau, patience: 10}
/// output: runs/eurosat-resnet18
/// ```
public struct TrainConfig: Sendable {
    public struct Data: Sendable {
        public var dataset: String
        public var root: String
        public var bands: [String]?
        public var batchSize = 32
        public var workers = 2
        public var trainFraction = 0.75, valFraction = 0.25, testFraction = 0.0
        public var splitSeed: UInt64 = 0
        public var splitDir: String?
        public var normalize = "meanstd"
        public var scale = 10000.0
        public var mean: [Double]?, std: [Double]?
        /// Spectral indices appended as input channels (`InputIndices`), e.g. `[ndvi, ndwi]`.
        public var indices: [String] = []
        /// Band names of the roles the indices need (`{nir: B5, red: B4}`), where the data's names are not the
        /// Sentinel-2 or role names.
        public var indexBands: [String: String] = [:]
        public var augment: [String] = []
        // geospatial segmentation data (dataset: raster)
        public var images: [String] = []
        public var labels: String?
        public var labelAttribute: String?
        public var classMap: [String: Int]?
        public var chipSize = 256
        /// Where segmentation chips are drawn: `labels` (around the label features, each feature equally often) or
        /// `extent` (anywhere in the labels' extent).
        public var sampling = "labels"
        public var chipsPerEpoch = 512
        public var valChips = 128
        public var ignoreIndex = 255
        /// `task: change` on OSCD: the cities to train and validate on (a split by city).
        public var trainCities: [String]?
        public var valCities: [String]?
        // LCZC-GES2 (dataset: lczc-ges2)
        /// The split pickle, relative to the root (nil: DF4LCZ's `patches_split/partition_random.npz`).
        public var partition: String?
        /// Leave out split entries whose patch or graph file is missing.
        public var skipMissing = false
        /// `data.series`: train on time series of `data.images` (segmentation; `SeriesDataset`), nil: single images.
        public var series: Series?
        /// `task: classification` on a change dataset (`ChangedChipSeries`): a chip is `changed` when more than this
        /// share of its labelled pixels changed.
        public var changedFraction = 0.05
    }
    /// `model.fusion` of `task: lcz-fusion`: DF4LCZ's late fusion weight and how the pair is trained.
    public struct Fusion: Sendable {
        /// `late` (DF4LCZ: each stream trained on its own loss, predictions fused) or `joint` (the fused output
        /// trained).
        public var training = "late"
        /// The Sentinel-2 stream's weight α in `α · P_S2 + (1 − α) · P_graph`.
        public var alpha = 0.6
    }
    /// `data.series: {max_dates: 2, bins: seasons:2020, pick: median, dates: metadata, date_regex:, date_format:}`.
    public struct Series: Sendable {
        /// T without bins: the first dates at each location, padded.
        public var maxDates: Int?
        /// `monthly:YYYY` or `seasons:YYYY` (`DateBins`).
        public var bins: String?
        /// How a bin becomes one layer: `nearest` or a composite (`latest`, `earliest`, `median`, `first_valid`).
        public var pick = "nearest"
        /// Where acquisition times come from: `metadata` (GDAL metadata) or `filename` (`date_regex` with a
        /// `(?<date>…)` group, parsed with `date_format`).
        public var dates = "metadata"
        public var dateRegex: String?
        public var dateFormat = "yyyyMMdd"
    }
    public struct Optimizer: Sendable {
        public var name = "adamw"
        public var lr = 1e-3
        public var weightDecay = 0.01
        public var momentum = 0.9
        public var nesterov = false
        public var betas = [0.9, 0.999]
    }
    public struct Scheduler: Sendable {
        public var name = "none"
        public var stepSize = 10
        public var gamma = 0.1
        public var milestones: [Int] = []
        public var warmupEpochs = 0
        public var patience = 10
        public var factor = 0.1
        public var minLR = 0.0
        public var maxLR: Double?
    }
    public struct Trainer: Sendable {
        public var epochs = 10
        public var seed: UInt64 = 0
        public var deterministic = false
        /// `trainer.precision`: 32 (fp32), bf16 or 16 (fp16) — see `TrainerOptions.Precision`.
        public var precision = "fp32"
        /// `trainer.device`: cpu, cuda, cuda:N or auto (`--device` overrides it); checked for a GPU when the run
        /// starts, not when the config is read.
        public var device = "cpu"
        public var gradClipNorm: Double?
        public var gradClipValue: Double?
        public var monitor = "val_loss"
        public var earlyStoppingPatience: Int?
        public var channelsLast = true
        public var threads: Int?
        /// `trainer.sync_batchnorm`: in a data-parallel run, BatchNorm statistics over the global batch (all ranks).
        public var syncBatchNorm = false
        /// `trainer.dist_timeout`: seconds a data-parallel rank waits for the others (rendezvous, each collective)
        /// before the job fails naming the rank.
        public var distTimeout = 300.0
        public var labelSmoothing = 0.0
        public var classWeights: [Double]?
        public var optimizer = Optimizer()
        public var scheduler = Scheduler()
    }

    /// `senclip:` — SenCLIP training (`task: senclip`; see `SenCLIPExperiment`).
    public struct SenCLIP: Sendable {
        /// `avgpool` or `attpool` (attention pooling per image) over the ground views.
        public var pooling = "avgpool"
        /// The attention pool's aggregation: `sum` (the authors' default), `mean`, `max`.
        public var poolOut = "sum"
        public var queueSize = 512
        public var dropout = 0.1
        public var temperature = 0.07
        /// Centre crop (pixels) before resizing; nil = none. The authors crop 100×100 patches to 32.
        public var crop: Int? = 32
        /// Model input size; nil = the image size the CLIP weights were trained at.
        public var imageSize: Int?
        /// Folder the chip paths of pairs.csv are relative to (default: data.root).
        public var chipsRoot: String?
    }

    /// What is trained (`task:`; `multilabel` and `multi-label` both name `.multilabel`).
    public var task: TaskKind = .classification
    /// A task with an experiment of its own beyond its `TaskKind` (`lcz-fusion`: classification of two-stream
    /// LCZC-GES2 samples with DF4LCZ's fusion model and LCZ metrics); nil for the plain tasks.
    public var experiment: String?
    /// `model.fusion` (only with `task: lcz-fusion`).
    public var fusion = Fusion()
    public var data: Data
    public var model = "resnet18"
    public var modelWeights: String?
    /// `model.weights_partial`: load the tensors of `model.weights` that fit, keep the rest initialised.
    public var weightsPartial = false
    /// `model.adapt_first_conv`: adapt the first convolution of `model.weights` to the data's band count.
    public var adaptFirstConv = false
    /// ResNet (and ResNet-encoder) models: start every residual block as the identity (last BN weight 0).
    public var zeroInitResidual = false
    /// `model.encoder`: the ResNet of the FC change networks (`fc-ef`, `fc-siam-conc`, `fc-siam-diff`).
    public var modelEncoder: String?
    public var trainer = Trainer()
    public var senclip = SenCLIP()
    public var output: String
    /// This process's share of the training data in a data-parallel run (set by the launcher, not a config key).
    public var shard: DataShard = .whole

    /// The tasks `strata train` can run (the other `TaskKind`s have no experiment yet).
    public static let trainableTasks: [TaskKind] = [.classification, .multilabel, .segmentation, .change,
                                                    .semanticChange, .embedding]
    /// Tasks named by their experiment, and the `TaskKind` each learns.
    public static let experimentTasks: [String: TaskKind] = ["lcz-fusion": .classification]
    /// Their names as configs write them (`multilabel` for `.multilabel`, `senclip` for `.embedding`: SenCLIP's
    /// contrastive training is the one embedding task).
    public static let tasks = trainableTasks.map { $0 == .multilabel ? "multilabel" : $0 == .embedding ? "senclip" : $0.rawValue }
        + experimentTasks.keys.sorted()
    /// `data:` keys that only LCZC-GES2 reads.
    public static let lczcOnlyKeys = ["partition", "skip_missing"]
    public static let fusionTrainings = ["late", "joint"]
    /// The dataset `task: senclip` reads (`SenCLIPPairs`).
    public static let senclipDataset = "senclip-pairs"
    /// `data:` keys that only segmentation (`dataset: raster`) reads, and keys that only chip datasets read: each is
    /// rejected for the other kind of task rather than silently ignored.
    public static let segmentationOnlyKeys = ["images", "labels", "label_attribute", "class_map", "chip_size",
                                              "sampling", "chips_per_epoch", "val_chips", "ignore_index", "series"]
    /// `data.series.pick` values.
    public static let seriesPicks = ["nearest", "latest", "earliest", "median", "first_valid"]
    public static let chipOnlyKeys = ["split", "split_dir"]
    /// `data:` keys `task: change` reads (chips cropped from the pairs; OSCD's split by city); the other
    /// segmentation and chip keys are rejected for it.
    public static let changeKeys = ["chip_size", "chips_per_epoch", "train_cities", "val_cities"]
    public static let optimizers = ["sgd", "adam", "adamw", "nadam", "rmsprop"]
    public static let schedulers = ["none", "step", "multistep", "exponential", "cosine", "onecycle", "plateau"]
    public static let normalizations = ["meanstd", "scale", "minmax", "none"]
    public static let samplings = ["labels", "extent"]
    public static let augmentations = ["hflip", "vflip", "rot90", "noise", "brightness"]

    /// Parses and validates. `datasets` and `models` are the known names (for error messages).
    public init(_ tree: ConfigTree, datasets: [String], models: [String]) throws {
        let r = tree.reader()
        let taskName = try r.string("task", default: "classification")!
        let lower = taskName.lowercased()
        let named = lower == "senclip" ? TaskKind.embedding
            : TaskKind(name: taskName).flatMap { $0 == .embedding ? nil : $0 }
        if let kind = Self.experimentTasks[lower] {
            experiment = lower
            task = kind
        } else if let kind = named, Self.trainableTasks.contains(kind) {
            task = kind
        } else {
            let known = TaskKind(name: taskName).map { " ('\($0.rawValue)' has no training experiment yet)" } ?? ""
            throw ConfigError("task: '\(taskName)' is not allowed\(known); allowed values: \(Self.tasks.joined(separator: ", "))")
        }
        output = try r.string("output", default: "runs/strata-run")!

        let d = try r.section("data")
        let datasetName = task == .embedding
            ? try d.string("dataset", default: Self.senclipDataset, allowed: [Self.senclipDataset])!
            : try d.requiredString("dataset", allowed: datasets, hint: "`strata datasets` lists them")
        data = Data(dataset: datasetName, root: try d.string("root", default: "")!)
        data.bands = try d.strings("bands")
        data.batchSize = try d.int("batch_size", default: 32, min: 1)!
        data.workers = try d.int("workers", default: 2, min: 0, max: 64)!
        data.splitDir = try d.string("split_dir")
        let s = try d.section("split")
        data.trainFraction = try s.double("train", default: 0.75, min: 0, max: 1)!
        data.valFraction = try s.double("val", default: 0.25, min: 0, max: 1)!
        data.testFraction = try s.double("test", default: 0, min: 0, max: 1)!
        data.splitSeed = UInt64(try s.int("seed", default: 0, min: 0)!)
        try s.finish()
        if data.trainFraction + data.valFraction + data.testFraction > 1 + 1e-9 {
            throw ConfigError("data.split: train + val + test fractions add up to more than 1")
        }
        let n = try d.section("normalize")
        data.normalize = try n.string("method", default: "meanstd", allowed: Self.normalizations)!
        data.scale = try n.double("scale", default: 10000, min: 1e-12)!
        data.mean = try n.doubles("mean")
        data.std = try n.doubles("std")
        try n.finish()
        if let m = data.mean, let sd = data.std, m.count != sd.count {
            throw ConfigError("data.normalize: mean has \(m.count) values but std has \(sd.count)")
        }
        data.indices = try d.strings("indices", default: [])!
        _ = try InputIndices.parse(data.indices)
        data.indexBands = try d.stringMap("index_bands") ?? [:]
        _ = try InputIndices.parseRoles(data.indexBands)
        if !data.indexBands.isEmpty && data.indices.isEmpty {
            throw ConfigError("data.index_bands names bands for data.indices, which is empty; give data.indices or drop the key")
        }
        data.augment = try d.strings("augment", default: [])!
        for a in data.augment where !Self.augmentations.contains(a) {
            throw ConfigError("data.augment: '\(a)' is not allowed; allowed values: \(Self.augmentations.joined(separator: ", "))")
        }
        data.images = try d.strings("images", default: [])!
        data.labels = try d.string("labels")
        data.labelAttribute = try d.string("label_attribute")
        data.classMap = try d.stringMap("class_map").map { m in
            try m.mapValues { v in
                guard let i = Int(v) else { throw ConfigError("data.class_map: value '\(v)' must be a class index") }
                return i
            }
        }
        data.chipSize = try d.int("chip_size", default: 256, min: 8)!
        data.sampling = try d.string("sampling", default: "labels", allowed: Self.samplings)!
        data.chipsPerEpoch = try d.int("chips_per_epoch", default: 512, min: 1)!
        data.valChips = try d.int("val_chips", default: 128, min: 0)!
        data.ignoreIndex = try d.int("ignore_index", default: 255)!
        data.trainCities = try d.strings("train_cities")
        data.valCities = try d.strings("val_cities")
        data.partition = try d.string("partition")
        data.skipMissing = try d.bool("skip_missing", default: false)!
        data.changedFraction = try d.double("changed_fraction", default: 0.05, min: 0, max: 0.999)!
        if d.has("series") {
            let se = try d.section("series")
            var series = Series()
            series.maxDates = try se.int("max_dates", min: 1, max: 366)
            series.bins = try se.string("bins")
            series.pick = try se.string("pick", default: "nearest", allowed: Self.seriesPicks)!
            series.dates = try se.string("dates", default: "metadata", allowed: ["metadata", "filename"])!
            series.dateRegex = try se.string("date_regex")
            series.dateFormat = try se.string("date_format", default: "yyyyMMdd")!
            try se.finish()
            if (series.maxDates == nil) == (series.bins == nil) {
                throw ConfigError("data.series: give exactly one of max_dates (first dates, padded) or bins "
                    + "(monthly:YYYY, seasons:YYYY)")
            }
            if series.dates == "filename" && series.dateRegex == nil {
                throw ConfigError("data.series.date_regex: dates: filename needs a regex with a (?<date>…) group, "
                    + "e.g. '_(?<date>\\d{8})\\.tif$'")
            }
            if series.dates == "metadata" && series.dateRegex != nil {
                throw ConfigError("data.series.date_regex applies to dates: filename; set dates: filename or drop it")
            }
            if series.bins == nil && series.pick != "nearest" {
                throw ConfigError("data.series.pick applies to date bins; give bins or drop pick")
            }
            data.series = series
        }
        try d.finish()
        if data.dataset != "lczc-ges2", let k = Self.lczcOnlyKeys.first(where: { d.has($0) }) {
            throw ConfigError("data.\(k) is an LCZC-GES2 setting (dataset: lczc-ges2) and does nothing for "
                + "dataset: \(data.dataset); remove it")
        }
        if task == .change && !ChangeDatasets.names.contains(datasetName.lowercased()) {
            throw ConfigError("data.dataset: '\(datasetName)' is not a change dataset; task: change reads \(ChangeDatasets.names.joined(separator: ", "))")
        }
        if task == .semanticChange && !ChangeDatasets.semanticNames.contains(datasetName.lowercased()) {
            throw ConfigError("data.dataset: '\(datasetName)' is not a semantic-change dataset; task: semantic-change reads \(ChangeDatasets.semanticNames.joined(separator: ", "))")
        }
        let given = Self.segmentationOnlyKeys + Self.chipOnlyKeys + ["root"] + Self.changeKeys
        let present = Set(given.filter { d.has($0) })
        if d.has("changed_fraction") && !classifiesChangedChips {
            throw ConfigError("data.changed_fraction labels series chips of a change dataset (task: classification, "
                + "dataset: \(ChangeDatasets.names.joined(separator: " | "))) and does nothing here; remove it")
        }
        if classifiesChangedChips {
            try checkChangedChipKeys(present: present, section: d)
        } else if task == .multilabel && ChangeDatasets.names.contains(datasetName.lowercased()) {
            throw ConfigError("data.dataset: \(datasetName) has no multi-label classes; its chips classify as "
                + "unchanged / changed with task: classification")
        } else if task == .change || task == .semanticChange {
            if let k = (Self.segmentationOnlyKeys + Self.chipOnlyKeys).first(where: {
                present.contains($0) && !Self.changeKeys.contains($0)
            }) {
                throw ConfigError("data.\(k) does nothing for task: \(task.rawValue) (pairs come from the dataset's split lists or data.train_cities / data.val_cities; chips from data.chip_size and data.chips_per_epoch); remove it")
            }
        } else if let k = ["train_cities", "val_cities"].first(where: present.contains) {
            throw ConfigError("data.\(k) is a task: change / semantic-change setting (split by city); remove it or set that task")
        } else if task == .embedding, let k = Self.chipOnlyKeys.first(where: present.contains) {
            throw ConfigError("data.\(k): task: senclip takes its splits from the split column of pairs.csv; remove data.\(k)")
        } else if task == .segmentation {
            if let k = Self.chipOnlyKeys.first(where: present.contains) {
                throw ConfigError("data.\(k): segmentation draws its training and validation chips from data.images (data.chips_per_epoch, data.val_chips, different seeds); a split of a chip dataset does not apply — remove data.\(k)")
            }
        } else if let k = Self.segmentationOnlyKeys.first(where: present.contains) {
            throw ConfigError("data.\(k) is a segmentation setting (task: segmentation, dataset: raster) and does nothing for task: \(task.rawValue); remove it or set task: segmentation")
        }

        let m = try r.section("model")
        model = try m.string("name", default: experiment == "lcz-fusion" ? "df4lcz-fusion"
                                 : task == .embedding ? "senclip" : "resnet18",
                             allowed: task == .embedding ? ["senclip"] : models)!
        modelWeights = try m.string("weights")
        weightsPartial = try m.bool("weights_partial", default: false)!
        adaptFirstConv = try m.bool("adapt_first_conv", default: false)!
        if modelWeights == nil && (weightsPartial || adaptFirstConv) {
            let key = weightsPartial ? "weights_partial" : "adapt_first_conv"
            throw ConfigError("model.\(key) applies to model.weights, which is not set; give model.weights or drop the key")
        }
        zeroInitResidual = try m.bool("zero_init_residual", default: false)!
        modelEncoder = try m.string("encoder", allowed: ["resnet18", "resnet34", "resnet50"])
        if modelEncoder != nil && !model.hasPrefix("fc-") {
            throw ConfigError("model.encoder chooses the ResNet of fc-ef / fc-siam-conc / fc-siam-diff and does nothing for \(model); remove it")
        }
        let f = try m.section("fusion")
        fusion.training = try f.string("training", default: "late", allowed: Self.fusionTrainings)!
        fusion.alpha = try f.double("alpha", default: 0.6, min: 0, max: 1)!
        try f.finish()
        let fusionGiven = m.has("fusion")
        try m.finish()
        if experiment == "lcz-fusion" {
            guard model == "df4lcz-fusion" else {
                throw ConfigError("model.name: task lcz-fusion trains DF4LCZ's two-stream model; set "
                    + "model.name: df4lcz-fusion (got \(model))")
            }
            guard data.dataset == "lczc-ges2" else {
                throw ConfigError("data.dataset: task lcz-fusion needs Sentinel-2 chips paired with segment "
                    + "graphs; set data.dataset: lczc-ges2 (got \(data.dataset))")
            }
        } else if fusionGiven {
            throw ConfigError("model.fusion applies to task: lcz-fusion only; remove it or set task: lcz-fusion")
        }

        let t = try r.section("trainer")
        trainer.epochs = try t.int("epochs", default: 10, min: 1)!
        trainer.seed = UInt64(try t.int("seed", default: 0, min: 0)!)
        trainer.deterministic = try t.bool("deterministic", default: false)!
        let precision = try t.string("precision", default: "fp32", allowed: TrainerOptions.Precision.names)!
        trainer.precision = TrainerOptions.Precision(name: precision)!.rawValue
        trainer.device = try t.string("device", default: "cpu")!
        do { _ = try Device.request(trainer.device, option: "trainer.device") } catch {
            throw ConfigError("\(error)")
        }
        trainer.gradClipNorm = try t.double("grad_clip_norm", min: 0)
        trainer.gradClipValue = try t.double("grad_clip_value", min: 0)
        trainer.monitor = try t.string("monitor", default: "val_loss")!
        trainer.earlyStoppingPatience = try t.int("early_stopping_patience", min: 1)
        trainer.channelsLast = try t.bool("channels_last", default: true)!
        trainer.threads = try t.int("threads", min: 1, max: 1024)
        trainer.syncBatchNorm = try t.bool("sync_batchnorm", default: false)!
        trainer.distTimeout = try t.double("dist_timeout", default: 300, min: 1)!
        trainer.labelSmoothing = try t.double("label_smoothing", default: 0, min: 0, max: 1)!
        trainer.classWeights = try t.doubles("class_weights")
        let o = try t.section("optimizer")
        trainer.optimizer.name = try o.string("name", default: "adamw", allowed: Self.optimizers)!
        trainer.optimizer.lr = try o.double("lr", default: 1e-3, min: 0)!
        trainer.optimizer.weightDecay = try o.double("weight_decay", default: trainer.optimizer.name == "adamw" ? 0.01 : 0, min: 0)!
        trainer.optimizer.momentum = try o.double("momentum", default: 0.9, min: 0, max: 1)!
        trainer.optimizer.nesterov = try o.bool("nesterov", default: false)!
        trainer.optimizer.betas = try o.doubles("betas", default: [0.9, 0.999])!
        try o.finish()
        if trainer.optimizer.betas.count != 2 { throw ConfigError("trainer.optimizer.betas: give two values, e.g. [0.9, 0.999]") }
        let sc = try t.section("scheduler")
        trainer.scheduler.name = try sc.string("name", default: "none", allowed: Self.schedulers)!
        trainer.scheduler.stepSize = try sc.int("step_size", default: 10, min: 1)!
        trainer.scheduler.gamma = try sc.double("gamma", default: 0.1, min: 0)!
        trainer.scheduler.milestones = try sc.ints("milestones", default: [])!
        trainer.scheduler.warmupEpochs = try sc.int("warmup_epochs", default: 0, min: 0)!
        trainer.scheduler.patience = try sc.int("patience", default: 10, min: 0)!
        trainer.scheduler.factor = try sc.double("factor", default: 0.1, min: 0, max: 1)!
        trainer.scheduler.minLR = try sc.double("min_lr", default: 0, min: 0)!
        trainer.scheduler.maxLR = try sc.double("max_lr", min: 0)
        try sc.finish()
        try t.finish()
        if r.has("senclip") && task != .embedding {
            throw ConfigError("senclip: settings of task: senclip, but task is \(task.rawValue); remove the section or set task: senclip")
        }
        let sc2 = try r.section("senclip")
        senclip.pooling = try sc2.string("pooling", default: "avgpool", allowed: ["avgpool", "attpool"])!
        senclip.poolOut = try sc2.string("pool_out", default: "sum", allowed: ["sum", "mean", "max"])!
        senclip.queueSize = try sc2.int("queue_size", default: 512, min: 1)!
        senclip.dropout = try sc2.double("dropout", default: 0.1, min: 0, max: 1)!
        senclip.temperature = try sc2.double("temperature", default: 0.07, min: 1e-6)!
        senclip.crop = try sc2.int("crop", default: 32, min: 0).flatMap { $0 == 0 ? nil : $0 }
        senclip.imageSize = try sc2.int("image_size", min: 8)
        senclip.chipsRoot = try sc2.string("chips_root")
        try sc2.finish()
        if task == .embedding {
            guard modelWeights != nil else {
                throw ConfigError("model.weights: task: senclip fine-tunes a CLIP image tower; give the CLIP weights to start from (OpenAI .pt, open_clip .bin/.safetensors, a SenCLIP .ckpt)")
            }
            let unused: [(String, Bool)] = [("data.indices", !data.indices.isEmpty),
                                             ("trainer.label_smoothing", trainer.labelSmoothing != 0),
                                             ("trainer.class_weights", trainer.classWeights != nil),
                                             ("model.weights_partial", weightsPartial),
                                             ("model.adapt_first_conv", adaptFirstConv),
                                             ("model.zero_init_residual", zeroInitResidual)]
            if let (key, _) = unused.first(where: { $0.1 }) {
                throw ConfigError("\(key) does nothing for task: senclip (a 3-band CLIP tower loaded strictly, trained with InfoNCE, no classes); remove it")
            }
            if senclip.queueSize % data.batchSize != 0 {
                throw ConfigError("senclip.queue_size \(senclip.queueSize) must be a multiple of data.batch_size \(data.batchSize) (the queue is replaced one batch at a time)")
            }
        }
        try r.finish()
    }
}

extension TrainConfig {
    /// How `model.weights` is loaded: `model.weights_partial` and `model.adapt_first_conv`.
    public var weightLoadOptions: WeightLoadOptions {
        WeightLoadOptions(allowPartial: weightsPartial, adaptFirstConv: adaptFirstConv)
    }
}
