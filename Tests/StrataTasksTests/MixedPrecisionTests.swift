import Foundation
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// The trainer's CUDA path as far as a CPU runs it: bf16 and fp16 autocast training for real (CPU autocast supports
/// both in this libtorch, and the loss scaler's ATen ops have CPU kernels), the batch transfer pipeline on the CPU,
/// checkpoints from a device run loading on the CPU, and bf16 prediction against fp32.
@Suite(.serialized) struct MixedPrecisionTests {
    func trainer(_ model: Module, precision: TrainerOptions.Precision, dir: URL, epochs: Int = 3,
                 clip: Double? = nil) throws -> Trainer {
        var o = TrainerOptions()
        o.epochs = epochs
        o.progress = false
        o.monitor = "val_oa"
        o.precision = precision
        o.gradClipNorm = clip
        o.device = Runtime.defaultDevice
        let opt = try SGD(model.parameters(), lr: 0.05, momentum: 0.9)
        return try Trainer(model: model, kind: .classification, numClasses: 3, classNames: ["r", "g", "b"],
                           optimizer: opt, options: o, runDirectory: dir)
    }

    /// Same weights, same batches, 3 epochs at fp32, bf16 and fp16. Both low precisions learn the problem as fp32
    /// does (validation accuracy ≥ 0.85, loss falls) and end near fp32's weights: ‖Δw‖/‖w‖ ≤ 1e-2. Measured
    /// 8.3e-4 for bf16 (8 mantissa bits: relative rounding 2⁻⁹ ≈ 2e-3 per convolution/linear output, partly
    /// averaging out over 24 SGD steps) and 3.2e-4 for fp16 (11 bits); the bound leaves 12× for other CPUs' bf16
    /// kernels (native AVX512-BF16 vs converted). The runs must also differ from fp32 (> 1e-6): autocast was on.
    @Test func lowPrecisionTrainingConvergesCloseToFloat32() throws {
        let train = try brightestChannelBatches(count: 8, batch: 16, seed: 21)
        let val = try brightestChannelBatches(count: 2, batch: 32, seed: 22)
        let start = try smallNet(seed: 23).stateDict().entries.map { ($0.key, try $0.value.clone()) }
        var weights: [TrainerOptions.Precision: [Double]] = [:]
        for p in TrainerOptions.Precision.allCases {
            let net = try smallNet(seed: 0)
            try net.load(stateDict: StateDict(start))
            let dir = try SharedData.tempDir("mp-\(p.rawValue)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let t = try trainer(net, precision: p, dir: dir)
            #expect((t.scaler != nil) == (p == .fp16))
            let r = try t.fit(train: train, validation: val)
            #expect(r.final["val_oa"]! >= 0.85, "\(p): \(r.final)")
            #expect(r.history.first!["train_loss"]! > r.final["train_loss"]!, "\(p)")
            weights[p] = try net.parameters().flatMap { try $0.to(.cpu).to(.float64).doubles() }
            if p == .fp16 {
                let ck = try Checkpoint.load(t.lastCheckpointURL.path)
                #expect(ck.metadata["trainer.grad_scale"].flatMap(Double.init) == (try t.scaler!.currentScale))
            }
        }
        let ref = weights[.fp32]!
        let norm = sqrt(ref.reduce(0) { $0 + $1 * $1 })
        for p in [TrainerOptions.Precision.bf16, .fp16] {
            let w = weights[p]!
            let diff = sqrt(zip(w, ref).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }) / norm
            print("MixedPrecisionTests: \(p) relative weight difference to fp32 after 24 steps: \(diff)")
            #expect(diff <= 1e-2 && diff > 1e-6, "\(p): relative weight difference to fp32 \(diff)")
        }
    }

    /// fp16 with gradient clipping: the scaler unscales before clipping (once), and an fp16 run resumes with its
    /// scale: the resumed trainer's scaler holds the checkpoint's scale and growth counter.
    @Test func fp16ClipsTrueGradientsAndResumesItsScale() throws {
        let train = try brightestChannelBatches(count: 4, batch: 16, seed: 31)
        let dir = try SharedData.tempDir("mp-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try trainer(try smallNet(seed: 32), precision: .fp16, dir: dir, epochs: 1, clip: 1.0)
        let r = try a.fit(train: train)
        #expect(r.final["train_loss"]!.isFinite)
        let state = try a.scaler!.state()
        // 4 steps from 65536: clean steps count up, an fp16 overflow halves the scale and resets the count.
        #expect(state.scale <= 65536 && state.scale >= 4096 && (0...4).contains(state.growthTracker), "\(state)")
        let b = try trainer(try smallNet(seed: 33), precision: .fp16, dir: dir, epochs: 2, clip: 1.0)
        try b.scaler!.load(scale: 1, growthTracker: 0)
        #expect(try b.resumeIfPossible() == 1)
        #expect(try b.scaler!.state() == state)
    }

    /// On the CPU the loader asks for no pinned memory: `wrap` hands the source itself back. The look-ahead
    /// pipeline itself (batch k+1's copy issued before batch k is used) delivers every batch once, in order, with
    /// the same values, and an evaluation through it gives the same metrics as without it.
    @Test func batchPipelineOnTheCPUPinsNothingAndKeepsOrder() throws {
        let src = try brightestChannelBatches(count: 5, batch: 4, seed: 41)
        #expect(DeviceBatches.wrap(src, device: .cpu) === src)
        let piped = DeviceBatches(src, device: .cpu)
        #expect(!piped.pinsMemory && piped.batchCount == 5 && piped.sampleCount == 20)
        var seen: [[Float]] = []
        try piped.forEachBatch(epoch: 1) { seen.append(try $0.input.floats()) }
        #expect(try seen == src.batches.map { try $0.input.floats() })
        #expect(piped.pinnedBatches == 0)

        var o = TrainerOptions()
        o.progress = false
        let ev = try Evaluator(model: try smallNet(seed: 42), kind: .classification, numClasses: 3, options: o)
        let direct = try ev.evaluate(src), through = try ev.evaluate(piped)
        #expect(direct.loss == through.loss && direct.metrics == through.metrics)

        // The GPU pipeline on a CPU-only libtorch fails on the first batch with the clear error (never a crash).
        if !Runtime.cudaAvailable {
            let forced = DeviceBatches(src, device: .cuda(0))
            #expect(forced.pinsMemory)
            do {
                try forced.forEachBatch(epoch: 1) { _ in }
                Issue.record("pinned a batch without CUDA")
            } catch { #expect("\(error)".contains("pinned host memory"), "\(error)") }
        }
        // An error in the step stops the pipeline and propagates.
        struct Stop: Error {}
        var calls = 0
        #expect(throws: Stop.self) {
            try piped.forEachBatch(epoch: 1) { _ in calls += 1; if calls == 2 { throw Stop() } }
        }
        #expect(calls == 2)
    }

    /// A run on the default device (the GPU when there is one) writes checkpoints a CPU-only process loads: the
    /// tensors come back on the CPU, equal to the trained model's.
    @Test func deviceRunCheckpointLoadsOnTheCPU() throws {
        let dir = try SharedData.tempDir("mp-ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try trainer(try smallNet(seed: 51), precision: .fp32, dir: dir, epochs: 1)
        #expect(try t.model.parameters().allSatisfy { $0.device == Runtime.defaultDevice })
        _ = try t.fit(train: try brightestChannelBatches(count: 2, batch: 8, seed: 52))
        let cpu = try smallNet(seed: 53)
        try Checkpoint.load(t.lastCheckpointURL.path).restore(model: cpu, restoreRNG: false)
        for (a, b) in zip(try cpu.stateDict().entries, try t.model.stateDict().entries) {
            #expect(a.value.device == .cpu)
            #expect(try a.value.to(.float64).doubles() == b.value.to(.cpu).to(.float64).doubles(), "\(a.key)")
        }
    }

    /// Config: `trainer.precision` accepts 32 / bf16 / 16 (and fp32, fp16), `trainer.device` is validated when
    /// read (syntax) and checked for a GPU when the run starts.
    @Test func precisionAndDeviceConfigKeys() throws {
        #expect(TrainerOptions.Precision(name: "32") == .fp32 && TrainerOptions.Precision(name: "16") == .fp16)
        #expect(TrainerOptions.Precision(name: "BF16") == .bf16 && TrainerOptions.Precision(name: "fp8") == nil)
        var c = TrainConfig.Trainer()
        c.device = "cpu"
        #expect(try c.resolvedDevice(distributed: false) == .cpu)
        c.device = "cuda:0"
        if Runtime.cudaAvailable {
            #expect(try c.resolvedDevice(distributed: false) == .cuda(0))
            #expect(throws: TrainingError.self) { try c.resolvedDevice(distributed: true) }
        } else {
            do {
                _ = try c.resolvedDevice(distributed: false)
                Issue.record("trainer.device cuda:0 accepted without CUDA")
            } catch { #expect("\(error)".contains("trainer.device cuda:0") && "\(error)".contains("scripts/setup --cuda")) }
        }
    }

    /// `--precision bf16` for prediction: the conv3×3 → ReLU → conv1×1 model over the real Bercy scene (13 bands,
    /// 360 × 395) with its forward under bf16 autocast gives the fp32 map wherever fp32's top-2 probability gap
    /// exceeds 0.05 (bf16's relative rounding 2⁻⁹ moves these logits, whose scale is ~10, by a few 1e-2 at most),
    /// probabilities within 0.02 (measured 6.5e-3), and differs from fp32 somewhere (autocast really ran).
    @Test(.enabled(if: SharedData.shouldRun)) func bf16PredictionIsCloseToFloat32() throws {
        let path = try SharedData.path(PredictionTests.scene)
        let model = try TestModels.conv3(channels: 13, classes: 4, seed: 11)
        let grid = try Raster(path: path).grid
        var maps: [MemorySink] = []
        for m in [model, model.autocast(.bf16)] {
            let sink = MemorySink(grid: grid, classes: 4)
            _ = try Predictor(model: m, options: .init(chip: [96, 96], overlap: 24, batchSize: 4))
                .predict(inputs: [PredictionInput(path: path)], sink: sink)
            maps.append(sink)
        }
        #expect(model.autocast(.fp32).name == model.name)
        let (a, b) = (maps[0], maps[1])
        var worst: Float = 0, decided = 0, mismatched = 0
        let plane = a.map.count
        for i in 0..<plane {
            var p = (0..<4).map { a.probabilities[$0 * plane + i] }
            for k in 0..<4 { worst = max(worst, abs(p[k] - b.probabilities[k * plane + i])) }
            p.sort(by: >)
            if p[0] - p[1] > 0.05 {
                decided += 1
                if a.map[i] != b.map[i] { mismatched += 1 }
            }
        }
        print("MixedPrecisionTests: bf16 map: largest probability difference \(worst), decided \(decided) of \(plane)")
        #expect(worst <= 0.02 && worst > 1e-5, "largest probability difference bf16 vs fp32: \(worst)")
        #expect(mismatched == 0 && decided > plane / 2, "decided \(decided) of \(plane), mismatched \(mismatched)")
    }
}
