import Foundation
import StrataTensor
import Testing

/// The CUDA path's device-independent parts, run on whatever machine the tests are on: `--device` parsing, the one
/// error for a GPU that is not there, the GPU listing, pinned memory, non-blocking copies, the fp16 loss scaler, and
/// a checkpoint moved to the default device (a GPU when there is one) and back.
@Suite struct DeviceTests {
    @Test func deviceValuesParseAndBadOnesNameTheChoices() throws {
        #expect(try Device.request("cpu") == .cpu)
        #expect(try Device.request("CPU") == .cpu)
        #expect(try Device.request("auto") == .auto)
        #expect(try Device.request("cuda") == .cuda(0))
        #expect(try Device.request("gpu") == .cuda(0))
        #expect(try Device.request("cuda:3") == .cuda(3))
        for bad in ["tpu", "cuda:", "cuda:-1", "cuda:x", "cuda0", ""] {
            #expect(throws: TorchError.self, "\(bad)") { try Device.request(bad) }
            do { _ = try Device.request(bad, option: "trainer.device") } catch {
                #expect("\(error)".contains("trainer.device must be cpu, cuda, cuda:N or auto"), "\(error)")
            }
        }
        #expect(try Device.parse("cpu") == .cpu)
        #expect(Device.cuda(1).isCUDA && !Device.cpu.isCUDA)
    }

    /// Without CUDA every spelling of a GPU is the same error naming both fixes; `auto` falls back to the CPU
    /// (it means "the best there is"). With CUDA, `cuda` is `cuda:0` and an index past the last GPU is an error.
    @Test func aMissingGPUIsOneClearErrorAndAutoPicksWhatThereIs() throws {
        if Runtime.cudaAvailable {
            #expect(try Device.parse("cuda") == .cuda(0))
            #expect(try Device.parse("auto") == .cuda(0))
            let past = Runtime.cudaDeviceCount
            do {
                _ = try Device.parse("cuda:\(past)")
                Issue.record("cuda:\(past) accepted with \(past) GPU(s)")
            } catch { #expect("\(error)".contains("only \(past) GPU(s) are visible"), "\(error)") }
            return
        }
        #expect(try Device.parse("auto") == .cpu)
        for text in ["cuda", "gpu", "cuda:0", "cuda:2"] {
            do {
                _ = try Device.parse(text)
                Issue.record("--device \(text) accepted without CUDA")
            } catch {
                let m = "\(error)"
                #expect(m.hasPrefix("--device \(text): "), "\(m)")
                #expect(m.contains("--device cpu") && m.contains("scripts/setup --cuda") && m.contains("LIBTORCH="),
                        "\(m)")
            }
        }
        #expect(throws: TorchError.self) { try Device.cuda(0).checkAvailable() }
        try Device.cpu.checkAvailable()
    }

    /// The listing works in the CPU-only build (the driver is opened at run time): every GPU has a name and memory,
    /// and libtorch never sees more GPUs than the driver.
    @Test func gpuListingWorksWithoutCUDA() throws {
        let gpus = try Runtime.gpus()
        #expect(gpus.map(\.index) == Array(0..<gpus.count))
        for g in gpus { #expect(!g.name.isEmpty && g.memoryBytes > 0, "\(g)") }
        if Runtime.cudaAvailable { #expect(gpus.count >= Runtime.cudaDeviceCount) }
        if gpus.isEmpty { #expect(!Runtime.cudaAvailable) }
    }

    /// Pinning needs CUDA: a CPU-only libtorch refuses with a clear error (callers pin only for a GPU) and reports
    /// nothing as pinned; with CUDA the copy is pinned and holds the same values.
    @Test func pinnedMemoryIsRefusedClearlyWithoutCUDA() throws {
        let t = try Tensor([Float(1), 2, 3, 4], shape: [2, 2])
        #expect(!t.isPinned)
        if Runtime.cudaAvailable {
            let p = try t.pinnedMemory()
            #expect(p.isPinned && p.device == .cpu)
            #expect(try p.floats() == t.floats())
        } else {
            do {
                _ = try t.pinnedMemory()
                Issue.record("pinned memory without CUDA")
            } catch { #expect("\(error)".contains("pinned host memory needs a CUDA libtorch"), "\(error)") }
        }
    }

    /// A non-blocking copy to the default device and back gives the same values (on the CPU it is the identity).
    @Test func nonBlockingCopiesRoundTrip() throws {
        let t = try Tensor.randn([3, 5])
        let d = Runtime.defaultDevice
        let there = try (d.isCUDA ? t.pinnedMemory() : t).to(d, nonBlocking: true)
        #expect(there.device == d)
        let back = try there.to(.cpu, nonBlocking: false)
        #expect(try back.floats() == t.floats())
    }

    /// `GradScaler` as `torch.amp.GradScaler`: unscales by 1/scale, grows ×2 after `growthInterval` clean steps,
    /// and on an Inf gradient skips the step, halves the scale and resets the growth counter.
    @Test func gradScalerUnscalesSkipsOverflowsAndAdaptsTheScale() throws {
        let w = try Tensor([Float(1), 2], shape: [2]).setRequiresGrad()
        let opt = try SGD([w], lr: 0.5)
        let scaler = try GradScaler(initialScale: 1024, growthInterval: 2)
        func stepWith(_ g: [Float]) throws {
            try opt.zeroGrad()
            let s = Float(try scaler.currentScale)
            let loss = try (w * Tensor(g)).sum()
            try scaler.scale(loss).backward()
            #expect(try w.grad!.floats() == g.map { $0 * s }, "backward sees the scaled loss")
            try scaler.step(opt, parameters: [w])
            try scaler.update()
        }
        try stepWith([1, -2])  // clean: grad unscaled to [1, -2], w -= 0.5·g
        #expect(try w.floats() == [0.5, 3])
        #expect(try scaler.currentScale == 1024 && !scaler.lastStepSkipped)
        try stepWith([2, 2])  // second clean step: scale grows to 2048 after the step
        #expect(try w.floats() == [-0.5, 2])
        #expect(try scaler.currentScale == 2048)
        try stepWith([.infinity, 1])  // overflow: step skipped, scale halved, counter reset
        #expect(scaler.lastStepSkipped)
        #expect(try w.floats() == [-0.5, 2])
        #expect(try scaler.state().scale == 1024 && scaler.state().growthTracker == 0)
        try scaler.load(scale: 8, growthTracker: 1)
        #expect(try scaler.state().scale == 8 && scaler.state().growthTracker == 1)
        #expect(throws: TorchError.self) { try scaler.update() }  // no step in this iteration
        #expect(throws: TorchError.self) { try GradScaler(backoffFactor: 1.5) }
    }

    /// A model moved to the default device (the GPU when there is one), saved, and loaded into a CPU model gives
    /// the same tensors: checkpoints are written from CPU copies. On a machine without a GPU this runs on the CPU.
    @Test func checkpointMovedToTheDeviceAndBackRoundTrips() throws {
        Runtime.manualSeed(4)
        let net = Sequential([try Conv2d(3, 4, kernelSize: 3), try BatchNorm2d(4), ReLU()])
        let before = try net.stateDict().entries.map { ($0.key, try $0.value.clone()) }
        try net.to(Runtime.defaultDevice)
        #expect(try net.parameters().allSatisfy { $0.device == Runtime.defaultDevice })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-dev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.ckpt").path
        try Checkpoint(model: net, epoch: 1).save(to: path)
        let cpu = Sequential([try Conv2d(3, 4, kernelSize: 3), try BatchNorm2d(4), ReLU()])
        try Checkpoint.load(path).restore(model: cpu, restoreRNG: false)
        let after = try cpu.stateDict()
        for (k, v) in before {
            #expect(after[k]!.device == .cpu)
            #expect(try after[k]!.to(.float64).doubles() == v.to(.float64).doubles(), "\(k)")
        }
        try net.to(.cpu)
        #expect(try net.parameters().allSatisfy { $0.device == .cpu })
    }
}
