import Foundation

/// The saved state of a learning-rate scheduler: its kind and named numbers (scalars are one-element arrays).
/// Codable, so checkpoints store it as JSON.
public struct SchedulerState: Codable, Sendable, Equatable {
    public var kind: String
    public var values: [String: [Double]]
    public init(kind: String, values: [String: [Double]]) {
        self.kind = kind
        self.values = values
    }
    func scalar(_ key: String) throws -> Double {
        guard let v = values[key], v.count == 1 else { throw TorchError("scheduler state '\(kind)' lacks '\(key)'") }
        return v[0]
    }
    func array(_ key: String, count: Int? = nil) throws -> [Double] {
        guard let v = values[key] else { throw TorchError("scheduler state '\(kind)' lacks '\(key)'") }
        if let count, v.count != count {
            throw TorchError("scheduler state '\(kind)': '\(key)' has \(v.count) values, the optimizer has \(count) parameter groups")
        }
        return v
    }
}

/// Something that sets an optimizer's learning rates over time and can be saved and restored.
public protocol LRScheduler: AnyObject {
    /// The learning rate of each parameter group after the latest step.
    var lastLR: [Double] { get }
    func stateDict() -> SchedulerState
    func load(stateDict: SchedulerState) throws
}

/// A scheduler advanced once per epoch or iteration with `step()`.
public protocol EpochLRScheduler: LRScheduler {
    func step() throws
}

/// Base of the schedulers whose rate is a closed-form function of the step count and the initial rates
/// (`base_lrs`, the optimizer's rates at construction). As in PyTorch, constructing one performs step 0.
public class ClosedFormLRScheduler: EpochLRScheduler {
    public let optimizer: any Optimizer
    /// Steps taken so far (0 right after construction).
    public internal(set) var lastEpoch = -1
    public internal(set) var baseLRs: [Double]
    public internal(set) var lastLR: [Double] = []
    var kind: String { String(describing: type(of: self)) }

    init(_ optimizer: any Optimizer) throws {
        self.optimizer = optimizer
        baseLRs = (0..<optimizer.groupCount).map { optimizer.learningRate(group: $0) }
    }

    /// The rate of `group` at step `epoch` (override).
    func lr(at epoch: Int, group: Int) throws -> Double { baseLRs[group] }

    public func step() throws {
        lastEpoch += 1
        var lrs: [Double] = []
        for g in 0..<optimizer.groupCount {
            let v = try lr(at: lastEpoch, group: g)
            optimizer.setLearningRate(v, group: g)
            lrs.append(v)
        }
        lastLR = lrs
    }

    /// Extra values subclasses save.
    var extraState: [String: [Double]] { [:] }
    func loadExtra(_ s: SchedulerState) throws {}

    public func stateDict() -> SchedulerState {
        var v = extraState
        v["last_epoch"] = [Double(lastEpoch)]
        v["base_lrs"] = baseLRs
        v["last_lr"] = lastLR
        return SchedulerState(kind: kind, values: v)
    }
    public func load(stateDict s: SchedulerState) throws {
        guard s.kind == kind else { throw TorchError("cannot load a \(s.kind) scheduler state into a \(kind)") }
        let n = optimizer.groupCount
        let epoch = Int(try s.scalar("last_epoch"))
        let base = try s.array("base_lrs", count: n)
        let last = try s.array("last_lr", count: n)
        try loadExtra(s)
        lastEpoch = epoch
        baseLRs = base
        lastLR = last
    }
}

/// Multiplies the rate by `gamma` every `stepSize` steps (`StepLR`).
public final class StepLR: ClosedFormLRScheduler {
    public let stepSize: Int, gamma: Double
    public init(_ optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1) throws {
        guard stepSize > 0 else { throw TorchError("StepLR: stepSize must be > 0, got \(stepSize)") }
        self.stepSize = stepSize
        self.gamma = gamma
        try super.init(optimizer)
        try step()
    }
    override func lr(at epoch: Int, group: Int) throws -> Double { baseLRs[group] * pow(gamma, Double(epoch / stepSize)) }
}

/// Multiplies the rate by `gamma` at each milestone step (`MultiStepLR`).
public final class MultiStepLR: ClosedFormLRScheduler {
    public let milestones: [Int], gamma: Double
    public init(_ optimizer: any Optimizer, milestones: [Int], gamma: Double = 0.1) throws {
        self.milestones = milestones.sorted()
        self.gamma = gamma
        try super.init(optimizer)
        try step()
    }
    override func lr(at epoch: Int, group: Int) throws -> Double {
        baseLRs[group] * pow(gamma, Double(milestones.filter { $0 <= epoch }.count))
    }
}

/// Multiplies the rate by `gamma` every step (`ExponentialLR`).
public final class ExponentialLR: ClosedFormLRScheduler {
    public let gamma: Double
    public init(_ optimizer: any Optimizer, gamma: Double) throws {
        self.gamma = gamma
        try super.init(optimizer)
        try step()
    }
    override func lr(at epoch: Int, group: Int) throws -> Double { baseLRs[group] * pow(gamma, Double(epoch)) }
}

/// Linear warm-up from `warmupStartFactor`·base to base over `warmupSteps`, then cosine annealing to `etaMin`
/// at `totalSteps` (held there afterwards) — PyTorch's `SequentialLR(LinearLR, CosineAnnealingLR)` recipe.
public final class WarmupCosineLR: ClosedFormLRScheduler {
    public let warmupSteps: Int, totalSteps: Int
    public let warmupStartFactor: Double, etaMin: Double
    public init(_ optimizer: any Optimizer, warmupSteps: Int, totalSteps: Int, warmupStartFactor: Double = 1.0 / 3,
                etaMin: Double = 0) throws {
        guard warmupSteps >= 0, totalSteps > warmupSteps else {
            throw TorchError("WarmupCosineLR: need 0 ≤ warmupSteps < totalSteps (got \(warmupSteps), \(totalSteps))")
        }
        guard warmupStartFactor > 0, warmupStartFactor <= 1 else {
            throw TorchError("WarmupCosineLR: warmupStartFactor must be in (0, 1], got \(warmupStartFactor)")
        }
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.warmupStartFactor = warmupStartFactor
        self.etaMin = etaMin
        try super.init(optimizer)
        try step()
    }
    override func lr(at epoch: Int, group: Int) throws -> Double {
        let base = baseLRs[group]
        if epoch < warmupSteps {
            return base * (warmupStartFactor + (1 - warmupStartFactor) * Double(epoch) / Double(warmupSteps))
        }
        let t = Double(min(epoch, totalSteps) - warmupSteps), span = Double(totalSteps - warmupSteps)
        return etaMin + (base - etaMin) * (1 + cos(Double.pi * t / span)) / 2
    }
}
