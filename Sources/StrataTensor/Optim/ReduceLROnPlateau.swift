/// Divides the rate by `1/factor` when a metric stopped improving for `patience` epochs (`ReduceLROnPlateau`,
/// PyTorch's defaults and rules: relative or absolute threshold, cooldown, per-group minimum rate, changes
/// smaller than `eps` ignored). Call `step(metric:)` once per epoch.
public final class ReduceLROnPlateau: LRScheduler {
    public enum Mode: String, Sendable { case min, max }
    public enum ThresholdMode: String, Sendable { case rel, abs }

    public let optimizer: any Optimizer
    public let mode: Mode, thresholdMode: ThresholdMode
    public let factor: Double, threshold: Double, eps: Double
    public let patience: Int, cooldown: Int
    public let minLRs: [Double]
    public private(set) var best: Double
    public private(set) var numBadEpochs = 0
    public private(set) var cooldownCounter = 0
    public private(set) var lastEpoch = 0
    public private(set) var lastLR: [Double]

    public init(_ optimizer: any Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0,
                minLR: [Double] = [0], eps: Double = 1e-8) throws {
        guard factor < 1 else { throw TorchError("ReduceLROnPlateau: factor must be < 1, got \(factor)") }
        let n = optimizer.groupCount
        let mins = minLR.count == 1 ? Array(repeating: minLR[0], count: n) : minLR
        guard mins.count == n else { throw TorchError("ReduceLROnPlateau: \(minLR.count) minLR values for \(n) parameter groups") }
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLRs = mins
        self.eps = eps
        best = mode == .min ? .infinity : -.infinity
        lastLR = (0..<n).map { optimizer.learningRate(group: $0) }
    }

    func isBetter(_ a: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): a < best * (1 - threshold)
        case (.min, .abs): a < best - threshold
        case (.max, .rel): a > best * (threshold + 1)
        case (.max, .abs): a > best + threshold
        }
    }

    /// Records one epoch's metric and lowers the rates when it has not improved for more than `patience` epochs.
    public func step(metric: Double) {
        lastEpoch += 1
        if isBetter(metric) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            numBadEpochs = 0
        }
        if numBadEpochs > patience {
            for g in 0..<optimizer.groupCount {
                let old = optimizer.learningRate(group: g)
                let new = Swift.max(old * factor, minLRs[g])
                if old - new > eps { optimizer.setLearningRate(new, group: g) }
            }
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
        lastLR = (0..<optimizer.groupCount).map { optimizer.learningRate(group: $0) }
    }

    public func stateDict() -> SchedulerState {
        SchedulerState(kind: "ReduceLROnPlateau", values: [
            "best": [best], "num_bad_epochs": [Double(numBadEpochs)], "cooldown_counter": [Double(cooldownCounter)],
            "last_epoch": [Double(lastEpoch)], "last_lr": lastLR,
        ])
    }
    public func load(stateDict s: SchedulerState) throws {
        guard s.kind == "ReduceLROnPlateau" else { throw TorchError("cannot load a \(s.kind) scheduler state into a ReduceLROnPlateau") }
        let b = try s.scalar("best"), bad = try s.scalar("num_bad_epochs"), cd = try s.scalar("cooldown_counter")
        let le = try s.scalar("last_epoch"), ll = try s.array("last_lr", count: optimizer.groupCount)
        best = b
        numBadEpochs = Int(bad)
        cooldownCounter = Int(cd)
        lastEpoch = Int(le)
        lastLR = ll
    }
}
