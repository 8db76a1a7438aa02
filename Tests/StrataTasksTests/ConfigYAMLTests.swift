import Testing
@testable import StrataTasks

/// The resolved config written to config.yaml and checkpoints reads back as the same config.
@Suite struct ConfigYAMLTests {
    @Test func resolvedConfigRoundTrips() throws {
        var tree = try ConfigTree(yaml: """
        task: multilabel
        data:
          dataset: eurosat
          root: /data/eurosat
          bands: [B02, B03, B04, B08]
          split: {train: 0.6, val: 0.2, test: 0.2, seed: 3}
          normalize: {method: meanstd, mean: [0.1, 0.2, 0.3, 0.4], std: [1.0e-2, 2, 3, 4]}
          indices: [ndvi]
        model: {name: resnet18, weights: null}
        trainer:
          epochs: 5.0
          optimizer: {name: sgd, lr: 1.0e-3, nesterov: true}
        output: runs/x
        """)
        try tree.apply(overrides: ["trainer.epochs=7", "data.split.seed=9", "data.root=/other"])
        tree.set("output", value: "runs/y")
        let text = try tree.yamlString()
        #expect(text.contains("lr: 0.001") && text.contains("train: 0.6"), "\(text)")
        let again = try ConfigTree(yaml: text)
        #expect(try again.yamlString() == text)
        let names = (datasets: ["eurosat"], models: ["resnet18"])
        let a = try TrainConfig(tree, datasets: names.datasets, models: names.models)
        let b = try TrainConfig(again, datasets: names.datasets, models: names.models)
        #expect(b.task == .multilabel && b.task == a.task)
        #expect(b.data.root == "/other" && b.data.splitSeed == 9 && b.output == "runs/y" && b.trainer.epochs == 7)
        #expect(b.data.bands == a.data.bands && b.data.mean == a.data.mean && b.data.std == a.data.std)
        #expect(b.data.trainFraction == 0.6 && b.trainer.optimizer.lr == 1e-3 && b.trainer.optimizer.nesterov)
        #expect(b.data.indices == ["ndvi"] && b.modelWeights == nil)
    }
}
