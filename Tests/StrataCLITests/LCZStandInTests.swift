import Foundation
import StrataTensor
import StrataTestSupport
import Testing

/// `strata lcz-standin` on real OSCD scenes with the real So2Sat weights, then `configs/lcz-fusion-standin.yaml`
/// trained on what it built.
@Suite(.serialized) struct LCZStandInTests {
    @Test(.enabled(if: SharedData.shouldRun)) func buildsTheLayoutFromOSCDAndTrainsOnIt() throws {
        let oscd = try SharedData.path("oscd")
        let reference = try SharedData.path("reference-outputs/so2sat-lcz")
        let weights = try SharedData.path(
            "weights/so2sat-lcz/S2_RESNET20_BS16_LR2e-4_IN32-32-10_PRO-52-0R12_2019-06-27.h5")
        let dir = try SharedData.tempDir("lcz-standin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("standin")
        // Nearest resampling reproduces oscd/derived's 10 m stack, from which the So2Sat reference chips were cut.
        let built = try StrataBinary.run(["lcz-standin", "--oscd", oscd, "--weights", weights, "--output", out.path,
                                          "--city", "paris", "--max-chips-per-city", "12", "--resampling", "nearest"])
        try #require(built.status == 0, "\(built.output)")
        let note = try String(contentsOf: out.appendingPathComponent("STANDIN.md"), encoding: .utf8)
        #expect(note.contains("pseudo-labels") && note.contains("320×320") && note.contains("not LCZC-GES2"))

        // Patches = the reference chips (same grid, same float16 scaling); labels = the Keras model's argmax.
        let refChips = try NPY.read("\(reference)/paris_chips.npy")
        let origins = Array(try String(contentsOf: URL(fileURLWithPath: "\(reference)/paris_chip_origins.csv"), encoding: .utf8)
            .components(separatedBy: .newlines).filter { !$0.isEmpty }.dropFirst()
            .map { $0.split(separator: ",").map(String.init) })
        try #require(origins.count == 144 && origins.allSatisfy { $0.count == 5 })
        for i in 0..<12 {
            let p = try NPZ.read(out.appendingPathComponent("sen2_img_patches/sen2_image_\(i).npz").path)
            let image = try #require(p["image"]), label = try #require(p["label"])
            #expect(image.shape == [32, 32, 10])
            #expect(try image.equal(refChips.narrow(dim: 0, start: i, length: 1).squeeze(dim: 0)), "patch \(i)")
            #expect(try label.itemInt() == Int(origins[i][4]), "pseudo-label of patch \(i)")
            let g = try NPZ.read(out.appendingPathComponent("gg_nodes_refine/graph_\(i).npz").path, keys: ["x", "a", "y"])
            let x = try #require(g["x"]), a = try #require(g["a"])
            let n = x.size(0)
            #expect(x.size(1) == 5 && n >= 1 && n <= 50 && a.shape == [n, n])
            // Mean RGB in [0, 1], centres inside the 320 × 320 image, distances symmetric with a zero diagonal.
            #expect(try x.narrow(dim: 1, start: 0, length: 5).min().item() >= 0 && x.max().item() <= 1)
            #expect(try a.equal(a.t()) && a.diagonal().abs().max().item() == 0)
            #expect(try g["y"]!.argmax().itemInt() == label.itemInt() - 1)
        }
        let split = try PythonPickle.loadIndexLists(out.appendingPathComponent("patches_split/partition_random.npz").path)
        #expect(Set(split.values.flatMap { $0 }) == Set(0..<12) && split.values.map(\.count).reduce(0, +) == 12)

        // The committed config trains on it.
        let run = dir.appendingPathComponent("run")
        let r = try StrataBinary.run(["train", "--config", SharedData.repoRoot.appendingPathComponent("configs/lcz-fusion-standin.yaml").path,
                                      "--output", run.path, "--no-progress", "--set", "data.root=\(out.path)",
                                      "--set", "trainer.epochs=1", "--set", "data.batch_size=4", "--set", "data.workers=1"])
        #expect(r.status == 0, "\(r.output)")
        let rows = TrainResumeTests.rows(run)
        try #require(rows.count == 1)
        // Paris' pseudo-labels are all built types: val_oa_natural has no targets and is logged as null.
        let row = try JSONDecoder().decode([String: Double?].self, from: Data(rows[0].utf8))
        #expect(row["train_loss"]??.isFinite == true && row["val_oa"]! != nil && row["val_kappa"] != nil)
        #expect(row.keys.contains("val_oa_built") && row.keys.contains("val_oa_natural"))
    }
}
