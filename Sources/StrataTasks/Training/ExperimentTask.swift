import Foundation
import StrataData
import StrataModels
import StrataTensor

/// What a task supplies to the shared training scaffold (`Experiment`), in the manner of TorchGeo's trainer base:
/// the data hook (`prepareData`), the model hook (`configureModel`), the weights hook (`loadPretrainedWeights`,
/// by default `PretrainedWeights`), the loss hook (`lossOptions`; the task's `TaskKind` picks `TaskLoss`), the
/// metrics hook (the kind picks `MetricAccumulator`) and the report hook (`reportTitle`). Everything else — run
/// folder, seeding and threads, normalisation, model card, building the model, optimizer/scheduler/trainer
/// wiring, resume, report.html, summary.json and the resolved config — is the scaffold's, the same for every task.
public protocol ExperimentTask {
    /// Opens the data for `config`: band and class names, the task kind, and the sources to train on.
    func prepareData(_ config: TrainConfig) throws -> ExperimentData
    /// Loss settings from the config (label smoothing, class weights, ignore index).
    func lossOptions(_ config: TrainConfig) -> LossOptions
    /// Adjusts the freshly built model before pretrained weights are loaded (e.g. `model.zero_init_residual`).
    func configureModel(_ model: Module, config: TrainConfig) throws
    /// The title of report.html.
    func reportTitle(_ config: TrainConfig) -> String
    /// A model's own training loss replacing the task's (nil: the task's `TaskLoss`).
    func modelLoss(_ model: Module, config: TrainConfig) throws -> ModelLoss?
    /// Loads `model.weights` into the freshly built model (the one place pretrained weights enter a run). The
    /// default reads any checkpoint layout with `PretrainedWeights` (prefixes, partial loads, first-conv
    /// adaptation); a task whose weights are part of another model (SenCLIP: the image tower of a CLIP
    /// checkpoint) overrides it.
    func loadPretrainedWeights(_ model: Module, config: TrainConfig) throws
}

extension ExperimentTask {
    public func modelLoss(_ model: Module, config: TrainConfig) throws -> ModelLoss? { nil }

    public func lossOptions(_ c: TrainConfig) -> LossOptions {
        LossOptions(labelSmoothing: c.trainer.labelSmoothing, classWeights: c.trainer.classWeights)
    }

    public func loadPretrainedWeights(_ model: Module, config c: TrainConfig) throws {
        guard let path = c.modelWeights else { return }
        let report = try PretrainedWeights.load(path, into: model, options: c.weightLoadOptions)
        print("model.\(report.summary)")
    }

    public func configureModel(_ model: Module, config c: TrainConfig) throws {
        guard c.zeroInitResidual else { return }
        if let resnet = model as? ResNet { return try resnet.zeroInitResiduals() }
        throw ConfigError("model.zero_init_residual: only ResNet models have residual blocks to zero (model \(c.model))")
    }
}

/// The data a task hands to the scaffold.
public struct ExperimentData {
    /// The task learnt from this data (decides loss and metrics).
    public var kind: TaskKind
    /// Input band names in channel order, and class names in output order (they make the model card).
    public var bands: [String]
    public var classNames: [String]
    /// The chip size the model trains on (nil: any).
    public var inputSize: [Int]?
    /// Free-form model-card entries (dataset, labels, …).
    public var extra: [String: String]
    /// Whether the inputs are `[B, C, H, W]` images (channels-last memory applies).
    public var imageInputs: Bool
    /// Raw images to compute normalisation statistics from, and the value marking missing pixels in them.
    public var statisticsImages: () throws -> [Tensor]
    public var statisticsNodata: Double?
    /// The training and validation sources, given the input pipelines (normalisation, + augmentation for training).
    public var makeSources: (_ train: InputPipeline, _ eval: InputPipeline) throws
        -> (train: BatchSource, validation: BatchSource)

    public init(kind: TaskKind, bands: [String], classNames: [String], inputSize: [Int]?,
                extra: [String: String] = [:], imageInputs: Bool = true,
                statisticsImages: @escaping () throws -> [Tensor], statisticsNodata: Double? = nil,
                makeSources: @escaping (InputPipeline, InputPipeline) throws
                    -> (train: BatchSource, validation: BatchSource)) {
        self.kind = kind
        self.bands = bands
        self.classNames = classNames
        self.inputSize = inputSize
        self.extra = extra
        self.imageInputs = imageInputs
        self.statisticsImages = statisticsImages
        self.statisticsNodata = statisticsNodata
        self.makeSources = makeSources
    }
}
