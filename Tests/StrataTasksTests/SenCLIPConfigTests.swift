import Foundation
import StrataData
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `task: senclip` configs and the pair-folder layout (`SenCLIPPairs`).
@Suite struct SenCLIPConfigTests {
    let datasets = ["eurosat"], models = ["resnet18", "senclip"]

    func parse(_ yaml: String) throws -> TrainConfig {
        try TrainConfig(ConfigTree(yaml: yaml), datasets: datasets, models: models)
    }

    @Test func parsesTheSenCLIPSection() throws {
        let c = try parse("""
        task: senclip
        data: {root: pairs, bands: [B04, B03, B02], batch_size: 32}
        model: {weights: ViT-B-32.pt}
        senclip: {pooling: attpool, pool_out: mean, queue_size: 256, crop: 0, image_size: 224}
        """)
        #expect(c.task == .embedding && c.model == "senclip" && c.data.dataset == TrainConfig.senclipDataset)
        #expect(c.senclip.pooling == "attpool" && c.senclip.poolOut == "mean" && c.senclip.queueSize == 256)
        #expect(c.senclip.crop == nil && c.senclip.imageSize == 224 && c.senclip.temperature == 0.07)
        #expect(TrainConfig.tasks.contains("senclip"))
    }

    @Test func badSenCLIPConfigsNameTheKey() throws {
        func err(_ yaml: String) -> String? {
            (#expect(throws: ConfigError.self) { try parse(yaml) })?.message
        }
        #expect(err("task: senclip\ndata: {root: p}")?.contains("model.weights") == true)
        #expect(err("task: senclip\ndata: {root: p, batch_size: 24}\nmodel: {weights: w.pt}")?
            .contains("senclip.queue_size 512 must be a multiple of data.batch_size 24") == true)
        #expect(err("task: senclip\ndata: {root: p}\nmodel: {weights: w.pt}\nsenclip: {pooling: maxpool}")?
            .contains("senclip.pooling") == true)
        #expect(err("task: senclip\ndata: {root: p, split: {train: 0.5}}\nmodel: {weights: w.pt}")?
            .contains("data.split") == true)
        #expect(err("task: senclip\ndata: {root: p}\nmodel: {name: resnet18, weights: w.pt}")?
            .contains("model.name") == true)
        #expect(err("data: {dataset: eurosat}\nsenclip: {queue_size: 64}")?.contains("senclip:") == true)
        #expect(err("task: senclip\ndata: {root: p, indices: [ndvi]}\nmodel: {weights: w.pt}")?
            .contains("data.indices does nothing for task: senclip") == true)
        #expect(err("task: senclip\ndata: {root: p}\nmodel: {weights: w.pt}\ntrainer: {label_smoothing: 0.1}")?
            .contains("trainer.label_smoothing") == true)
        #expect(err("task: embedding\ndata: {dataset: eurosat}")?.contains("senclip") == true)
    }

    /// The layout's errors name the file and the fix; a valid folder pairs chips with ground rows.
    @Test func pairFolderLayout() throws {
        let dir = try SharedData.tempDir("senclip-pairs")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: DatasetError.self) {
            try SenCLIPPairs(root: dir.path, split: .train, bands: nil, imageSize: 32)
        }
        let standin = SharedData.fixtures("StrataTasksTests").appendingPathComponent("senclip-standin")
        try FileManager.default.copyItem(at: standin.appendingPathComponent("ground.npy"),
                                         to: dir.appendingPathComponent("ground.npy"))
        try "image,split\na.tif,train\n".write(to: dir.appendingPathComponent("pairs.csv"), atomically: true,
                                               encoding: .utf8)
        do {
            _ = try SenCLIPPairs(root: dir.path, split: .train, bands: nil, imageSize: 32)
            Issue.record("1 row for 200 locations was accepted")
        } catch let e as DatasetError {
            #expect("\(e)".contains("1 rows") && "\(e)".contains("200 locations"), "\(e)")
        }
        guard SharedData.shouldRun else { return }
        let chips = try SharedData.path("eurosat-ms")
        let train = try SenCLIPPairs(root: standin.path, split: .train, bands: ["band4", "band3", "band2"],
                                     chipsRoot: chips, crop: 32, imageSize: 48)
        let val = try SenCLIPPairs(root: standin.path, split: .val, bands: ["band4", "band3", "band2"],
                                   chipsRoot: chips, crop: 32, imageSize: 48)
        #expect(train.count == 160 && val.count == 40 && train.views == 4 && train.embedDim == 32)
        let s = try val.sample(at: 0)
        #expect(s.image.shape == [3, 48, 48] && s.label == .single(16))
        #expect(try s.image.min().item() >= 0 && s.image.max().item() <= 1)
        let g = try val.ground(rows: Tensor([Int64(16), 17]))
        #expect(g.shape == [2, 4, 32])
        #expect(throws: DatasetError.self) {
            try SenCLIPPairs(root: standin.path, split: .train, bands: ["B04"], chipsRoot: chips, imageSize: 32)
        }
    }
}
