import Foundation
import StrataTensor

/// How a run trains: everything that is not the model, the data or the optimizer.
public struct TrainerOptions: Sendable {
    public enum Precision: String, Sendable, CaseIterable { case fp32, bf16 }

    public var epochs: Int = 10
    public var seed: UInt64 = 0
    /// Deterministic algorithms only (exact reruns and resumes).
    public var deterministic: Bool = false
    /// bf16 autocast for the forward pass and loss.
    public var precision: Precision = .fp32
    /// Clip the global gradient norm to this value (nil: no clipping).
    public var gradClipNorm: Double? = nil
    /// Clip each gradient element to ±value.
    public var gradClipValue: Double? = nil
    /// Metric that picks the best checkpoint and drives early stopping / plateau schedules (`val_loss`, `val_oa`, …).
    public var monitor: String = "val_loss"
    /// Stop after this many epochs without improvement of `monitor` (nil: never).
    public var earlyStoppingPatience: Int? = nil
    public var earlyStoppingMinDelta: Double = 0
    /// Channels-last memory format for 4-D inputs and convolution weights (faster oneDNN kernels on CPU).
    public var channelsLast: Bool = true
    /// Progress output: nil = automatic (bar on a terminal, lines otherwise), false = silent.
    public var progress: Bool? = nil
    public var device: Device = .cpu
    /// Classification metrics add DF4LCZ's local-climate-zone groups (`oa_built`, `oa_natural`; 17 LCZ classes).
    public var lczMetrics: Bool = false

    public init() {}

    /// Whether larger values of the monitored metric are better (losses go down, accuracies go up).
    public var monitorMaximizes: Bool { !monitor.hasSuffix("loss") }
}

/// A training run failed in a way the user must act on (NaN loss, bad resume, …).
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension TrainConfig.Trainer {
    /// The trainer settings a config's `trainer:` section asks for.
    public func options(progress: Bool?, channelsLast: Bool) -> TrainerOptions {
        var o = TrainerOptions()
        o.epochs = epochs
        o.seed = seed
        o.deterministic = deterministic
        o.precision = precision == "bf16" ? .bf16 : .fp32
        o.gradClipNorm = gradClipNorm
        o.gradClipValue = gradClipValue
        o.monitor = monitor
        o.earlyStoppingPatience = earlyStoppingPatience
        o.channelsLast = channelsLast
        o.progress = progress
        return o
    }
}
