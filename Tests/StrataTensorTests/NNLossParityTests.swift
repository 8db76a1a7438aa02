import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Each loss against PyTorch (scripts/fixtures/nn.py `loss_fixtures`): value and input gradient. Dice and focal
/// losses have no PyTorch function; the fixture writes out the reference formulas (segmentation_models_pytorch's
/// multiclass DiceLoss, torchvision's sigmoid_focal_loss, softmax focal with per-class α).
@Suite struct NNLossParityTests {
    /// Tolerance of each loss value and input gradient, relative to its largest value: float32 reductions over
    /// a few hundred elements on O(1) inputs (`make test-kernels` saw at most 2.2e-7: a factor 45 of margin).
    static let parity = Parity("NNLossParity", rtol: 1e-5)

    typealias LossFn = @Sendable (Tensor, Tensor, [String: Tensor]) throws -> Tensor
    static let cases: [String: LossFn] = [
        "ce": { x, t, _ in try Functional.crossEntropy(x, t) },
        "ce_weight_ignore_smooth": { x, t, e in
            try Functional.crossEntropy(x, t, weight: e["weight"], ignoreIndex: 255, labelSmoothing: 0.1)
        },
        "ce_sum": { x, t, _ in try Functional.crossEntropy(x, t, reduction: .sum) },
        "ce_none": { x, t, _ in try Functional.crossEntropy(x, t, reduction: .none) },
        "ce_probs": { x, t, _ in try Functional.crossEntropy(x, t, labelSmoothing: 0.2) },
        "nll": { x, t, e in try Functional.nllLoss(x, t, weight: e["weight"], ignoreIndex: 2) },
        "bce_logits_posweight": { x, t, e in try Functional.binaryCrossEntropyWithLogits(x, t, posWeight: e["pos_weight"]) },
        "bce_logits_sum": { x, t, _ in try Functional.binaryCrossEntropyWithLogits(x, t, reduction: .sum) },
        "mse": { x, t, _ in try Functional.mseLoss(x, t) },
        "l1": { x, t, _ in try Functional.l1Loss(x, t, reduction: .sum) },
        "smooth_l1": { x, t, _ in try Functional.smoothL1Loss(x, t, beta: 0.5) },
        "smooth_l1_none": { x, t, _ in try Functional.smoothL1Loss(x, t, reduction: .none) },
        "dice": { x, t, _ in try Functional.diceLoss(x, t) },
        "dice_smooth_ignore": { x, t, _ in try Functional.diceLoss(x, t, smooth: 1, ignoreIndex: 255) },
        "focal_binary": { x, t, _ in try Functional.sigmoidFocalLoss(x, t) },
        "focal_binary_noalpha_sum": { x, t, _ in try Functional.sigmoidFocalLoss(x, t, alpha: nil, gamma: 1.5, reduction: .sum) },
        "focal_multiclass": { x, t, e in try Functional.focalLoss(x, t, alpha: e["alpha"], gamma: 2) },
        "focal_multiclass_noalpha": { x, t, _ in try Functional.focalLoss(x, t, gamma: 0.5) },
    ]

    @Test(arguments: cases.keys.sorted())
    func loss(name: String) throws {
        let run = ParityRun(Self.parity, name)
        defer { run.finish() }
        let f = try NNFixtures.losses.get()
        let extras = Dictionary(uniqueKeysWithValues: f.filter {
            $0.key.hasPrefix("\(name).") && !["input", "target", "loss", "gloss", "ginput"].contains(String($0.key.dropFirst(name.count + 1)))
        }.map { (String($0.key.dropFirst(name.count + 1)), $0.value) })
        let x = try f["\(name).input"]!.clone().setRequiresGrad()
        let fn = try #require(Self.cases[name])
        let l = try fn(x, f["\(name).target"]!, extras)
        try run.close(l, f["\(name).loss"], "\(name) value")
        try l.backward(l.rank == 0 ? nil : f["\(name).gloss"]!)
        try run.close(x.grad, f["\(name).ginput"], "\(name) input gradient")
    }

    @Test func everyFixtureCaseHasASwiftCase() throws {
        let f = try NNFixtures.losses.get()
        #expect(Set(f.keys.filter { $0.hasSuffix(".loss") }.map { String($0.dropLast(5)) }) == Set(Self.cases.keys))
    }

    @Test func lossesRejectBadArguments() throws {
        let x = try Tensor.zeros([2, 3]), y = try Tensor([0, 1])
        #expect(throws: TorchError.self) { try Functional.crossEntropy(x, y, labelSmoothing: 2) }
        #expect(throws: TorchError.self) { try Functional.binaryCrossEntropyWithLogits(x, Tensor.zeros([3, 2])) }
        #expect(throws: TorchError.self) { try Functional.diceLoss(x, Tensor.zeros([2, 3], .init(dtype: .int64))) }
        #expect(throws: TorchError.self) { try Functional.smoothL1Loss(x, x, beta: -1) }
        do {
            _ = try Functional.crossEntropy(x, try Tensor([0, 5]))
            Issue.record("out-of-range class accepted")
        } catch let e as TorchError { #expect(e.message.contains("out of bounds") || e.message.contains("Target")) }
    }
}
