import StrataTensor

/// Builds the optimizer and LR schedule a `TrainConfig` names. Schedules advance once per epoch (one-cycle and
/// cosine count epochs, not iterations).
public enum OptimizerFactory {
    public static func optimizer(_ c: TrainConfig.Optimizer, parameters: [Tensor]) throws -> any Optimizer {
        let betas = (c.betas[0], c.betas[1])
        switch c.name {
        case "sgd": return try SGD(parameters, lr: c.lr, momentum: c.momentum, weightDecay: c.weightDecay, nesterov: c.nesterov)
        case "adam": return try Adam(parameters, lr: c.lr, betas: betas, weightDecay: c.weightDecay)
        case "adamw": return try AdamW(parameters, lr: c.lr, betas: betas, weightDecay: c.weightDecay)
        case "nadam": return try NAdam(parameters, lr: c.lr, betas: betas, weightDecay: c.weightDecay)
        case "rmsprop": return try RMSprop(parameters, lr: c.lr, weightDecay: c.weightDecay, momentum: c.momentum)
        default:
            throw ConfigError("trainer.optimizer.name: '\(c.name)' is not allowed; allowed values: \(TrainConfig.optimizers.joined(separator: ", "))")
        }
    }

    public static func scheduler(_ c: TrainConfig.Scheduler, optimizer: any Optimizer, epochs: Int,
                                 monitorMaximizes: Bool) throws -> (any LRScheduler)? {
        switch c.name {
        case "none": return nil
        case "step": return try StepLR(optimizer, stepSize: c.stepSize, gamma: c.gamma)
        case "multistep": return try MultiStepLR(optimizer, milestones: c.milestones, gamma: c.gamma)
        case "exponential": return try ExponentialLR(optimizer, gamma: c.gamma)
        case "cosine":
            return try WarmupCosineLR(optimizer, warmupSteps: c.warmupEpochs, totalSteps: max(epochs, c.warmupEpochs + 1),
                                      etaMin: c.minLR)
        case "onecycle":
            let maxLR = c.maxLR ?? optimizer.learningRate(group: 0)
            return try OneCycleLR(optimizer, maxLR: Array(repeating: maxLR, count: optimizer.groupCount), totalSteps: max(epochs, 2))
        case "plateau":
            return try ReduceLROnPlateau(optimizer, mode: monitorMaximizes ? .max : .min, factor: c.factor, patience: c.patience,
                                         minLR: [c.minLR])
        default:
            throw ConfigError("trainer.scheduler.name: '\(c.name)' is not allowed; allowed values: \(TrainConfig.schedulers.joined(separator: ", "))")
        }
    }
}
