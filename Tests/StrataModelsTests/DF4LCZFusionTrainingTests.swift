import StrataModels
import StrataTensor
import StrataTestSupport
import Testing

/// The two ways `DF4LCZFusion` trains (`GraphInputModel.outputs`): the stable fused log-probabilities, DF4LCZ's
/// late training terms (each stream's own logits) and the joint term, and the registry building the pair from a card.
@Suite struct DF4LCZFusionTrainingTests {
    @Test func fusedLogProbabilitiesAreTheLogOfTheFusion() throws {
        Runtime.manualSeed(3)
        let a = try Tensor.randn([6, 17]) * 4.0, b = try Tensor.randn([6, 17]) * 4.0
        for alpha in [0.0, 0.25, 0.6, 1.0] {
            let logP = try DF4LCZFusion.fuseLog(s2Logits: a, graphLogits: b, alpha: alpha)
            let p = try DF4LCZFusion.fuse(s2Logits: a, graphLogits: b, alpha: alpha)
            // Both in float32 from the same logits: agreement to a few ulps of O(1) probabilities.
            #expect(try (logP.exp() - p).abs().max().item() < 1e-6, "alpha \(alpha)")
        }
        // Logits 200 apart: a plain softmax underflows to 0 (log → -inf); the log-sum-exp form stays finite.
        let far = try Tensor([0, 200] as [Float], shape: [1, 2])
        let v = try DF4LCZFusion.fuseLog(s2Logits: far, graphLogits: far, alpha: 0.6).doubles()
        #expect(v.allSatisfy(\.isFinite) && abs(v[0] + 200) < 1e-3)
    }

    @Test func lateAndJointTrainingTerms() throws {
        Runtime.manualSeed(4)
        let chips = try Tensor.randn([2, 10, 32, 32])
        let x = try Tensor.rand([5, 5]), gi = try Tensor([0, 0, 0, 1, 1] as [Int])
        var a = [Float](repeating: 0, count: 25)
        for i in 0..<5 { for j in 0..<5 where i != j && (i < 3) == (j < 3) { a[i * 5 + j] = i < 3 ? 0.5 : 1 } }
        let adj = try Tensor(a, shape: [5, 5])
        for training in DF4LCZFusion.Training.allCases {
            Runtime.manualSeed(9)
            let m = try DF4LCZFusion(s2: ResNet11_3D(), graph: DF4LCZGraphNet(), training: training)
            m.eval()
            let out = try Torch.noGrad { try m.outputs(chips: chips, x: x, adjacency: adj, graphIndex: gi) }
            let s2 = try Torch.noGrad { try m.s2(chips) }
            let g = try Torch.noGrad { try m.graph(x, adjacency: adj, graphIndex: gi, graphCount: 2) }
            #expect(try out.prediction.equal(DF4LCZFusion.fuseLog(s2Logits: s2, graphLogits: g)))
            if training == .late {
                #expect(out.trainingTerms.count == 2)
                #expect(try out.trainingTerms[0].equal(s2) && out.trainingTerms[1].equal(g))
            } else {
                #expect(out.trainingTerms.count == 1)
                #expect(try out.trainingTerms[0].equal(out.prediction))
            }
        }
    }

    @Test func registryBuildsThePairFromTheCard() throws {
        let card = try ModelCard(architecture: "df4lcz-fusion", task: .classification,
                                 bands: (1...10).map { "B\($0)" }, classNames: (0..<17).map { "c\($0)" },
                                 extra: [DF4LCZFusion.alphaKey: "0.3", DF4LCZFusion.trainingKey: "joint"])
        let m = try #require(try ModelRegistry.make(card: card) as? DF4LCZFusion)
        #expect(m.alpha == 0.3 && m.training == .joint && m.s2.bands == 10 && m.graph.numClasses == 17)
        var bad = card
        bad.extra[DF4LCZFusion.trainingKey] = "sum"
        #expect(throws: ModelError.self) { _ = try ModelRegistry.make(card: bad) }
    }
}
