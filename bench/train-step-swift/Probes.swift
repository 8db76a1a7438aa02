import Foundation
import StrataModels
import StrataTensor

/// Resident set size in KiB (/proc/self/statm).
func residentKiB() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
    let fields = s.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return -1 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
}

/// Memory probe (used by MemoryTests in its own process, so no other test shares the heap): trains a small CNN
/// for `--steps` (2000) steps — forward, cross-entropy, backward, gradient clipping, SGD with momentum, LR
/// scheduler, zeroGrad — with Strata's runtime defaults, and prints RSS at `--checkpoints` and the growth from the
/// first checkpoint after warm-up to the end.
func memoryProbe(_ o: Options) throws {
    Runtime.configure(threads: o.int("threads", 1))
    Runtime.manualSeed(1)
    let steps = o.int("steps", 2000), warm = o.int("warmup-step", 200)
    let model = try SmallCNN(inChannels: 3, numClasses: 4, width: 8, inPlaceReLU: false)
    try model.toMemoryFormat(.channelsLast)
    let x = try Tensor.randn([8, 3, 16, 16]).contiguous(.channelsLast)
    let y = try Tensor.randint(0, 4, [8])
    let opt = try SGD(model.parameters(), lr: 0.01, momentum: 0.9, weightDecay: 1e-4)
    let sched = try StepLR(opt, stepSize: 500, gamma: 0.5)
    var rssAtWarm = 0
    var samples: [(Int, Int)] = []
    for step in 1...steps {
        try opt.zeroGrad()
        let loss = try Functional.crossEntropy(model(x), y)
        try loss.backward()
        try GradClip.clipGradNorm(model.parameters(), maxNorm: 5)
        try opt.step()
        try sched.step()
        if step == warm { rssAtWarm = residentKiB() }
        if step % 200 == 0 { samples.append((step, residentKiB())) }
    }
    let end = residentKiB()
    for (s, r) in samples { print("rss-kib-step-\(s): \(r)") }
    print("rss-kib-warm: \(rssAtWarm)")
    print("rss-kib-end: \(end)")
    print(String(format: "rss-growth-percent: %.3f", Double(end - rssAtWarm) / Double(rssAtWarm) * 100))
    // sensitivity check: a 64 MiB tensor that is written must show up in the reading
    let big = try Tensor.ones([16, 1024, 1024])
    print("rss-kib-after-64mib: \(residentKiB())")
    withExtendedLifetime(big) {}
}

/// Determinism probe (run in its own process so no other code draws from the global generator): with
/// `Runtime.configure(deterministic: true, seed:)`, builds a model with dropout, draws data, trains a few AdamW
/// steps, and prints a checksum of every parameter and buffer; does so twice in-process and reports whether the
/// two runs were bit-identical; then checks that a checkpoint restores a run (with its dropout draws) exactly.
func determinismProbe(_ o: Options) throws {
    let seed = UInt64(o.int("seed", 42))
    func makeModel() throws -> Module {
        Sequential(try SmallCNN(inChannels: 3, numClasses: 8, width: 8, inPlaceReLU: false), try Dropout(0.3), try Linear(8, 4))
    }
    func train(_ model: Module, _ opt: any Optimizer, _ sched: any EpochLRScheduler, _ x: Tensor, _ y: Tensor, steps: Int) throws -> Double {
        var loss = 0.0
        for _ in 0..<steps {
            try opt.zeroGrad()
            let l = try Functional.crossEntropy(model(x), y)
            try l.backward()
            try opt.step()
            try sched.step()
            loss = try l.item()
        }
        return loss
    }
    func checksum(_ model: Module) throws -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325  // FNV-1a over the raw bytes of the state dict
        for (_, t) in try model.stateDict() {
            for b in try t.contiguous().rawBytes() { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        }
        return h
    }
    func run() throws -> (UInt64, Double) {
        Runtime.configure(threads: o.int("threads", 1), deterministic: true, seed: seed)
        let model = try makeModel()
        let x = try Tensor.randn([6, 3, 12, 12]), y = try Tensor.randint(0, 4, [6])
        let opt = try AdamW(model.parameters(), lr: 1e-2)
        let loss = try train(model, opt, try StepLR(opt, stepSize: 2), x, y, steps: o.int("steps", 5))
        return (try checksum(model), loss)
    }
    let (a, lossA) = try run()
    let (b, _) = try run()
    print("deterministic: \(Runtime.isDeterministic)")
    print("loss: \(lossA)")
    print(String(format: "checksum: %016llx", a))
    print("repeat-identical: \(a == b)")

    // resume: checkpoint after 3 steps, continue 2 steps; restore into a fresh model and continue 2 steps
    Runtime.configure(threads: o.int("threads", 1), deterministic: true, seed: seed)
    let x = try Tensor.randn([6, 3, 12, 12]), y = try Tensor.randint(0, 4, [6])
    let m1 = try makeModel()
    let o1 = try AdamW(m1.parameters(), lr: 1e-2)
    let s1 = try StepLR(o1, stepSize: 2)
    _ = try train(m1, o1, s1, x, y, steps: 3)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-determinism-\(getpid()).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Checkpoint(model: m1, optimizer: o1, scheduler: s1, epoch: 3).save(to: path)
    _ = try train(m1, o1, s1, x, y, steps: 2)
    let m2 = try makeModel()
    let o2 = try AdamW(m2.parameters(), lr: 1e-2)
    let s2 = try StepLR(o2, stepSize: 2)
    try Checkpoint.load(path).restore(model: m2, optimizer: o2, scheduler: s2)
    _ = try train(m2, o2, s2, x, y, steps: 2)
    print("resume-identical: \(try checksum(m1) == checksum(m2))")
}

extension Tensor {
    /// The raw bytes of a contiguous CPU tensor.
    func rawBytes() throws -> [UInt8] {
        let n = count * dtype.byteSize
        guard let p = dataPointer else { throw TorchError("not a CPU tensor") }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
