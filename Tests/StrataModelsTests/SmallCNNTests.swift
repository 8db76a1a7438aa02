import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

@Suite struct SmallCNNTests {
    @Test func structureAndShapes() throws {
        let model = try SmallCNN(inChannels: 13, numClasses: 10)
        let sd = try model.stateDict()
        #expect(sd["features.0.0.weight"]?.shape == [32, 13, 3, 3])
        #expect(sd["features.1.0.weight"]?.shape == [64, 32, 3, 3])
        #expect(sd["features.2.0.weight"]?.shape == [128, 64, 3, 3])
        #expect(sd["fc.weight"]?.shape == [10, 128])
        #expect(sd["features.0.0.bias"] == nil)
        #expect(model.parameterCount() == 288 * 13 + 92_160 + 448 + 129 * 10)
        model.eval()
        // strides 1, 2, 2: a 33×33 chip becomes 9×9 before pooling; any size works.
        let feats = try Torch.noGrad { try model.features(Tensor.randn([2, 13, 33, 33])) }
        #expect(feats.shape == [2, 128, 9, 9])
        #expect(try Torch.noGrad { try model(Tensor.randn([2, 13, 33, 33])) }.shape == [2, 10])
        #expect(throws: ModelError.self) { try model(Tensor.randn([2, 3, 33, 33])) }
    }

    @Test func trainingStepReducesLoss() throws {
        Runtime.manualSeed(11)
        let model = try SmallCNN(inChannels: 3, numClasses: 4)
        model.train()
        let x = try Tensor.randn([8, 3, 16, 16])
        let y = try Tensor([0, 1, 2, 3, 0, 1, 2, 3])
        var losses: [Double] = []
        for _ in 0..<5 {
            let loss = try Functional.crossEntropy(model(x), y)
            losses.append(try loss.item())
            try sgdStep(model, loss: loss, lr: 0.1)
        }
        #expect(losses.last! < losses.first!, "losses \(losses)")
    }
}
