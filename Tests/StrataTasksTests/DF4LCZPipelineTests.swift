import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// The DF4LCZ high-resolution stream's pieces fitted together on real imagery: a LEVIR-CD 0.5 m tile resized to
/// DF4LCZ's 320 × 320 (bilinear, as `ins_gen.py` resizes before SAM) → Felzenszwalb masks (the no-SAM default) →
/// segment graphs → a disjoint batch → the graph net and the late fusion.
@Suite struct DF4LCZPipelineTests {
    @Test(.enabled(if: SharedData.shouldRun)) func realTileThroughGraphStreamAndFusion() throws {
        var graphs: [SegmentGraph] = []
        for (i, name) in ["test_2_0000_0000.png", "val_27_0000_0256.png", "train_36_0512_0512.png"].enumerated() {
            let raster = try Raster(path: SharedData.path("levir-cd-samples/A/\(name)"))
            let rgb = try raster.read(window: PixelWindow(width: raster.width, height: raster.height), bands: [1, 2, 3],
                                      outputSize: (320, 320), resampling: .bilinear)
            #expect(rgb.shape == [3, 320, 320])
            let start = Date()
            let labels = try Felzenszwalb(scale: 100, sigma: 0.5, minSize: 50).segment(rgb)
            let seconds = Date().timeIntervalSince(start)
            let graph = try SegmentGraph(image: rgb, labels: labels, label: i)
            let segments = try labels.max().itemInt() + 1
            print("df4lcz \(name): \(segments) segments in \(seconds) s, \(graph.nodeCount) nodes")
            #expect(graph.nodeCount >= 2 && graph.nodeCount <= 50)
            #expect(graph.areas.allSatisfy { $0 >= 50 } && graph.areas == graph.areas.sorted(by: >))
            graphs.append(graph)
        }
        let batch = try GraphBatch(graphs)
        #expect(batch.nodeCounts == graphs.map(\.nodeCount))
        Runtime.manualSeed(1)
        let model = try DF4LCZFusion(s2: ResNet11_3D(), graph: DF4LCZGraphNet())
        model.eval()
        let chips = try Tensor.randn([3, 10, 32, 32])  // stand-in Sentinel-2 chips: this test is about the graphs
        let p = try Torch.noGrad {
            try model.probabilities(chips: chips, x: batch.x, adjacency: batch.adjacency, graphIndex: batch.graphIndex)
        }
        #expect(p.shape == [3, 17])
        #expect(try (p.sum(dim: 1) - 1.0).abs().max().item() < 1e-5)
        var cm = try ConfusionMatrix(numClasses: 17)
        try cm.update(predictions: p, targets: batch.labels!)
        let m = try LCZMetrics(cm)
        #expect(cm.total == 3 && m.overallAccuracy >= 0 && m.overallAccuracy <= 1)
    }
}
