import Foundation
import StrataModels
import StrataTensor

/// Times ClearSCD training steps (forward of both dates, every loss term with warmup off, backward, Adam
/// lr 2.5e-4 / weight decay 5e-4) on one fixed random batch and prints the median (and all) step times.
///   --steps N (10) --warmup W (3) --batch B (2) --size S (256) --threads T --channels-last 0|1 (0)
///   --tune-malloc 0|1 (1)
/// Labels: semantic classes uniform in 0…9 (9 = unlabelled), change uniform 0/1 with every 16th pixel 255.
func scdStep(_ o: Options) throws {
    let threads = o.int("threads", ProcessInfo.processInfo.activeProcessorCount)
    if o.bool("tune-malloc", true) { Runtime.tuneAllocator() }
    Runtime.threads = threads
    Runtime.manualSeed(0)
    let batch = o.int("batch", 2), size = o.int("size", 256)
    let channelsLast = o.bool("channels-last", false)
    let model = try ClearSCD()
    model.train()
    var a = try Tensor.randn([batch, 3, size, size]), b = try Tensor.randn([batch, 3, size, size])
    if channelsLast {
        try model.toMemoryFormat(.channelsLast)
        a = try a.contiguous(.channelsLast)
        b = try b.contiguous(.channelsLast)
    }
    let la = try Tensor.randint(0, 10, [batch, size, size]), lb = try Tensor.randint(0, 10, [batch, size, size])
    var change = try Tensor.randint(0, 2, [batch, size, size])
    let every16 = try Tensor.arange(size * size).reshape([1, size, size]).remainder(16).eq(0).expand([batch, size, size])
    change = try change.maskedFill(every16, 255)
    let opt = try Adam(model.parameters(), lr: 2.5e-4, weightDecay: 5e-4)
    var times: [Double] = []
    var last = 0.0
    let warmup = o.int("warmup", 3)
    for i in 0..<(warmup + o.int("steps", 10)) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try opt.zeroGrad()
        let out = try model.semanticChange(before: a, after: b)
        let losses = try model.losses(out, labelA: la, labelB: lb, change: change, warmup: false)
        try losses.total.backward()
        try opt.step()
        let t1 = DispatchTime.now().uptimeNanoseconds
        if i >= warmup { times.append(Double(t1 - t0) / 1e6) }
        last = try losses.total.item()
    }
    let sorted = times.sorted()
    print("threads: \(Runtime.threads)")
    print("channels-last: \(channelsLast)")
    print("loss: \(last)")
    print("step-ms: \(times.map { String(format: "%.2f", $0) }.joined(separator: " "))")
    print(String(format: "median-ms: %.3f", sorted[sorted.count / 2]))
}
