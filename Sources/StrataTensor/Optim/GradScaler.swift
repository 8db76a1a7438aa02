/// Loss scaling for float16 mixed-precision training, as `torch.amp.GradScaler` with its defaults: the loss is
/// multiplied by `scale` before backward so small float16 gradients do not flush to zero; `step` unscales the
/// gradients (libtorch's `_amp_foreach_non_finite_check_and_unscale_`), skips the optimizer step when any of them
/// is Inf/NaN, and `update` grows the scale by `growthFactor` after `growthInterval` clean steps or multiplies it by
/// `backoffFactor` after an overflow (`_amp_update_scale_`). Both ops have CPU and CUDA kernels; all state stays on
/// the parameters' device (no host sync except reading whether the step was skipped).
///
/// ```swift
/// let scaled = try scaler.scale(loss); try scaled.backward()
/// try scaler.unscale(params)       // optional: before clipping the true gradients
/// try scaler.step(opt, parameters: params); try scaler.update()
/// ```
public final class GradScaler {
    public let growthFactor: Double
    public let backoffFactor: Double
    public let growthInterval: Int
    /// The current scale, a float32 tensor of shape [1] on the device.
    public private(set) var scaleTensor: Tensor
    /// Clean steps since the last growth or overflow (int32, [1]).
    public private(set) var growthTracker: Tensor
    var foundInf: Tensor?
    /// Whether the last `step` was skipped because a gradient was Inf/NaN.
    public private(set) var lastStepSkipped = false

    private static let unscaleOp = Op("aten::_amp_foreach_non_finite_check_and_unscale_")
    private static let updateOp = Op("aten::_amp_update_scale_")

    public init(initialScale: Double = 65536, growthFactor: Double = 2, backoffFactor: Double = 0.5,
                growthInterval: Int = 2000, device: Device = .cpu) throws {
        guard initialScale > 0, growthFactor > 1, backoffFactor > 0, backoffFactor < 1, growthInterval >= 1 else {
            throw TorchError("GradScaler: need initialScale > 0, growthFactor > 1, 0 < backoffFactor < 1 and "
                + "growthInterval ≥ 1")
        }
        self.growthFactor = growthFactor
        self.backoffFactor = backoffFactor
        self.growthInterval = growthInterval
        scaleTensor = try Tensor([Float(initialScale)]).to(device)
        growthTracker = try Tensor([Int32(0)]).to(device)
    }

    /// The current scale as a number (reads the device).
    public var currentScale: Double { get throws { try scaleTensor.item() } }

    /// `loss × scale` (the scale cast to the loss's dtype happens inside the multiplication).
    public func scale(_ loss: Tensor) throws -> Tensor { try loss * scaleTensor.to(loss.device) }

    /// Divides the optimizer's gradients by the scale in place and records whether any is Inf/NaN. Called by `step`
    /// when not called before it (call it yourself before clipping gradients). Once per step.
    public func unscale(_ parameters: [Tensor]) throws {
        guard foundInf == nil else { return }
        let grads = parameters.compactMap(\.grad)
        let found = try Tensor([Float(0)]).to(scaleTensor.device)
        if !grads.isEmpty {
            let inv = try Tensor([Double(1)]).to(scaleTensor.device) / scaleTensor.to(.float64)
            _ = try Self.unscaleOp.call([.tensors(grads), .tensor(found), .tensor(try inv.to(.float32))])
        }
        foundInf = found
    }

    /// Unscales `parameters`' gradients (if `unscale` was not called) and steps the optimizer unless one of them
    /// was Inf/NaN.
    public func step(_ optimizer: any Optimizer, parameters: [Tensor]) throws {
        try unscale(parameters)
        lastStepSkipped = try foundInf!.item() != 0
        if !lastStepSkipped { try optimizer.step() }
    }

    /// Adjusts the scale after a step (grow after `growthInterval` clean steps, back off after an overflow).
    public func update() throws {
        guard let found = foundInf else {
            throw TorchError("GradScaler.update: call step(_:) (or unscale(_:)) first in this iteration")
        }
        _ = try Self.updateOp.call([.tensor(scaleTensor), .tensor(growthTracker), .tensor(found),
                                    .double(growthFactor), .double(backoffFactor), .int(growthInterval)])
        foundInf = nil
    }

    /// Scale and growth tracker as numbers, for checkpoints.
    public func state() throws -> (scale: Double, growthTracker: Int) {
        (try scaleTensor.item(), try growthTracker.itemInt())
    }

    /// Restores `state()` (from a checkpoint), keeping the device.
    public func load(scale: Double, growthTracker tracker: Int) throws {
        scaleTensor = try Tensor([Float(scale)]).to(scaleTensor.device)
        growthTracker = try Tensor([Int32(tracker)]).to(growthTracker.device)
    }
}
