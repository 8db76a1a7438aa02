import Foundation
import StrataGeo
import StrataModels
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `strata train` with `model.weights` as a user runs it (a separate process) on files PyTorch wrote
/// (scripts/fixtures/weights.py: the registry's small-cnn, 3 bands, 2 classes, float16): a file that does not fit
/// fails with its key report unless `model.weights_partial`, Lightning and DDP checkpoints load with their prefix
/// stripped, and 3-band weights on 4-band data need `model.adapt_first_conv`. Tiny data (2 classes × 6 chips of
/// 16 × 16 pixels), one epoch, learning rate 0 where the test checks the weights that were loaded.
@Suite(.serialized) struct PretrainedWeightsCLITests {
    static let fixtures = SharedData.fixtures("StrataTasksTests").appendingPathComponent("weights")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// `<dir>/chips/<class>/<i>.tif`: 4-band float32 chips (bands described B1…B4), values depending on the class.
    static func chips(in dir: URL) throws -> String {
        let root = dir.appendingPathComponent("chips")
        Runtime.manualSeed(3)
        let bounds = BoundingBox(minX: 500_000, minY: 5_000_000, maxX: 500_160, maxY: 5_000_160)
        let grid = try GeoGrid(crs: try CRS(epsg: 32631), bounds: bounds, width: 16, height: 16)
        let options = WriteOptions(format: .geoTIFF, compression: .none, tiled: false,
                                   bandDescriptions: ["B1", "B2", "B3", "B4"], overviews: .none)
        for (c, name) in ["crops", "water"].enumerated() {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<6 {
                let image = try Tensor.randn([4, 16, 16]) + Double(c)
                try RasterWriter.write(image, to: folder.appendingPathComponent("\(i).tif").path, grid: grid,
                                       options: options)
            }
        }
        return root.path
    }

    /// A one-epoch small-cnn config on `root`; `model` lines are added under `model:`.
    static func config(in dir: URL, root: String, bands: [String]? = nil, model: [String],
                       lr: Double = 0) throws -> String {
        let text = """
        task: classification
        data:
          dataset: folder
          root: \(root)
        \(bands.map { "  bands: [\($0.joined(separator: ", "))]" } ?? "")
          batch_size: 4
          workers: 0
          split: {train: 0.5, val: 0.5, seed: 0}
          normalize: {method: none}
        model:
          name: small-cnn
        \(model.map { "  " + $0 }.joined(separator: "\n"))
        trainer:
          epochs: 1
          threads: 1
          optimizer: {name: adamw, lr: \(lr)}
        output: runs/unused
        """
        let url = dir.appendingPathComponent("train-\(UUID().uuidString.prefix(6)).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func train(_ config: String, _ out: URL) throws -> (status: Int32, output: String) {
        try StrataBinary.run(["train", "--config", config, "--output", out.path, "--no-progress"])
    }

    /// The model state of a finished run's last checkpoint.
    static func trained(_ out: URL) throws -> StateDict {
        try Checkpoint.load(out.appendingPathComponent("last.ckpt").path).model
    }

    @Test func weightsThatDoNotFitFailWithTheKeyReportUnlessPartial() throws {
        let dir = try SharedData.tempDir("cli-weights-partial")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try Self.chips(in: dir)
        // A 10-class head and an extra tensor: fc is of another shape, aux.weight unexpected.
        let head10 = Self.fixture("smallcnn3_head10.pth")
        let rgb = ["B1", "B2", "B3"]
        let strict = try Self.train(try Self.config(in: dir, root: root, bands: rgb, model: ["weights: \(head10)"]),
                                    dir.appendingPathComponent("strict"))
        #expect(strict.status != 0)
        #expect(strict.output.contains("18 of 20 model tensors would load"), "\(strict.output)")
        #expect(strict.output.contains("1 unexpected: aux.weight"), "\(strict.output)")
        #expect(strict.output.contains("2 of another shape: fc.weight: file [10, 128] vs model [2, 128]"),
                "\(strict.output)")
        #expect(strict.output.contains("model.weights_partial: true"), "\(strict.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("strict/last.ckpt").path))

        let out = dir.appendingPathComponent("partial")
        let partial = try Self.train(try Self.config(in: dir, root: root, bands: ["B1", "B2", "B3"],
                                                     model: ["weights: \(head10)", "weights_partial: true"]), out)
        #expect(partial.status == 0, "\(partial.output)")
        #expect(partial.output.contains("loaded 18 of 20 tensors; 0 missing, 1 unexpected, 2 of another shape"),
                "\(partial.output)")
        let file = try TorchPickle.load(head10)
        #expect(try Self.trained(out)["features.3.weight"]!.equal(file["features.3.weight"]!.to(.float32)),
                "with lr 0 the trained convolution is the file's")

        // Another architecture's names: nothing fits, partial or not.
        let foreign = dir.appendingPathComponent("resnet-names.pth").path
        try TorchPickle.save(["conv1.weight": try Tensor.randn([8, 3, 7, 7]), "bn1.weight": try Tensor.randn([8]),
                              "layer1.0.conv1.weight": try Tensor.randn([8, 8, 3, 3])], to: foreign)
        let none = try Self.train(try Self.config(in: dir, root: root, bands: ["B1", "B2", "B3"],
                                                  model: ["weights: \(foreign)", "weights_partial: true"]),
                                  dir.appendingPathComponent("foreign"))
        #expect(none.status != 0)
        #expect(none.output.contains("none of its 3 tensors fits this model (the file has conv1.weight"),
                "\(none.output)")
    }

    @Test(arguments: [("smallcnn3_lightning.ckpt", "state_dict.model.", 2), ("smallcnn3_ddp.pth", "module.", 0)])
    func lightningAndDDPCheckpointsLoadWithThePrefixStripped(_ name: String, _ prefix: String, _ ignored: Int) throws {
        let dir = try SharedData.tempDir("cli-weights-prefix")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try Self.chips(in: dir)
        let out = dir.appendingPathComponent("run")
        let r = try Self.train(try Self.config(in: dir, root: root, bands: ["B1", "B2", "B3"],
                                               model: ["weights: \(Self.fixture(name))"]), out)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("prefix '\(prefix)' stripped"), "\(r.output)")
        #expect(r.output.contains("loaded 20 of 20 tensors; 0 missing, 0 unexpected"), "\(r.output)")
        // Lightning: the loss's class-weight buffer and the checkpoint callback's best score stay out.
        #expect(r.output.contains("other tensors of the file (training state) ignored") == (ignored > 0), "\(r.output)")
        let plain = try TorchPickle.load(Self.fixture("smallcnn3.pth"))
        #expect(try Self.trained(out)["features.6.weight"]!.equal(plain["features.6.weight"]!.to(.float32)))
    }

    @Test func threeBandWeightsOnFourBandDataNeedAdaptFirstConv() throws {
        let dir = try SharedData.tempDir("cli-weights-adapt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try Self.chips(in: dir)
        let weights = Self.fixture("smallcnn3.pth")
        let refused = try Self.train(try Self.config(in: dir, root: root, model: ["weights: \(weights)"]),
                                     dir.appendingPathComponent("refused"))
        #expect(refused.status != 0)
        #expect(refused.output.contains("the first convolution features.0.weight was trained on 3 bands "
                                        + "(weights [32, 3, 3, 3]) but the model takes 4"), "\(refused.output)")
        #expect(refused.output.contains("set model.adapt_first_conv: true"), "\(refused.output)")

        let out = dir.appendingPathComponent("adapted")
        let adapt = try Self.config(in: dir, root: root, model: ["weights: \(weights)", "adapt_first_conv: true"])
        let r = try Self.train(adapt, out)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("first convolution adapted: features.0.weight: 3 → 4 bands"), "\(r.output)")
        let conv = try TorchPickle.load(weights)["features.0.weight"]!.to(.float32)
        let expected = try FirstConv.adapt(conv, toBands: 4)
        #expect(try Self.trained(out)["features.0.weight"]!.allClose(expected, rtol: 1e-6, atol: 0))
    }

    @Test func weightOptionsWithoutWeightsAreRejected() throws {
        let dir = try SharedData.tempDir("cli-weights-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.train(try Self.config(in: dir, root: dir.path, model: ["adapt_first_conv: true"]),
                               dir.appendingPathComponent("run"))
        #expect(r.status != 0)
        #expect(r.output.contains("model.adapt_first_conv applies to model.weights, which is not set"), "\(r.output)")
    }
}
