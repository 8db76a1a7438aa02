import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataTasks

/// A synthetic, learnable problem: the class is which of 3 channels is brightest.
func brightestChannelBatches(count: Int, batch: Int, seed: UInt64) throws -> InMemoryBatches {
    Runtime.manualSeed(seed)
    var out: [TrainingBatch] = []
    for _ in 0..<count {
        let y = try Tensor.randint(0, 3, [batch])
        let x = try Tensor.randn([batch, 3, 8, 8]) + (try y.oneHot(numClasses: 3).to(.float32).reshape([batch, 3, 1, 1]) * 1.5)
        out.append(TrainingBatch(input: x, target: y))
    }
    return InMemoryBatches(out)
}

func smallNet(seed: UInt64) throws -> Module {
    Runtime.manualSeed(seed)
    return Sequential([try Conv2d(3, 8, kernelSize: 3, padding: 1), try BatchNorm2d(8), ReLU(),
                       try AdaptiveAvgPool2d(1), Flatten(), try Linear(8, 3)])
}

@Suite(.serialized) struct TrainerTests {
    func makeTrainer(_ model: Module, dir: URL, epochs: Int, lr: Double = 0.05) throws -> Trainer {
        var o = TrainerOptions()
        o.epochs = epochs
        o.progress = false
        o.monitor = "val_oa"
        o.deterministic = true
        let opt = try SGD(model.parameters(), lr: lr, momentum: 0.9)
        let sched = try StepLR(opt, stepSize: 2, gamma: 0.5)
        return try Trainer(model: model, kind: .classification, numClasses: 3, classNames: ["r", "g", "b"],
                           optimizer: opt, scheduler: sched, options: o, runDirectory: dir)
    }

    @Test func learnsAndWritesLogsAndCheckpoints() throws {
        let train = try brightestChannelBatches(count: 8, batch: 16, seed: 1)
        let val = try brightestChannelBatches(count: 2, batch: 32, seed: 2)
        let dir = try SharedData.tempDir()
        let t = try makeTrainer(try smallNet(seed: 3), dir: dir, epochs: 4)
        let r = try t.fit(train: train, validation: val)
        #expect(r.epochsRun == 4)
        #expect(r.final["val_oa"]! > 0.85)
        #expect(r.history.first!["train_loss"]! > r.final["train_loss"]!)
        for f in ["metrics.csv", "metrics.jsonl", "last.ckpt", "best.ckpt"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(f)")
        }
        let ck = try Checkpoint.load(t.bestCheckpointURL.path)
        #expect(ck.epoch == r.bestEpoch)
        #expect(ck.metadata["classes"] == "r\ng\nb")
    }

    @Test func resumedRunEndsIdenticalToUninterruptedRun() throws {
        let train = try brightestChannelBatches(count: 4, batch: 16, seed: 11)
        let val = try brightestChannelBatches(count: 1, batch: 32, seed: 12)
        // Both runs start from the same weights: a copy, not a second draw from the global generator, which tests
        // running in parallel may advance between the seed and the draw.
        let netA = try smallNet(seed: 5), netB = try smallNet(seed: 5)
        try netB.load(stateDict: StateDict(try netA.stateDict().entries.map { ($0.key, try $0.value.clone()) }))
        // uninterrupted: 4 epochs
        let full = try makeTrainer(netA, dir: try SharedData.tempDir(), epochs: 4)
        let a = try full.fit(train: train, validation: val)
        // interrupted after 2 epochs, then a fresh process-like trainer resumes from last.ckpt
        let dir = try SharedData.tempDir()
        _ = try makeTrainer(netB, dir: dir, epochs: 2).fit(train: train, validation: val)
        let resumed = try makeTrainer(try smallNet(seed: 99), dir: dir, epochs: 4)
        #expect(try resumed.resumeIfPossible() == 2)
        let b = try resumed.fit(train: train, validation: val)
        #expect(b.history.count == 4)
        #expect(a.final["val_loss"] == b.final["val_loss"])
        #expect(a.final["train_loss"] == b.final["train_loss"])
        #expect(a.final["lr"] == b.final["lr"])
        let wa = try full.model.parameters().map { try $0.floats() }
        let wb = try resumed.model.parameters().map { try $0.floats() }
        #expect(wa == wb)
    }

    @Test func nanLossStopsWithClearErrorAndKeepsLastCheckpoint() throws {
        let good = try brightestChannelBatches(count: 2, batch: 8, seed: 1)
        let dir = try SharedData.tempDir()
        let t = try makeTrainer(try smallNet(seed: 3), dir: dir, epochs: 1)
        _ = try t.fit(train: good)
        let before = try Data(contentsOf: t.lastCheckpointURL)
        let bad = InMemoryBatches([TrainingBatch(input: try Tensor.full([8, 3, 8, 8], .nan), target: try Tensor.zeros([8], .init(dtype: .int64)))])
        let t2 = try makeTrainer(try smallNet(seed: 3), dir: dir, epochs: 2)
        try t2.resumeIfPossible()
        let e = #expect(throws: TrainingError.self) { try t2.fit(train: bad) }
        #expect(e?.message.contains("nan") == true)
        #expect(e?.message.contains("last good checkpoint") == true)
        #expect(try Data(contentsOf: t.lastCheckpointURL) == before)
    }

    @Test func earlyStoppingStopsAfterPatience() throws {
        let train = try brightestChannelBatches(count: 2, batch: 8, seed: 1)
        var o = TrainerOptions()
        o.epochs = 20; o.progress = false; o.monitor = "train_loss"; o.earlyStoppingPatience = 2
        let model = try smallNet(seed: 3)
        let t = try Trainer(model: model, kind: .classification, numClasses: 3,
                            optimizer: try SGD(model.parameters(), lr: 0), options: o, runDirectory: try SharedData.tempDir())
        let r = try t.fit(train: train)
        #expect(r.stoppedEarly)
        #expect(r.epochsRun < 20)
    }
}
