import Foundation
import StrataModels
import StrataTensor

/// Times SGD training steps of the CNN on one fixed batch and prints the median (and all) step times.
///   --steps N (30) --warmup W (5) --batch B (32) --channels C (13) --size S (64) --width W (32) --threads T
///   --channels-last 0|1 (1) --tune-malloc 0|1 (1) --save-pth PATH (write the trained state dict, torch.save format)
func trainStep(_ o: Options) throws {
    let threads = o.int("threads", ProcessInfo.processInfo.activeProcessorCount)
    if o.bool("tune-malloc", true) { Runtime.tuneAllocator() }
    Runtime.threads = threads
    Runtime.manualSeed(0)
    let channelsLast = o.bool("channels-last", true)
    let batch = o.int("batch", 32), cin = o.int("channels", 13), size = o.int("size", 64)
    let model = try SmallCNN(inChannels: cin, numClasses: 10, width: o.int("width", 32), inPlaceReLU: false)
    var x = try Tensor.randn([batch, cin, size, size])
    let y = try Tensor.randint(0, 10, [batch])
    if channelsLast {
        try model.toMemoryFormat(.channelsLast)
        x = try x.contiguous(.channelsLast)
    }
    let opt = try SGD(model.parameters(), lr: 0.05, momentum: 0.9)
    var times: [Double] = []
    var lastLoss = 0.0
    for i in 0..<(o.int("warmup", 5) + o.int("steps", 30)) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try opt.zeroGrad()
        let loss = try Functional.crossEntropy(model(x), y)
        try loss.backward()
        try opt.step()
        let t1 = DispatchTime.now().uptimeNanoseconds
        if i >= o.int("warmup", 5) { times.append(Double(t1 - t0) / 1e6) }
        if i == 0 || i % 10 == 9 { lastLoss = try loss.item() }
    }
    let sorted = times.sorted()
    print("threads: \(Runtime.threads)")
    print("channels-last: \(channelsLast)")
    print("loss: \(lastLoss)")
    print("step-ms: \(times.map { String(format: "%.2f", $0) }.joined(separator: " "))")
    print(String(format: "median-ms: %.3f", sorted[sorted.count / 2]))
    if let path = o.string("save-pth") {
        try model.toMemoryFormat(.contiguous)
        try TorchPickle.save(try model.stateDict(), to: path)
        let total = try model.stateDict().values.filter { $0.dtype.isFloatingPoint }.reduce(0.0) { $0 + (try $1.to(.float64).sum().item()) }
        print(String(format: "param-sum: %.10e", total))
    }
}
