import Foundation
import StrataTensor
import StrataData

/// The result of a `fit`: per-epoch history, the best epoch and its validation metrics.
public struct FitResult: Sendable {
    public var epochsRun: Int
    public var bestEpoch: Int?
    public var bestValue: Double?
    public var history: [[String: Double]]
    public var stoppedEarly: Bool
    public var final: [String: Double] { history.last ?? [:] }
}

/// Evaluation of a model on one data source.
public struct EvaluationResult {
    public var loss: Double
    public var metrics: [String: Double]
    public var accumulator: MetricAccumulator
}

/// Fits a model: epochs of optimizer steps over a `BatchSource`, validation, metric logs (CSV + JSONL),
/// checkpoints (`last.ckpt` every epoch, `best.ckpt` on improvement; both atomic), exact resume, early stopping,
/// LR schedules, gradient clipping, bf16/fp16 autocast (fp16 with a `GradScaler`), a progress bar with chips/s and
/// ETA, and a clear stop on a NaN/Inf loss that keeps the last good checkpoint.
///
/// On a GPU (`options.device`) the model — hence the optimizer state, created lazily next to each parameter or
/// restored there on resume — and the loss's class weights are moved once, at construction; batches arrive through
/// `DeviceBatches` (pinned host memory, non-blocking copies one batch ahead); checkpoints are written from CPU
/// copies, so a GPU run's checkpoint loads on a CPU-only machine.
public final class Trainer {
    public let model: Module
    public let kind: TaskKind
    public let numClasses: Int
    public let classNames: [String]
    public let optimizer: any Optimizer
    /// Stepped once per epoch (after validation); `ReduceLROnPlateau` gets the monitored value.
    public let scheduler: (any LRScheduler)?
    public let options: TrainerOptions
    public let loss: TaskLoss
    /// Loss scaling for fp16 training (nil for fp32 and bf16).
    public let scaler: GradScaler?
    /// Validation and evaluation (shares the model, loss and options).
    public let evaluator: Evaluator
    public let runDirectory: URL
    /// Extra strings stored in every checkpoint (model card, config): what `strata predict` needs later.
    public var checkpointMetadata: [String: String] = [:]
    /// Called after each epoch with its row of metrics.
    public var onEpochEnd: ((Int, [String: Double]) -> Void)?
    /// Distributed data parallel: gradients averaged over the ranks after each backward, the train loss reduced over
    /// them, rank 0's state broadcast when `fit` starts, and only rank 0 writing logs and checkpoints. The training
    /// source must be this rank's shard (`TrainConfig.shard`); validation runs on every rank over the whole split,
    /// so every rank takes the same best-epoch and early-stopping decisions.
    public var dataParallel: DataParallel? {
        didSet { log.writesFiles = dataParallel?.isMain ?? true }
    }
    var writesFiles: Bool { dataParallel?.isMain ?? true }

    public private(set) var log: MetricLog
    var bestValue: Double?
    var bestEpoch: Int?
    var badEpochs = 0
    var startEpoch = 1
    var globalStep = 0
    /// Seconds of the current epoch in `backward()` and in waiting for the gradient all-reduces afterwards.
    var epochBackwardSeconds = 0.0, epochGradientWaitSeconds = 0.0

    public var lastCheckpointURL: URL { runDirectory.appendingPathComponent("last.ckpt") }
    public var bestCheckpointURL: URL { runDirectory.appendingPathComponent("best.ckpt") }

    public init(model: Module, kind: TaskKind, numClasses: Int, classNames: [String] = [], optimizer: any Optimizer,
                scheduler: (any LRScheduler)? = nil, loss: LossOptions = .init(), options: TrainerOptions = .init(),
                runDirectory: URL) throws {
        self.model = model
        self.kind = kind
        self.numClasses = numClasses
        self.classNames = classNames
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.options = options
        try options.device.checkAvailable()
        if options.device != .cpu { try model.to(options.device) }
        self.loss = try TaskLoss(kind: kind, options: loss, model: model, device: options.device)
        scaler = options.precision == .fp16 ? try GradScaler(device: options.device) : nil
        evaluator = try Evaluator(model: model, kind: kind, numClasses: numClasses, taskLoss: self.loss,
                                  options: options)
        self.runDirectory = runDirectory
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        self.log = try MetricLog(directory: runDirectory)
        if options.deterministic { try Runtime.setDeterministic(true) }
        if options.channelsLast { try model.toMemoryFormat(.channelsLast) }
    }

    // MARK: resume

    /// Restores model, optimizer, scheduler, RNG, epoch counter, best value and early-stopping state from
    /// `last.ckpt` in the run folder. Returns the epoch the checkpoint finished (0 if there is none).
    @discardableResult
    public func resumeIfPossible() throws -> Int {
        guard FileManager.default.fileExists(atPath: lastCheckpointURL.path) else { return 0 }
        let ck: Checkpoint
        do { ck = try CheckpointFile.load(lastCheckpointURL.path) } catch {
            throw TrainingError("cannot resume from \(lastCheckpointURL.path): \(error). Delete the run folder or pass a new --output to start over")
        }
        do { try ck.restore(model: model, optimizer: optimizer, scheduler: scheduler) } catch {
            throw TrainingError("\(lastCheckpointURL.path) does not match this model/optimizer (\(error)); it was written by a different configuration — use a new --output folder")
        }
        // Loading may hand the parameters contiguous payloads; put the layout back so the kernels (and hence the
        // floating-point results) are exactly those of an uninterrupted run.
        if options.channelsLast { try model.toMemoryFormat(.channelsLast) }
        startEpoch = ck.epoch + 1
        globalStep = ck.step
        bestValue = ck.metadata["trainer.best_value"].flatMap(Double.init)
        bestEpoch = ck.metadata["trainer.best_epoch"].flatMap(Int.init)
        badEpochs = ck.metadata["trainer.bad_epochs"].flatMap(Int.init) ?? 0
        if let scaler, let scale = ck.metadata["trainer.grad_scale"].flatMap(Double.init) {
            try scaler.load(scale: scale,
                            growthTracker: ck.metadata["trainer.grad_growth_tracker"].flatMap(Int.init) ?? 0)
        }
        try log.reload(upTo: ck.epoch)
        return ck.epoch
    }

    // MARK: fit

    public func fit(train: BatchSource, validation: BatchSource? = nil) throws -> FitResult {
        var stoppedEarly = false
        if startEpoch > options.epochs {
            return FitResult(epochsRun: startEpoch - 1, bestEpoch: bestEpoch, bestValue: bestValue, history: log.rows,
                             stoppedEarly: false)
        }
        if let dp = dataParallel {
            try dp.broadcastState(model)
            // Gradients all-reduced bucket by bucket while backward runs (waited for by averageGradients).
            if dp.reducer == nil { try dp.overlapGradients(model.parameters()) }
        }
        let profile = LoaderProfile.enabled ? EpochProfile(train: train, validation: validation) : nil
        let train: BatchSource = profile?.train ?? train
        let validation: BatchSource? = profile?.validation ?? validation
        for epoch in startEpoch...options.epochs {
            let t0 = Date()
            profile?.start()
            loss.options.modelLoss?.epoch = epoch
            let trainLoss = try trainEpoch(train, epoch: epoch)
            profile?.trainDone()
            var row: [String: Double] = ["epoch": Double(epoch), "train_loss": trainLoss,
                                         "lr": optimizer.learningRate(group: 0),
                                         "train_seconds": Date().timeIntervalSince(t0)]
            for (k, v) in loss.options.modelLoss?.takeMeans() ?? [:] { row["train_\(k)"] = v }
            if dataParallel != nil {  // this rank's step-time breakdown (the part of all-reduce backward did not hide)
                row["train_backward_seconds"] = epochBackwardSeconds
                row["train_allreduce_wait_seconds"] = epochGradientWaitSeconds
            }
            if let validation {
                if let dp = dataParallel { try dp.broadcastBuffers(model) }  // every rank validates rank 0's model
                let ev = try evaluate(validation, label: "val \(epoch)/\(options.epochs)")
                row["val_loss"] = ev.loss
                for (k, v) in ev.metrics { row["val_\(k)"] = v }
            }
            row["epoch_seconds"] = Date().timeIntervalSince(t0)
            profile?.finish(epoch: epoch)
            try stepScheduler(row)
            let improved = try updateBest(row, epoch: epoch)
            try log.append(row)
            if writesFiles { try saveCheckpoint(epoch: epoch, to: lastCheckpointURL) }
            if improved && writesFiles { try FileManager.default.copyItemAtomically(from: lastCheckpointURL, to: bestCheckpointURL) }
            onEpochEnd?(epoch, row)
            if let patience = options.earlyStoppingPatience, badEpochs >= patience {
                stoppedEarly = true
                break
            }
        }
        return FitResult(epochsRun: Int(log.rows.last?["epoch"] ?? 0), bestEpoch: bestEpoch, bestValue: bestValue,
                         history: log.rows, stoppedEarly: stoppedEarly)
    }

    func trainEpoch(_ hostSource: BatchSource, epoch: Int) throws -> Double {
        model.train()
        let source = DeviceBatches.wrap(hostSource, device: options.device)
        let parameters = model.parameters()
        epochBackwardSeconds = 0
        epochGradientWaitSeconds = 0
        let progress = makeProgress("epoch \(epoch)/\(options.epochs)", total: source.sampleCount)
        var total = 0.0, seen = 0
        try source.forEachBatch(epoch: epoch) { batch in
            let input = try prepare(batch.input)
            let target = try batch.target.to(options.device)
            // Segmentation chips may hold no labelled pixel at all (labels outside every polygon): nothing to learn.
            let weight = try lossWeight(target, batch.count)
            // Data parallel: every rank must step together, so a batch without labels contributes zero gradients.
            if weight == 0 && dataParallel == nil { progress?.advance(Double(batch.count)); return }
            let lossValue = try Torch.autocast(options.device, options.precision) {
                let output = try evaluator.outputs(batch, input: input)
                return weight == 0 ? try output.prediction.sum() * 0.0 : try evaluator.trainingLoss(output, target)
            }
            let value = try lossValue.item()
            guard value.isFinite else {
                let kept = FileManager.default.fileExists(atPath: lastCheckpointURL.path)
                    ? "the last good checkpoint is kept at \(lastCheckpointURL.path)" : "no checkpoint was written yet"
                throw TrainingError("training loss became \(value) at epoch \(epoch), step \(globalStep + 1); stopped (\(kept)). Lower the learning rate (trainer.optimizer.lr), enable gradient clipping (trainer.grad_clip_norm), or check the input normalisation")
            }
            try optimizer.zeroGrad()
            let backwardStart = Date()
            try (scaler?.scale(lossValue) ?? lossValue).backward()
            let waitStart = Date()
            try dataParallel?.averageGradients(parameters)
            epochBackwardSeconds += waitStart.timeIntervalSince(backwardStart)
            epochGradientWaitSeconds += Date().timeIntervalSince(waitStart)
            // Clipping acts on the true gradients: unscale first (the scaler then does not unscale again).
            if let scaler, options.gradClipValue != nil || options.gradClipNorm != nil {
                try scaler.unscale(parameters)
            }
            if let v = options.gradClipValue { try GradClip.clipGradValue(parameters, clipValue: v) }
            if let n = options.gradClipNorm { _ = try GradClip.clipGradNorm(parameters, maxNorm: n) }
            if let scaler {
                try scaler.step(optimizer, parameters: parameters)  // skipped when a gradient overflowed
                try scaler.update()
            } else {
                try optimizer.step()
            }
            globalStep += 1
            TestHooks.afterOptimizerStep(globalStep)
            total += value * Double(weight)
            seen += weight
            progress?.advance(Double(batch.count), extra: String(format: "loss %.4f", total / Double(seen)))
        }
        if let dp = dataParallel {
            let r = try dp.sum([total, Double(seen)])
            total = r[0]
            seen = Int(r[1])
        }
        progress?.finish(String(format: "loss %.4f", seen > 0 ? total / Double(seen) : .nan))
        return seen > 0 ? total / Double(seen) : .nan
    }

    /// Loss and metrics of the model on `source` (eval mode, no gradients).
    public func evaluate(_ source: BatchSource, label: String = "evaluate") throws -> EvaluationResult {
        try evaluator.evaluate(source, label: label)
    }

    // MARK: helpers

    func lossWeight(_ target: Tensor, _ count: Int) throws -> Int { try evaluator.lossWeight(target, count) }
    func prepare(_ x: Tensor) throws -> Tensor { try evaluator.prepare(x) }
    func makeProgress(_ label: String, total: Int) -> Progress? { evaluator.makeProgress(label, total: total) }

    func stepScheduler(_ row: [String: Double]) throws {
        guard let scheduler else { return }
        if let plateau = scheduler as? ReduceLROnPlateau {
            guard let v = row[options.monitor] ?? row["train_loss"] else { return }
            plateau.step(metric: v)
        } else if let s = scheduler as? any EpochLRScheduler {
            try s.step()
        }
    }

    /// Updates best value / early-stopping counter; true when this epoch is the new best.
    func updateBest(_ row: [String: Double], epoch: Int) throws -> Bool {
        guard let v = row[options.monitor] else {
            if options.monitor.hasPrefix("val_") && row["val_loss"] == nil { return true }  // no validation: last is best
            throw TrainingError("trainer.monitor '\(options.monitor)' is not a logged metric; available: \(row.keys.sorted().joined(separator: ", "))")
        }
        let better: Bool
        if let best = bestValue {
            better = options.monitorMaximizes ? v > best + options.earlyStoppingMinDelta : v < best - options.earlyStoppingMinDelta
        } else {
            better = true
        }
        if better {
            bestValue = v
            bestEpoch = epoch
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        return better
    }

    func saveCheckpoint(epoch: Int, to url: URL) throws {
        var meta = checkpointMetadata
        meta["trainer.best_value"] = bestValue.map { String($0) }
        meta["trainer.best_epoch"] = bestEpoch.map(String.init)
        meta["trainer.bad_epochs"] = String(badEpochs)
        if let scaler {
            let st = try scaler.state()
            meta["trainer.grad_scale"] = String(st.scale)
            meta["trainer.grad_growth_tracker"] = String(st.growthTracker)
        }
        meta["task"] = kind.rawValue
        meta["classes"] = classNames.joined(separator: "\n")
        try Checkpoint(model: model, optimizer: optimizer, scheduler: scheduler, epoch: epoch, step: globalStep,
                       metadata: meta).save(to: url.path)
    }
}

extension FileManager {
    /// Copies a file under a temporary name and renames it into place.
    func copyItemAtomically(from src: URL, to dst: URL) throws {
        let tmp = AtomicFile.temporaryURL(for: dst)
        try copyItem(at: src, to: tmp)
        try AtomicFile.replace(dst, with: tmp)
    }
}
