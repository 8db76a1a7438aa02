import Foundation
import StrataTensor

/// How a run trains: everything that is not the model, the data or the optimizer.
public struct TrainerOptions: Sendable {
    /// `trainer.precision` / `--precision`: float32, or autocast to bfloat16 or float16 (float16 training adds a
    /// `GradScaler`). Autocast runs eligible ops (convolutions, matmuls) in the low precision and keeps numerically
    /// sensitive ones (losses, norms, softmax) in float32; weights stay float32.
    public enum Precision: String, Sendable, CaseIterable {
        case fp32, bf16, fp16

        /// Parses `32`/`fp32`, `bf16`, `16`/`fp16` (also Lightning's `bf16-mixed`, `16-mixed`).
        public init?(name: String) {
            switch name.lowercased() {
            case "32", "fp32", "float32", "32-true": self = .fp32
            case "bf16", "bfloat16", "bf16-mixed": self = .bf16
            case "16", "fp16", "float16", "16-mixed": self = .fp16
            default: return nil
            }
        }
        /// The spellings `init(name:)` accepts, for config validation.
        public static let names = ["32", "fp32", "bf16", "16", "fp16"]
        /// The autocast dtype (nil: float32, no autocast).
        public var autocastDType: DType? {
            switch self {
            case .fp32: nil
            case .bf16: .bfloat16
            case .fp16: .float16
            }
        }
    }

    public var epochs: Int = 10
    public var seed: UInt64 = 0
    /// Deterministic algorithms only (exact reruns and resumes).
    public var deterministic: Bool = false
    /// Autocast for the forward pass and loss (bf16 or fp16; fp16 training scales the loss with a `GradScaler`).
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
    /// Where the model, optimizer state, loss weights and batches live (`trainer.device` / `--device`).
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
    /// The device `trainer.device` names (`--device` sets that key), checked: a GPU that is not there is
    /// `Device.parse`'s one error. `auto` picks the first GPU, or in a data-parallel worker the GPU of its
    /// `LOCAL_RANK`. Data-parallel training runs on CPUs only (Gloo's CPU collectives; no NCCL yet).
    public func resolvedDevice(distributed: Bool) throws -> Device {
        var dev = try Device.parse(device, option: "trainer.device")
        if case .cuda = dev, device.lowercased() == "auto", let env = try DistributedEnvironment.current(),
           Runtime.cudaDeviceCount > 0 {
            dev = .cuda(env.localRank % Runtime.cudaDeviceCount)
        }
        if dev.isCUDA && distributed {
            throw TrainingError("trainer.device \(device): data-parallel training (--nproc, torchrun) averages "
                + "gradients with Gloo's CPU collectives; on GPUs it needs NCCL, which Strata does not use yet. Train "
                + "on one GPU without --nproc, or use --device cpu")
        }
        return dev
    }

    /// The trainer settings a config's `trainer:` section asks for.
    public func options(progress: Bool?, channelsLast: Bool) -> TrainerOptions {
        var o = TrainerOptions()
        o.epochs = epochs
        o.seed = seed
        o.deterministic = deterministic
        o.precision = TrainerOptions.Precision(name: precision) ?? .fp32
        o.gradClipNorm = gradClipNorm
        o.gradClipValue = gradClipValue
        o.monitor = monitor
        o.earlyStoppingPatience = earlyStoppingPatience
        o.channelsLast = channelsLast
        o.progress = progress
        return o
    }
}

extension Torch {
    /// Runs `body` under autocast for `precision` on `device` (no autocast for fp32).
    static func autocast<R>(_ device: Device, _ precision: TrainerOptions.Precision,
                            _ body: () throws -> R) throws -> R {
        guard let dtype = precision.autocastDType else { return try body() }
        return try autocast(device, dtype: dtype, body)
    }
}
