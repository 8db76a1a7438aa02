import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// A series classifier trained end to end through `task: classification`, as a user runs it: the committed
/// `configs/oscd-changed-chips-ltae.yaml` (OSCD city pairs as 2-date series chips labelled unchanged / changed from
/// the `cm` change map; `ltae-resnet18`: per-date ResNet-18, L-TAE pooling over the dates) with a smaller run set by
/// `--set` (two training cities, Paris for validation, 64-pixel chips, 2 epochs); then `strata evaluate` rebuilds
/// the validation chips from the checkpoint, and `strata predict` classifies a grid of 64 × 64 windows of the Paris
/// scene from its two dates (the derived 13-band stacks, one input per date) into one map.
@Suite(.serialized) struct SeriesClassificationCLITests {
    static func trainArgs(_ run: URL) throws -> [String] {
        ["train", "--config", SharedData.repoRoot.appendingPathComponent("configs/oscd-changed-chips-ltae.yaml").path,
         "--output", run.path, "--no-progress",
         "--set", "data.root=\(try SharedData.path("oscd"))",
         "--set", "data.train_cities=[bercy, rennes]", "--set", "data.val_cities=[paris]",
         "--set", "data.chip_size=64", "--set", "data.batch_size=8", "--set", "data.workers=1",
         "--set", "trainer.epochs=2", "--set", "trainer.threads=2"]
    }

    @Test(.enabled(if: SharedData.shouldRun)) func seriesClassifierTrainsEvaluatesAndMapsAScene() throws {
        let dir = try SharedData.tempDir("strata-series-cls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let train = try StrataBinary.run(try Self.trainArgs(run))
        #expect(train.status == 0, "strata train failed:\n\(train.output)")
        try #require(train.status == 0)
        #expect(train.output.contains("changed-chip series:"), "\(train.output)")
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let m = try JSONDecoder().decode([String: Double?].self, from: Data(line.utf8))
            #expect((m["train_loss"] ?? nil).map(\.isFinite) == true, "\(m)")
            #expect((m["val_oa"] ?? nil).map { $0 >= 0 && $0 <= 1 } == true, "\(m)")
        }
        // The card: a series of 2 dates × 13 bands, date-major; the two classes; the chip size as input size.
        let ckpt = run.appendingPathComponent("best.ckpt").path
        let card = try TrainedModel.load(ckpt).card
        #expect(card.architecture == "ltae-resnet18" && card.task == .classification)
        #expect(card.bands == SeriesDataset.seriesBandNames(OSCD.bands, dates: 2))
        #expect(card.classNames == ["unchanged", "changed"] && card.extra["series_dates"] == "2")
        #expect(card.inputSize == [64, 64] && card.extra["val_cities"] == "paris")

        // strata evaluate: the 36 whole 64-pixel chips of Paris (390 × 408), the checkpoint's normalisation.
        let json = dir.appendingPathComponent("val.json").path
        let ev = try StrataBinary.run(["evaluate", "--checkpoint", ckpt, "--split", "val", "--json", json])
        #expect(ev.status == 0 && ev.output.contains("36 val samples"), "\(ev.output)")
        let m = try JSONDecoder().decode([String: Double?].self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect((m["oa"] ?? nil).map { $0 >= 0 && $0 <= 1 } == true && m["kappa"] != nil, "\(m)")

        // strata predict: one map of the scene, one output pixel per 64 × 64 window (stride = window): 7 × 7 cells.
        let t1 = try SharedData.path("oscd/derived/paris_t1_13band_10m.tif")
        let t2 = try SharedData.path("oscd/derived/paris_t2_13band_10m.tif")
        let map = dir.appendingPathComponent("map.tif").path
        let predict = try StrataBinary.run(["predict", "--checkpoint", ckpt, "--input", t1, "--input", t2,
                                            "--output", map, "--no-progress"])
        #expect(predict.status == 0, "strata predict failed:\n\(predict.output)")
        try #require(predict.status == 0)
        let out = try Raster(path: map)
        #expect(out.width == 7 && out.height == 7, "\(out.width) × \(out.height)")
        #expect(out.bands.first?.categoryNames == ["unchanged", "changed"])
        let px = try out.read(window: PixelWindow(width: out.width, height: out.height)).to(.int64)
            .toArray(Int64.self)
        // The 6 × 6 cells whose window lies inside the scene are exactly the validation chips: the map holds the
        // class the trained model gives each chip (computed here in-process from the chips and the card's
        // normalisation; near-ties, whose argmax may flip with the kernels' summation order, are not compared).
        let chips = try ClassificationExperiment.changedChips(
            try TrainConfig(ConfigTree(yaml: try #require(TrainedModel.load(ckpt).config)),
                            datasets: ["oscd"], models: ModelRegistry.names), split: .val)
        #expect(chips.count == 36)
        let model = try TrainedModel.load(ckpt).module().eval()
        let x = try Tensor.stack((0..<chips.count).map { try chips.sample(at: $0).image })
        let (normalized, _) = try InputPipeline(card: card).apply(image: x, mask: nil, seed: 0)
        let logits = try Torch.noGrad { try model(normalized) }.doubles()
        var compared = 0
        for k in 0..<chips.count {
            let c = chips.chips[k]
            let (l0, l1) = (logits[2 * k], logits[2 * k + 1])
            guard abs(l1 - l0) > 1e-3 * max(1, abs(l0), abs(l1)) else { continue }
            compared += 1
            #expect(px[(c.y / 64) * 7 + c.x / 64] == (l1 > l0 ? 1 : 0), "cell of chip \(chips.id(at: k))")
        }
        #expect(compared >= 30, "only \(compared) of 36 chips without a near-tie")
        // One date only is not a series for this model: a clear error naming the fix.
        let one = try StrataBinary.run(["predict", "--checkpoint", ckpt, "--input", t1,
                                        "--output", dir.appendingPathComponent("one.tif").path, "--no-progress"])
        #expect(one.status != 0 && one.output.contains("series of 2 dates"), "\(one.output)")
    }
}
