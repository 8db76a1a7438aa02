import Testing
import StrataTensor
@testable import StrataTasks

@Suite struct TrainConfigTests {
    let datasets = ["eurosat", "folder"], models = ["resnet18", "small-cnn"]

    @Test func parsesAFullConfigWithOverrides() throws {
        var tree = try ConfigTree(yaml: """
        task: classification
        data:
          dataset: eurosat
          root: /data/eurosat
          bands: [B02, B03, B04, B08]
          split: {train: 0.6, val: 0.2, test: 0.2, seed: 3}
          augment: [hflip, rot90]
        model: {name: resnet18}
        trainer:
          epochs: 5
          optimizer: {name: sgd, lr: 0.1, nesterov: true}
          scheduler: {name: cosine, warmup_epochs: 1}
        output: runs/x
        """)
        try tree.apply(overrides: ["trainer.epochs=7", "data.batch_size=16"])
        let c = try TrainConfig(tree, datasets: datasets, models: models)
        #expect(c.data.bands == ["B02", "B03", "B04", "B08"])
        #expect(c.data.batchSize == 16)
        #expect(c.trainer.epochs == 7)
        #expect(c.trainer.optimizer.name == "sgd" && c.trainer.optimizer.nesterov)
        #expect(c.data.testFraction == 0.2 && c.data.splitSeed == 3)
        let p = try Tensor.zeros([2]).setRequiresGrad()
        let opt = try OptimizerFactory.optimizer(c.trainer.optimizer, parameters: [p])
        let s = try OptimizerFactory.scheduler(c.trainer.scheduler, optimizer: opt, epochs: 7, monitorMaximizes: false)
        #expect(s != nil)
        #expect(opt.learningRate(group: 0) < 0.1)  // warm-up starts below the base rate
    }

    @Test func errorsNameTheKeyAndAllowedValues() throws {
        func err(_ yaml: String) -> String? {
            (#expect(throws: ConfigError.self) { try TrainConfig(ConfigTree(yaml: yaml), datasets: datasets, models: models) })?.message
        }
        #expect(err("data: {root: x}")?.contains("data.dataset is required; allowed values: eurosat, folder") == true)
        #expect(err("data: {dataset: mnist}")?.contains("'mnist' is not allowed; allowed values: eurosat, folder") == true)
        #expect(err("data: {dataset: eurosat}\nmodel: {name: vgg}")?.contains("model.name") == true)
        #expect(err("data: {dataset: eurosat}\ntrainer: {optimiser: {name: sgd}}")?.contains("unknown key 'trainer.optimiser' (did you mean 'optimizer'?)") == true)
        #expect(err("data: {dataset: eurosat, augment: [flip]}")?.contains("data.augment") == true)
        #expect(err("data: {dataset: eurosat, split: {train: 0.9, val: 0.3}}")?.contains("add up to more than 1") == true)
        #expect(err("data: {dataset: eurosat}\ntrainer: {optimizer: {name: adamw, lr: -1}}")?.contains("trainer.optimizer.lr") == true)
    }
}
