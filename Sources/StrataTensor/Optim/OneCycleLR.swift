import Foundation

/// The one-cycle policy (Smith & Topin), as PyTorch's `OneCycleLR` with its defaults: the rate rises from
/// maxLR/divFactor to maxLR over `pctStart` of `totalSteps`, then anneals to initial/finalDivFactor (cosine by
/// default); momentum (SGD/RMSprop momentum or Adam β1) cycles inversely between `maxMomentum` and
/// `baseMomentum`. `threePhase` adds PyTorch's symmetric third phase. Stepping beyond `totalSteps` throws.
public final class OneCycleLR: ClosedFormLRScheduler {
    public enum Anneal: String, Sendable { case cos, linear }
    struct Phase { let end: Double; let lr: (Int, Int); let mom: (Int, Int) }  // indices into [initial, max, min]

    public let totalSteps: Int
    public let pctStart: Double
    public let anneal: Anneal
    public let cycleMomentum: Bool
    public let threePhase: Bool
    public private(set) var initialLRs: [Double], maxLRs: [Double], minLRs: [Double]
    public private(set) var baseMomenta: [Double], maxMomenta: [Double]
    let phases: [Phase]

    public init(_ optimizer: any Optimizer, maxLR: [Double], totalSteps: Int, pctStart: Double = 0.3,
                anneal: Anneal = .cos, cycleMomentum: Bool = true, baseMomentum: Double = 0.85,
                maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4,
                threePhase: Bool = false) throws {
        let n = optimizer.groupCount
        guard totalSteps > 0 else { throw TorchError("OneCycleLR: totalSteps must be > 0, got \(totalSteps)") }
        guard (0...1).contains(pctStart) else { throw TorchError("OneCycleLR: pctStart must be in [0, 1], got \(pctStart)") }
        let maxes = maxLR.count == 1 ? Array(repeating: maxLR[0], count: n) : maxLR
        guard maxes.count == n else { throw TorchError("OneCycleLR: \(maxLR.count) maxLR values for \(n) parameter groups") }
        if cycleMomentum, optimizer.momentum(group: 0) == nil {
            throw TorchError("OneCycleLR: this optimizer has no momentum or beta1 to cycle (pass cycleMomentum: false)")
        }
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.anneal = anneal
        self.cycleMomentum = cycleMomentum
        self.threePhase = threePhase
        initialLRs = maxes.map { $0 / divFactor }
        maxLRs = maxes
        minLRs = initialLRs.map { $0 / finalDivFactor }
        baseMomenta = Array(repeating: baseMomentum, count: n)
        maxMomenta = Array(repeating: maxMomentum, count: n)
        let total = Double(totalSteps), p1 = pctStart * total - 1
        phases = threePhase
            ? [Phase(end: p1, lr: (0, 1), mom: (1, 0)), Phase(end: 2 * pctStart * total - 2, lr: (1, 0), mom: (0, 1)),
               Phase(end: total - 1, lr: (0, 2), mom: (1, 1))]
            : [Phase(end: p1, lr: (0, 1), mom: (1, 0)), Phase(end: total - 1, lr: (1, 2), mom: (0, 1))]
        try super.init(optimizer)
        for g in 0..<n {
            optimizer.setLearningRate(initialLRs[g], group: g)
            if cycleMomentum { optimizer.setMomentum(maxMomentum, group: g) }
        }
        baseLRs = initialLRs
        try step()
    }
    public convenience init(_ optimizer: any Optimizer, maxLR: Double, totalSteps: Int, pctStart: Double = 0.3,
                            anneal: Anneal = .cos, cycleMomentum: Bool = true, baseMomentum: Double = 0.85,
                            maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4,
                            threePhase: Bool = false) throws {
        try self.init(optimizer, maxLR: [maxLR], totalSteps: totalSteps, pctStart: pctStart, anneal: anneal,
                      cycleMomentum: cycleMomentum, baseMomentum: baseMomentum, maxMomentum: maxMomentum,
                      divFactor: divFactor, finalDivFactor: finalDivFactor, threePhase: threePhase)
    }

    func annealed(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch anneal {
        case .cos: end + (start - end) / 2.0 * (cos(Double.pi * pct) + 1)
        case .linear: (end - start) * pct + start
        }
    }

    override func lr(at epoch: Int, group g: Int) throws -> Double {
        guard epoch <= totalSteps else {
            throw TorchError("OneCycleLR: tried to step \(epoch) times; the schedule has totalSteps = \(totalSteps)")
        }
        let lrs = [initialLRs[g], maxLRs[g], minLRs[g]], moms = [baseMomenta[g], maxMomenta[g]]
        var start = 0.0
        for (i, ph) in phases.enumerated() {
            if Double(epoch) <= ph.end || i == phases.count - 1 {
                let pct = (Double(epoch) - start) / (ph.end - start)
                if cycleMomentum { optimizer.setMomentum(annealed(moms[ph.mom.0], moms[ph.mom.1], pct), group: g) }
                return annealed(lrs[ph.lr.0], lrs[ph.lr.1], pct)
            }
            start = ph.end
        }
        return lrs[2]
    }

    override var extraState: [String: [Double]] {
        ["initial_lr": initialLRs, "max_lr": maxLRs, "min_lr": minLRs, "base_momentum": baseMomenta, "max_momentum": maxMomenta]
    }
    override func loadExtra(_ s: SchedulerState) throws {
        let n = optimizer.groupCount
        initialLRs = try s.array("initial_lr", count: n)
        maxLRs = try s.array("max_lr", count: n)
        minLRs = try s.array("min_lr", count: n)
        baseMomenta = try s.array("base_momentum", count: n)
        maxMomenta = try s.array("max_momentum", count: n)
    }
}
