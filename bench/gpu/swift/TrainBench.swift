import Foundation
import StrataModels
import StrataTensor

/// `train`: ResNet-50 (torchvision layout and initialisation) training steps per second on one synthetic batch of
/// fixed seed (the same batch every step, so data loading is not measured): cross-entropy, SGD (momentum 0.9,
/// weight decay 1e-4) or AdamW (weight decay 1e-2), optional autocast (bf16, or fp16 with a constant loss scale
/// of 1024 unscaled before the optimizer step: no GradScaler on either side), channels-last by default.
/// Times `--steps` steps after `--warmup`, synchronising the device before reading the clock.
enum TrainBench {
    static let keys = BenchOptions.commonKeys.union(["batch", "size", "bands", "classes", "optimizer", "steps",
                                                     "warmup", "depth"])

    static func run(_ o: BenchOptions) throws {
        let s = try o.common()
        s.apply()
        let batch = try o.int("batch", 32), size = try o.int("size", 224), bands = try o.int("bands", 3)
        let classes = try o.int("classes", 1000), steps = try o.int("steps", 20)
        let warmup = try o.int("warmup", 5, min: 0)
        let optimizer = try o.string("optimizer", "sgd", oneOf: ["sgd", "adamw"])
        let depthName = try o.string("depth", "50", oneOf: ["18", "34", "50"])
        let depth = ResNet.Depth(rawValue: Int(depthName)!)!

        // The batch is drawn first after seeding (both sides draw the same numbers), then the model.
        Runtime.manualSeed(s.seed)
        var x = try Tensor.randn([batch, bands, size, size]).to(s.device)
        let y = try Tensor.randint(0, classes, [batch]).to(s.device)
        let model = try ResNet(depth, inChannels: bands, numClasses: classes).to(s.device)
        if s.channelsLast {
            try model.toMemoryFormat(.channelsLast)
            x = try x.contiguous(.channelsLast)
        }
        let params = model.parameters()
        let opt: any Optimizer = optimizer == "sgd"
            ? try SGD(params, lr: 0.01, momentum: 0.9, weightDecay: 1e-4)
            : try AdamW(params, lr: 1e-3, weightDecay: 1e-2)
        let lossScale = s.amp == .float16 ? 1024.0 : 1.0

        func step() throws -> Tensor {
            try opt.zeroGrad()
            let loss = try s.autocast { try Functional.crossEntropy(model(x), y) }
            if lossScale != 1 {
                try (loss * lossScale).backward()
                for p in params { try p.grad?.mul_(1 / lossScale) }
            } else {
                try loss.backward()
            }
            try opt.step()
            return loss
        }

        var firstLoss = 0.0
        for i in 0..<warmup {
            let l = try step()
            if i == 0 { firstLoss = try l.item() }
        }
        try s.synchronize()
        let t0 = now()
        var last = try Tensor.zeros([])
        for _ in 0..<steps { last = try step() }
        let lastLoss: Double = try last.item()  // waits for the last step
        try s.synchronize()
        let seconds = now() - t0
        guard lastLoss.isFinite else {
            throw BenchError("train: the loss is not finite (\(lastLoss)) after \(warmup + steps) steps")
        }
        print("model: resnet\(depthName)")
        print("device: \(s.deviceName)")
        print("batch: \(batch)")
        print("size: \(size)")
        print("amp: \(s.ampName)")
        print("channels-last: \(s.channelsLast ? 1 : 0)")
        print("optimizer: \(optimizer)")
        if warmup > 0 { print(String(format: "loss-first: %.5f", firstLoss)) }
        print(String(format: "loss-last: %.5f", lastLoss))
        print(String(format: "train-seconds: %.4f", seconds))
        print(String(format: "train-steps-per-s: %.4f", Double(steps) / seconds))
        print(String(format: "train-images-per-s: %.2f", Double(steps * batch) / seconds))
    }
}
