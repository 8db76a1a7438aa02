import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataModels

/// EfficientNet-B0/B4 feature stems against torchvision (fixture: scripts/fixtures/efficientnet.py).
@Suite struct EfficientNetTests {
    /// efficientnet.py `CASES`: variant, children kept, input side, first stored stage, seed.
    static let cases: [String: (EfficientNet.Variant, Int, Int, Int, UInt64)] = [
        "b0": (.b0, 4, 24, 0, 1234), "b4": (.b4, 4, 24, 0, 4321), "b0full": (.b0, 9, 32, 4, 777),
    ]

    /// efficientnet.py's SplitMix64 stream: uniform k / 2^23 − 1 in [−1, 1) from the top 24 bits of each output.
    struct SplitMix64 {
        var state: UInt64
        mutating func uniform(_ n: Int) -> [Double] {
            (0..<n).map { _ in
                state = state &+ 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                return Double(z >> 40) / 8_388_608 - 1
            }
        }
    }

    /// efficientnet.py `fill`: every floating-point state entry, in state-dict order, from the stream, scaled in
    /// float64 and rounded to float32 once (the same IEEE operations as the script, so the same weights).
    static func fill(_ model: Module, _ rng: inout SplitMix64) throws {
        var sd = StateDict()
        for (k, t) in try model.stateDict().entries {
            guard t.dtype.isFloatingPoint else { sd[k] = t; continue }
            let u = rng.uniform(t.count)
            let v: [Double]
            if t.rank >= 2 {
                let scale = (6.0 / Double(t.shape.dropFirst().reduce(1, *))).squareRoot()
                v = u.map { $0 * scale }
            } else if k.hasSuffix("running_var") {
                v = u.map { ($0 + 1.0) * 0.25 + 1.0 }
            } else if k.hasSuffix("running_mean") {
                v = u.map { $0 * 0.1 }
            } else if k.hasSuffix(".weight") {
                v = u.map { $0 * 0.3 + 1.0 }
            } else {
                v = u.map { $0 * 0.1 }
            }
            sd[k] = try Tensor(v.map(Float.init), shape: t.shape)
        }
        try model.load(stateDict: sd)
    }

    /// Every stage output equals torchvision's to 1e-4 of that output's largest magnitude: float32 with another
    /// summation order (oneDNN vs PyTorch's kernels, AVX2 vs AVX-512) moves results by ~1e-6 relative; a wrong
    /// padding, SE width, residual or BN eps moves them by far more than 1e-2.
    @Test(arguments: ["b0", "b4", "b0full"])
    func featuresMatchTorchvision(_ name: String) throws {
        let fixture = try SafeTensors.load(SharedData.fixtures("StrataModelsTests")
            .appendingPathComponent("efficientnet_parity.safetensors").path)
        let (variant, stages, side, first, seed) = Self.cases[name]!
        let model = try EfficientNet(variant, stages: stages)
        #expect(try model.stateDict().count == fixture["\(name).count"]!.itemInt())
        var rng = SplitMix64(state: seed)
        try Self.fill(model, &rng)
        model.eval()
        let x = try Tensor(rng.uniform(2 * 3 * side * side).map { Float($0 * 1.7) }, shape: [2, 3, side, side])
        let maps = try Torch.noGrad { try model.features(x) }
        #expect(maps.count == stages)
        for (i, y) in maps.enumerated() where i >= first {
            let ref = fixture["\(name).stage\(i)"]!
            #expect(y.shape == ref.shape)
            let scale = try ref.abs().max().item()
            let diff = try (y - ref).abs().max().item()
            #expect(diff <= 1e-4 * scale, "\(name) stage \(i): max |Δ| \(diff) vs scale \(scale)")
        }
    }

    @Test func widthsDepthsAndNamesFollowTorchvision() throws {
        let b4 = try EfficientNet(.b4, stages: 4)
        #expect(b4.stageChannels == [48, 24, 32, 56])
        #expect(b4.stageStrides == [2, 2, 4, 8])
        #expect(b4.stages.map { $0.children.count } == [3, 2, 4, 4])
        let keys = try b4.stateDict().keys
        #expect(keys.contains("1.0.block.1.fc1.weight"))          // stage 1: no expansion conv
        #expect(keys.contains("3.3.block.2.fc2.bias"))
        #expect(keys.contains("3.0.block.3.1.running_var"))
        let b0 = try EfficientNet(.b0)
        #expect(b0.stageChannels == [32, 16, 24, 40, 80, 112, 192, 320, 1280])
        #expect(b0.stageStrides == [2, 2, 4, 8, 16, 16, 32, 32, 32])
        // torchvision efficientnet_b0().features: 4,007,548 parameters
        #expect(b0.parameterCount() == 4_007_548)
        // stochastic depth: 0.2 · block / 16 blocks, the last block of B0 at 0.2 · 15/16
        let last = try #require(b0.stages[7].children.last as? MBConv)
        #expect(abs(last.stochasticDepthProbability - 0.2 * 15 / 16) < 1e-12)
        #expect(throws: ModelError.self) { try EfficientNet(.b0, stages: 10) }
        #expect(throws: ModelError.self) { try b0.features(Tensor.zeros([1, 4, 32, 32])) }
    }

    @Test func stochasticDepthDropsWholeSamplesOnlyInTraining() throws {
        let block = try MBConv(inChannels: 8, outChannels: 8, expandRatio: 6, kernel: 3, stride: 1,
                               stochasticDepthProbability: 1.0)
        let x = try Tensor.randn([3, 8, 5, 5])
        block.train()
        // p = 1: every residual branch is dropped, the block is the identity
        #expect(try Torch.noGrad { try block(x) }.equal(x))
        block.eval()
        #expect(try !(Torch.noGrad { try block(x) }.equal(x)))
    }
}
