import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataModels

/// EfficientNet-B0/B4 feature stems against torchvision (fixture: scripts/fixtures/efficientnet.py).
@Suite struct EfficientNetTests {
    /// Every stage output against torchvision's, relative to that output's largest magnitude: float32 with another
    /// summation order (oneDNN vs PyTorch's kernels, AVX2 vs AVX-512) moves results by ~1e-6 relative
    /// (`make test-kernels` saw at most 4.8e-7); a wrong padding, SE width, residual, BN eps or a transposed
    /// depthwise kernel moves them by far more (`brokenVariantFailsTheTolerance`: 0.18).
    static let parity = Parity("EfficientNet", rtol: 1e-4)

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

    /// One fixture case: the model with efficientnet.py's weights (`tweak` edits its state dict first) and its
    /// stage outputs on the case's input.
    static func stageOutputs(_ name: String, tweak: (inout StateDict) throws -> Void = { _ in })
        throws -> (model: EfficientNet, maps: [Tensor])
    {
        let (variant, stages, side, _, seed) = Self.cases[name]!
        let model = try EfficientNet(variant, stages: stages)
        var rng = SplitMix64(state: seed)
        try Self.fill(model, &rng)
        var sd = try model.stateDict()
        try tweak(&sd)
        try model.load(stateDict: sd)
        model.eval()
        let x = try Tensor(rng.uniform(2 * 3 * side * side).map { Float($0 * 1.7) }, shape: [2, 3, side, side])
        return (model, try Torch.noGrad { try model.features(x) })
    }

    static func fixture() throws -> [String: Tensor] {
        try SafeTensors.load(SharedData.fixtures("StrataModelsTests")
            .appendingPathComponent("efficientnet_parity.safetensors").path)
    }

    /// Every stored stage output equals torchvision's within `parity`.
    @Test(arguments: ["b0", "b4", "b0full"])
    func featuresMatchTorchvision(_ name: String) throws {
        let fixture = try Self.fixture()
        let (_, stages, _, first, _) = Self.cases[name]!
        let (model, maps) = try Self.stageOutputs(name)
        #expect(try model.stateDict().count == fixture["\(name).count"]!.itemInt())
        #expect(maps.count == stages)
        for (i, y) in maps.enumerated() where i >= first {
            let ref = fixture["\(name).stage\(i)"]!
            #expect(y.shape == ref.shape)
            #expect(Self.parity.passes(try ModelFixtures.relativeDiff(y, ref), "\(name) stage \(i)"))
        }
    }

    /// The tolerance catches a real porting mistake: B0's stage-1 depthwise kernel with its spatial axes swapped
    /// (a 3×3 kernel read in the wrong layout), checked on the last stage.
    @Test func brokenVariantFailsTheTolerance() throws {
        let key = "1.0.block.0.0.weight"
        let (_, maps) = try Self.stageOutputs("b0") { sd in
            sd[key] = try #require(sd[key]).transpose(-1, -2).contiguous()
        }
        let rel = try ModelFixtures.relativeDiff(maps[3], try #require(try Self.fixture()["b0.stage3"]))
        #expect(Self.parity.catches(rel, "b0 stage 3 with transposed depthwise \(key)"))
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
