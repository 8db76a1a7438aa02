import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Optimizers, gradient clipping and LR schedulers against PyTorch (scripts/fixtures/nn.py): parameters after
/// each of three steps with given gradients; clipped gradients and returned norms; learning-rate and momentum
/// sequences. Optimizer and scheduler state dicts restore a run exactly.
@Suite struct OptimParityTests {
    /// Tolerance of parameters after each step and of clipped gradients, relative to their largest value:
    /// a few float32 element-wise updates on O(1) parameters (`make test-kernels` saw at most 1.0e-7).
    static let parity = Parity("OptimParity", rtol: 1e-5)

    static let optimizers: [String: @Sendable ([Tensor]) throws -> any Optimizer] = [
        "sgd": { try SGD($0, lr: 0.1) },
        "sgd_momentum_dampening_wd": { try SGD($0, lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-2) },
        "sgd_nesterov_groups": {
            try SGD(groups: [ParamGroupSpec([$0[0]], lr: 0.1), ParamGroupSpec([$0[1]], lr: 0.01, weightDecay: 0.1)],
                    defaults: SGDOptions(momentum: 0.9, nesterov: true))
        },
        "sgd_maximize": { try SGD($0, lr: 0.1, momentum: 0.5, maximize: true) },
        "adam": { try Adam($0, lr: 1e-2, weightDecay: 1e-2) },
        "adam_amsgrad": { try Adam($0, lr: 1e-2, betas: (0.8, 0.99), amsgrad: true) },
        "adamw": { try AdamW($0, lr: 1e-2) },
        "adamw_groups": {
            try AdamW(groups: [ParamGroupSpec([$0[0]]), ParamGroupSpec([$0[1]], lr: 0.1, weightDecay: 0.5)],
                      defaults: AdamOptions(lr: 1e-2, weightDecay: 1e-2))
        },
        "nadam": { try NAdam($0, lr: 1e-2, weightDecay: 1e-2) },
        "nadam_decoupled": { try NAdam($0, lr: 1e-2, weightDecay: 0.1, decoupledWeightDecay: true) },
        "rmsprop": { try RMSprop($0, lr: 1e-2) },
        "rmsprop_centered_momentum": { try RMSprop($0, lr: 1e-2, weightDecay: 1e-2, momentum: 0.9, centered: true) },
    ]

    static func params(_ f: [String: Tensor], _ name: String) throws -> [Tensor] {
        try [f["\(name).p0"]!.clone().setRequiresGrad(), f["\(name).p1"]!.clone().setRequiresGrad()]
    }

    @Test(arguments: optimizers.keys.sorted())
    func optimizer(name: String) throws {
        let run = ParityRun(Self.parity, name)
        defer { run.finish() }
        let f = try NNFixtures.optim.get()
        let ps = try Self.params(f, name)
        let make = try #require(Self.optimizers[name])
        let opt = try make(ps)
        for t in 0..<3 {
            for (i, p) in ps.enumerated() { try p.setGrad(f["\(name).g\(t).\(i)"]!.clone()) }
            try opt.step()
            for (i, p) in ps.enumerated() { try run.close(p, f["\(name).s\(t).\(i)"], "\(name) step \(t + 1) param \(i)") }
        }
    }

    @Test func everyOptimizerFixtureHasASwiftCase() throws {
        let f = try NNFixtures.optim.get()
        let names = Set(f.keys.filter { $0.hasSuffix(".p0") }.map { String($0.dropLast(3)) })
        #expect(names == Set(Self.optimizers.keys))
    }

    /// Saving after step 1 and loading into a fresh optimizer over fresh copies continues bit-identically.
    @Test(arguments: optimizers.keys.sorted())
    func stateDictResumesExactly(name: String) throws {
        let f = try NNFixtures.optim.get()
        let a = try Self.params(f, name)
        let optA = try Self.optimizers[name]!(a)
        for (i, p) in a.enumerated() { try p.setGrad(f["\(name).g0.\(i)"]!.clone()) }
        try optA.step()
        let saved = try optA.stateDict()
        let b = try a.map { try $0.detached().clone().setRequiresGrad() }
        let optB = try Self.optimizers[name]!(b)
        try optB.load(stateDict: saved)
        for t in 1..<3 {
            for (i, p) in a.enumerated() { try p.setGrad(f["\(name).g\(t).\(i)"]!.clone()) }
            for (i, p) in b.enumerated() { try p.setGrad(f["\(name).g\(t).\(i)"]!.clone()) }
            try optA.step()
            try optB.step()
        }
        for (pa, pb) in zip(a, b) { #expect(try pa.equal(pb), "\(name): resumed run differs") }
    }

    @Test func optimizerStateDictLayoutAndErrors() throws {
        let p = try Tensor.zeros([3]).setRequiresGrad(), q = try Tensor.zeros([2]).setRequiresGrad()
        let opt = try SGD(groups: [ParamGroupSpec([p]), ParamGroupSpec([q], lr: 0.5)], defaults: SGDOptions(lr: 0.1, momentum: 0.9))
        try p.setGrad(Tensor.ones([3]))
        try opt.step()  // q has no gradient: skipped, no state
        let sd = try opt.stateDict()
        #expect(sd.keys.contains("state.0.momentum_buffer"))
        #expect(!sd.keys.contains { $0.hasPrefix("state.1.") })
        #expect(try sd["param_groups.1.lr"]!.item() == 0.5)
        #expect(try sd["param_groups.1.params"]!.ints() == [1])
        #expect(try p.floats() == [-0.1, -0.1, -0.1])
        #expect(try q.floats() == [0, 0])

        let other = try SGD([p, q], lr: 0.1)
        #expect(throws: TorchError.self) { try other.load(stateDict: sd) }  // one group vs two
        let adam = try Adam(groups: [ParamGroupSpec([p]), ParamGroupSpec([q])], defaults: AdamOptions())
        #expect(throws: TorchError.self) { try adam.load(stateDict: sd) }  // SGD settings into Adam
        #expect(throws: TorchError.self) { try SGD([p, p], lr: 0.1) }
        #expect(throws: TorchError.self) { try SGD([p], lr: -1) }
        #expect(throws: TorchError.self) { try SGD([p], lr: 0.1, nesterov: true) }
        #expect(throws: TorchError.self) { try Adam([p], betas: (1.5, 0.9)) }
        try opt.zeroGrad()
        #expect(p.grad == nil)
    }

    @Test(arguments: ["clip_norm2", "clip_norm_inf", "clip_norm_noop", "clip_value"])
    func gradientClipping(name: String) throws {
        let run = ParityRun(Self.parity, name)
        defer { run.finish() }
        let f = try NNFixtures.optim.get()
        let ps = try [Tensor.zeros([3, 4]).setRequiresGrad(), Tensor.zeros([5]).setRequiresGrad()]
        for (i, p) in ps.enumerated() { try p.setGrad(f["\(name).g.\(i)"]!.clone()) }
        switch name {
        case "clip_norm2": try run.close(GradClip.clipGradNorm(ps, maxNorm: 1), f["\(name).total"], "total norm")
        case "clip_norm_inf":
            try run.close(GradClip.clipGradNorm(ps, maxNorm: 0.5, normType: .infinity), f["\(name).total"], "total norm")
        case "clip_norm_noop": try run.close(GradClip.clipGradNorm(ps, maxNorm: 100), f["\(name).total"], "total norm")
        default: try GradClip.clipGradValue(ps, clipValue: 0.1)
        }
        for (i, p) in ps.enumerated() { try run.close(p.grad, f["\(name).clipped.\(i)"], "\(name) grad \(i)") }
    }

    @Test func clipGradNormErrorsOnNonFinite() throws {
        let p = try Tensor.zeros([2]).setRequiresGrad()
        try p.setGrad(Tensor([Float.nan, 1]))
        #expect(throws: TorchError.self) { try GradClip.clipGradNorm([p], maxNorm: 1, errorIfNonfinite: true) }
        #expect(try GradClip.clipGradNorm([Tensor.zeros([2]).setRequiresGrad()], maxNorm: 1).item() == 0)
    }

    // MARK: schedulers

    static let schedulers: [String: @Sendable (any Optimizer) throws -> any LRScheduler] = [
        "step": { try StepLR($0, stepSize: 3, gamma: 0.5) },
        "multistep": { try MultiStepLR($0, milestones: [2, 5, 6], gamma: 0.1) },
        "exponential": { try ExponentialLR($0, gamma: 0.9) },
        "warmup_cosine": { try WarmupCosineLR($0, warmupSteps: 3, totalSteps: 10, warmupStartFactor: 0.1, etaMin: 1e-4) },
        "onecycle": { try OneCycleLR($0, maxLR: 0.1, totalSteps: 20) },
        "onecycle_adam_linear_3phase": {
            try OneCycleLR($0, maxLR: 0.01, totalSteps: 15, pctStart: 0.25, anneal: .linear, divFactor: 10,
                           finalDivFactor: 100, threePhase: true)
        },
        "plateau_min": { try ReduceLROnPlateau($0, factor: 0.5, patience: 2, cooldown: 1, minLR: [0.02]) },
        "plateau_max_abs": { try ReduceLROnPlateau($0, mode: .max, factor: 0.1, patience: 1, threshold: 0.01, thresholdMode: .abs) },
    ]

    static func schedulerOptimizer(_ name: String) throws -> any Optimizer {
        let p = try Tensor.zeros([2]).setRequiresGrad()
        return name.contains("adam") ? try Adam([p], lr: 1e-3) : try SGD([p], lr: 0.1, momentum: 0.9)
    }

    static func advance(_ s: any LRScheduler, metric: Double?) throws {
        if let plateau = s as? ReduceLROnPlateau { plateau.step(metric: metric!) }
        else { try (s as! any EpochLRScheduler).step() }
    }

    @Test(arguments: schedulers.keys.sorted())
    func scheduler(name: String) throws {
        let f = try NNFixtures.schedulers.get()
        let lrs = try f["\(name).lr"]!.doubles(), moms = try f["\(name).momentum"]!.doubles()
        let metrics = try f["\(name).metrics"]?.doubles()
        let opt = try Self.schedulerOptimizer(name)
        let s = try Self.schedulers[name]!(opt)
        for t in 0..<lrs.count {
            if t > 0 { try Self.advance(s, metric: metrics?[t - 1]) }
            let lr = opt.learningRate(group: 0), m = opt.momentum(group: 0)!
            #expect(abs(lr - lrs[t]) <= 1e-12 * max(1, abs(lrs[t])), "\(name) step \(t): lr \(lr), PyTorch \(lrs[t])")
            #expect(abs(m - moms[t]) <= 1e-12, "\(name) step \(t): momentum \(m), PyTorch \(moms[t])")
        }
    }

    /// A scheduler restored from its state (JSON round trip) continues with the same rates.
    @Test(arguments: schedulers.keys.sorted())
    func schedulerStateResumes(name: String) throws {
        let f = try NNFixtures.schedulers.get()
        let n = f["\(name).lr"]!.count - 1
        let metrics = try f["\(name).metrics"]?.doubles()
        let optA = try Self.schedulerOptimizer(name), optB = try Self.schedulerOptimizer(name)
        let a = try Self.schedulers[name]!(optA), b = try Self.schedulers[name]!(optB)
        for t in 0..<(n / 2) { try Self.advance(a, metric: metrics?[t]) }
        let json = try JSONEncoder().encode(a.stateDict())
        try b.load(stateDict: try JSONDecoder().decode(SchedulerState.self, from: json))
        try optB.load(stateDict: try optA.stateDict())
        for t in (n / 2)..<n {
            try Self.advance(a, metric: metrics?[t])
            try Self.advance(b, metric: metrics?[t])
            #expect(optA.learningRate(group: 0) == optB.learningRate(group: 0), "\(name) step \(t)")
            #expect(a.lastLR == b.lastLR)
        }
        #expect(throws: TorchError.self) { try b.load(stateDict: SchedulerState(kind: "Nope", values: [:])) }
    }

    @Test func oneCycleStopsAtTotalSteps() throws {
        let s = try OneCycleLR(try SGD([Tensor.zeros([1]).setRequiresGrad()], lr: 0.1), maxLR: 1, totalSteps: 3)
        for _ in 0..<3 { try s.step() }
        #expect(throws: TorchError.self) { try s.step() }
    }
}
