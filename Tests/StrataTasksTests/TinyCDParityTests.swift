import Foundation
import Testing
import StrataTensor
import StrataTestSupport
import StrataData
import StrataModels
@testable import StrataTasks

/// TinyCD end to end against the original code (`reference-outputs/tinycd`): every LEVIR-CD sample through
/// Strata's reader, preprocessing, model and metrics; and DSIFN-CD with the WHU-CD checkpoint.
@Suite(.serialized) struct TinyCDParityTests {
    /// Probabilities through Strata's reader and preprocessing against the original's, relative to the largest
    /// reference probability over the dataset (~1): the reference-outputs README measures float32 vs float64 moving
    /// them by ≤ 1e-5, so 1e-4 leaves a factor 10 (`make test-kernels` saw at most 6.1e-6); reading the chips
    /// without ImageNet normalisation moves them by far more (`brokenVariantFailsTheTolerance`). The issue's
    /// absolute acceptance (max |Δprob| ≤ 1e-4; near 1 float32 keeps little margin) is kept as its own assertion,
    /// and binary maps (`prob > 0.5`) must agree with the original's on ≥ 99.99 % of pixels.
    static let parity = Parity("TinyCDPipeline", rtol: 1e-4)

    struct Run {
        var metrics = BinaryChangeMetrics()
        var worstProb = 0.0, scale = 0.0
        var disagreeing = 0, pixels = 0
        var relative: Double { Parity.relative(maxAbsDiff: worstProb, scale: scale) }
    }

    /// Every sample (the first `limit`) through the model; `normalize: false` is the broken variant.
    static func run(dataset: PairedChipDataset, weights: String, reference: String, normalize: Bool = true,
                    limit: Int? = nil) throws -> Run {
        let model = try TinyCD()
        try model.load(tinyCDCheckpoint: SharedData.path(weights))
        model.eval()
        var r = Run()
        for i in 0..<min(dataset.count, limit ?? dataset.count) {
            let s = try dataset.sample(at: i)
            let a = try (normalize ? ImageNetNormalization.apply(s.imageA) : s.imageA).unsqueeze(0)
            let b = try (normalize ? ImageNetNormalization.apply(s.imageB) : s.imageB).unsqueeze(0)
            let prob = try Torch.noGrad { try model(a, b) }.reshape([256, 256])
            let ref = try NPY.read(SharedData.path("\(reference)/\(s.id)_prob.npy"))
            r.worstProb = max(r.worstProb, try (prob - ref).abs().max().item())
            r.scale = max(r.scale, try ref.abs().max().item())
            r.disagreeing += try prob.gt(0.5).ne(ref.gt(0.5)).sum().itemInt()
            r.pixels += ref.count
            try r.metrics.update(probabilities: prob, targets: s.change)
        }
        return r
    }

    @Test(.enabled(if: SharedData.shouldRun)) func levirReproducesTheOriginal() throws {
        let ds = try LEVIRCD(root: SharedData.path("levir-cd-samples"))
        #expect(ds.count == 11)
        let r = try Self.run(dataset: ds, weights: "weights/tinycd/levir_best.pth",
                             reference: "reference-outputs/tinycd/levir")
        #expect(r.worstProb <= 1e-4, "max |Δprob| \(r.worstProb)")
        #expect(Self.parity.passes(r.relative, "LEVIR-CD probabilities, 11 samples"))
        #expect(Double(r.disagreeing) <= 1e-4 * Double(r.pixels), "\(r.disagreeing) of \(r.pixels) pixels differ")
        // pooled over all pixels, as test_ondata.py: F1 0.9277, IoU 0.8652 (summary.json)
        #expect((r.metrics.f1 * 1e4).rounded() == 9277, "F1 \(r.metrics.f1)")
        #expect((r.metrics.iou * 1e4).rounded() == 8652, "IoU \(r.metrics.iou)")
        print("TinyCD LEVIR: max |Δprob| \(r.worstProb), \(r.disagreeing) pixels differ, F1 \(r.metrics.f1), IoU "
            + "\(r.metrics.iou)")
    }

    @Test(.enabled(if: SharedData.shouldRun)) func dsifnWithWHUWeightsReproducesTheOriginal() throws {
        let ds = try DSIFN(root: SharedData.path("dsifn-cd-samples"))
        let r = try Self.run(dataset: ds, weights: "weights/tinycd/whu_best.pth",
                             reference: "reference-outputs/tinycd/dsifn")
        #expect(r.worstProb <= 1e-4, "max |Δprob| \(r.worstProb)")
        #expect(Self.parity.passes(r.relative, "DSIFN-CD probabilities, WHU-CD weights"))
        #expect(Double(r.disagreeing) <= 1e-4 * Double(r.pixels), "\(r.disagreeing) of \(r.pixels) pixels differ")
        // summary.json dsifn: F1 0.06537, IoU 0.03379 (a cross-domain run; recorded as a fixture)
        #expect((r.metrics.f1 * 1e4).rounded() == 654 && (r.metrics.iou * 1e4).rounded() == 338,
                "F1 \(r.metrics.f1) IoU \(r.metrics.iou)")
        print("TinyCD DSIFN: max |Δprob| \(r.worstProb), \(r.disagreeing) pixels differ, F1 \(r.metrics.f1), IoU "
            + "\(r.metrics.iou)")
    }

    /// The tolerance catches a real pipeline mistake: LEVIR-CD chips fed without ImageNet normalisation.
    @Test(.enabled(if: SharedData.shouldRun)) func brokenVariantFailsTheTolerance() throws {
        let ds = try LEVIRCD(root: SharedData.path("levir-cd-samples"))
        let r = try Self.run(dataset: ds, weights: "weights/tinycd/levir_best.pth",
                             reference: "reference-outputs/tinycd/levir", normalize: false, limit: 2)
        #expect(Self.parity.catches(r.relative, "LEVIR-CD, 2 samples, without ImageNet normalisation"))
    }
}
