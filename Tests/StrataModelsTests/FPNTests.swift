import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataModels

/// smp `FPN("efficientnet-b0" / "efficientnet-b4", classes=5)` against Strata's `FPN` + `EfficientNetSMPEncoder`
/// (fixture: scripts/fixtures/clearscd.py `fpn_case`; weights and input from its SplitMix64 stream, eval mode).
@Suite struct FPNTests {
    /// Relative to the output's largest magnitude: float32 with other summation orders moves ~1e-6 (ClearSCD's
    /// eval outputs, the same encoder and decoder: 5e-6); padding from another nominal size or a wrong BN eps
    /// moves it by ≥ 1e-2 (`brokenPaddingIsCaught`).
    static let parity = Parity("FPN", rtol: 1e-4)

    static func run(_ variant: EfficientNet.Variant, seed: UInt64, imageSize: Int? = nil) throws -> (FPN, Tensor) {
        let m = try FPN(encoder: variant, inChannels: 3, numClasses: 5, encoderImageSize: imageSize)
        var rng = EfficientNetTests.SplitMix64(state: seed)
        try EfficientNetTests.fill(m, &rng)
        m.eval()
        let x = try Tensor(rng.uniform(2 * 3 * 64 * 64).map { Float($0 * 1.7) }, shape: [2, 3, 64, 64])
        return (m, try Torch.noGrad { try m(x) })
    }

    static func relative(_ a: Tensor, _ b: Tensor) throws -> Double {
        let (d, s) = Parity.maxima(try a.to(.float64).reshape([-1]).toArray(Double.self),
                                   try b.to(.float64).reshape([-1]).toArray(Double.self))
        return Parity.relative(maxAbsDiff: d, scale: s)
    }

    @Test func matchesSmpFPN() throws {
        let fx = try ClearSCDTests.fixture()
        for (variant, seed) in [(EfficientNet.Variant.b0, UInt64(31)), (.b4, 47)] {
            let (m, y) = try Self.run(variant, seed: seed)
            #expect(try m.stateDict().count == fx["fpn.\(variant.rawValue).count"]!.itemInt())
            let ref = fx["fpn.\(variant.rawValue).out"]!
            #expect(y.shape == ref.shape)
            #expect(Self.parity.passes(try Self.relative(y, ref), "fpn-efficientnet-\(variant.rawValue)"))
        }
    }

    @Test func brokenPaddingIsCaught() throws {
        let fx = try ClearSCDTests.fixture()
        // padding computed from the real 64-pixel input instead of efficientnet-pytorch's nominal 380
        let (_, y) = try Self.run(.b4, seed: 47, imageSize: 64)
        #expect(Self.parity.catches(try Self.relative(y, fx["fpn.b4.out"]!), "b4 padding from image size 64"))
    }

    @Test func registryBuildsTheSegmentationAndChangeModels() throws {
        let fpn = try ModelRegistry.make(name: "fpn-efficientnet-b0", inChannels: 4, numClasses: 3)
        let y = try Torch.noGrad { try fpn.eval()(Tensor.zeros([1, 4, 64, 64])) }
        #expect(y.shape == [1, 3, 64, 64])
        #expect(try ModelRegistry.entry("clearscd").task == .semanticChange)
        let scd = try ModelRegistry.make(name: "clearscd", inChannels: 3, numClasses: 9)
        #expect(scd is ClearSCD)
        let z = try Torch.noGrad { try scd.eval()(Tensor.zeros([1, 6, 64, 64])) }
        #expect(z.shape == [1, 19, 64, 64])
        #expect(try fpn.stateDict().keys.contains("segmentation_head.0.weight"))
        #expect(throws: ModelError.self) { try fpn(Tensor.zeros([1, 4, 60, 64])) }
    }
}
