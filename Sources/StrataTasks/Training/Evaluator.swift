import Foundation
import StrataModels
import StrataTensor

/// Evaluates a model on a data source: loss and the task's metrics in eval mode without gradients. Needs no
/// optimizer, so a checkpoint can be evaluated without training machinery; `Trainer` validates with one.
public struct Evaluator {
    public let model: Module
    public let kind: TaskKind
    public let numClasses: Int
    public let loss: TaskLoss
    public let options: TrainerOptions

    public init(model: Module, kind: TaskKind, numClasses: Int, loss: LossOptions = .init(),
                options: TrainerOptions = .init()) throws {
        try options.device.checkAvailable()
        if options.device != .cpu { try model.to(options.device) }
        try self.init(model: model, kind: kind, numClasses: numClasses,
                      taskLoss: TaskLoss(kind: kind, options: loss, model: model, device: options.device),
                      options: options)
    }

    init(model: Module, kind: TaskKind, numClasses: Int, taskLoss: TaskLoss, options: TrainerOptions) throws {
        self.model = model
        self.kind = kind
        self.numClasses = numClasses
        self.loss = taskLoss
        self.options = options
    }

    /// Loss and metrics of the model on `source` (eval mode, no gradients; the model is left in training mode).
    /// On a GPU the batches come through `DeviceBatches`; metrics accumulate from the device tensors (each batch's
    /// confusion counts are computed on the device, only the counts come back).
    public func evaluate(_ hostSource: BatchSource, label: String = "evaluate") throws -> EvaluationResult {
        let source = DeviceBatches.wrap(hostSource, device: options.device)
        model.eval()
        defer { model.train() }
        var acc = try MetricAccumulator(kind: kind, numClasses: numClasses,
                                        ignoreIndex: loss.options.ignoreIndex >= 0 ? loss.options.ignoreIndex : nil,
                                        secondConvention: kind == .semanticChange && loss.options.secondMetrics,
                                        lcz: options.lczMetrics)
        let progress = makeProgress(label, total: source.sampleCount)
        var total = 0.0, seen = 0
        try Torch.noGrad {
            try source.forEachBatch(epoch: 0) { batch in
                let input = try prepare(batch.input)
                let target = try batch.target.to(options.device)
                let out = try Torch.autocast(options.device, options.precision) {
                    try outputs(batch, input: input)
                }
                let weight = try lossWeight(target, batch.count)
                if weight > 0 {
                    total += try trainingLoss(out, target, modelLoss: false).item() * Double(weight)
                    seen += weight
                }
                try acc.update(logits: out.prediction, target: target)
                progress?.advance(Double(batch.count))
            }
        }
        progress?.finish()
        return EvaluationResult(loss: seen > 0 ? total / Double(seen) : .nan, metrics: acc.summary, accumulator: acc)
    }

    /// The model's scores for a batch: a one-input model's output serves as prediction and training term (segment
    /// graphs a batch may carry are not its input); a `GraphInputModel` gets the chips and the batch's graphs (on
    /// the device).
    func outputs(_ batch: TrainingBatch, input: Tensor) throws -> GraphModelOutputs {
        guard let g = batch.graph, let m = model as? GraphInputModel else {
            // A one-input model on two-stream data (DF4LCZ's Sentinel-2 stream alone) reads the chips only.
            if model is GraphInputModel {
                throw TrainingError("\(type(of: model)) takes chips and their segment graphs, but the batches carry no "
                    + "graphs; train it on a dataset with graphs (dataset: lczc-ges2, task: lcz-fusion)")
            }
            let y = try model(input)
            return GraphModelOutputs(prediction: y, trainingTerms: [y])
        }
        return try m.outputs(chips: input, x: g.x.to(options.device), adjacency: g.adjacency.to(options.device),
                             graphIndex: g.graphIndex.to(options.device))
    }

    /// The sum of the training loss (the model's own, `LossOptions.modelLoss`, else the task's) over the outputs'
    /// training terms.
    /// `modelLoss: false` (evaluation): the task's loss even when the model has its own.
    func trainingLoss(_ out: GraphModelOutputs, _ target: Tensor, modelLoss: Bool = true) throws -> Tensor {
        let one = { (t: Tensor) throws -> Tensor in modelLoss ? try self.loss.training(t, target) : try self.loss(t, target) }
        var total = try one(out.trainingTerms[0])
        for t in out.trainingTerms.dropFirst() { total = try total + one(t) }
        return total
    }

    /// How much a batch's mean loss counts: its sample count, or for dense tasks its labelled pixel count
    /// (0 when every pixel is ignored — cross-entropy's mean is undefined there).
    func lossWeight(_ target: Tensor, _ count: Int) throws -> Int {
        guard kind.isDense else { return count }
        return try (target .!= Double(loss.options.ignoreIndex)).sum().itemInt()
    }

    /// The batch on the device, float32, channels-last when configured.
    func prepare(_ x: Tensor) throws -> Tensor {
        var t = try x.to(options.device)
        if t.dtype != .float32 { t = try t.to(.float32) }
        if options.channelsLast && t.rank == 4 { t = try t.contiguous(.channelsLast) }
        return t
    }

    func makeProgress(_ label: String, total: Int) -> Progress? {
        if options.progress == false { return nil }
        return Progress(label, total: Double(total), unit: "chips", interactive: options.progress == true ? true : nil)
    }
}
