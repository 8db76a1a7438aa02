import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

@Suite struct UNetTests {
    static let encoders: [(String, ResNet.Depth)] = [("unet-resnet18", .resnet18), ("unet-resnet34", .resnet34),
                                                     ("unet-resnet50", .resnet50)]

    /// Names, order and shapes equal `smp.Unet("resnetXX", in_channels=13, classes=5)`'s state dict.
    @Test(arguments: encoders)
    func stateDictMatchesSMP(_ name: String, _ depth: ResNet.Depth) throws {
        let reference = try #require(try ModelFixtures.keys()[name])
        let sd = try UNet(encoder: depth, inChannels: 13, numClasses: 5).stateDict()
        #expect(sd.keys == reference.map(\.0))
        for (k, shape) in reference {
            #expect(sd[k]?.shape == shape, "\(k)")
        }
        #expect(sd.contains("decoder.blocks.0.conv1.0.weight") && sd.contains("segmentation_head.0.weight"))
    }

    /// The full segmentation forward equals smp's on the same formula-filled weights and input.
    @Test(arguments: encoders)
    func forwardMatchesSMP(_ name: String, _ depth: ResNet.Depth) throws {
        let ref = try #require(try ModelFixtures.parity()["out.\(name).eval"])
        let model = try UNet(encoder: depth, inChannels: 13, numClasses: 5)
        try ModelFixtures.fill(model)
        model.eval()
        let out = try Torch.noGrad { try model(ModelFixtures.input([1, 13, 64, 64])) }
        #expect(out.shape == [1, 5, 64, 64])
        #expect(try ModelFixtures.maxAbsDiff(out, ref) <= 1e-4 * max(1, try ModelFixtures.maxAbs(ref)))
    }

    /// Sizes that are not multiples of 32 follow smp ≥ 0.5 (each step resized to the skip's size).
    @Test func oddSizeMatchesSMP() throws {
        let ref = try #require(try ModelFixtures.parity()["out.unet-resnet18.eval.40x72"])
        let model = try UNet(encoder: .resnet18, inChannels: 13, numClasses: 5)
        try ModelFixtures.fill(model)
        model.eval()
        let out = try Torch.noGrad { try model(ModelFixtures.input([1, 13, 40, 72])) }
        #expect(out.shape == [1, 5, 40, 72])
        #expect(try ModelFixtures.maxAbsDiff(out, ref) <= 1e-4 * max(1, try ModelFixtures.maxAbs(ref)))
    }

    /// A few SGD steps on one tiny batch lower the per-pixel cross-entropy.
    @Test func trainingStepReducesLoss() throws {
        Runtime.manualSeed(7)
        let model = try UNet(encoder: .resnet18, inChannels: 3, numClasses: 2, decoderChannels: [32, 16, 16, 8, 8])
        model.train()
        let x = try Tensor.randn([2, 3, 32, 32])
        let y = try Tensor.randint(0, 2, [2, 32, 32])
        var losses: [Double] = []
        for _ in 0..<4 {
            let loss = try Functional.crossEntropy(model(x), y)
            losses.append(try loss.item())
            try sgdStep(model, loss: loss, lr: 0.05)
        }
        #expect(losses.last! < losses.first!, "losses \(losses)")
    }

    @Test func badDecoderChannelsAreAClearError() throws {
        #expect(throws: ModelError.self) { try UNet(encoder: .resnet18, inChannels: 3, numClasses: 2, decoderChannels: [16, 8]) }
        #expect(throws: ModelError.self) { try UNet(encoder: .resnet18, inChannels: 3, numClasses: 0) }
    }
}
