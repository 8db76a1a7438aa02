import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `strata predict` as a user runs it: a separate process, killed half-way and run again.
@Suite(.serialized) struct PredictionCLITests {

    /// A conv-stack checkpoint (13 → 8 → 4 classes) with its model card in the safetensors metadata; with
    /// `training`, in the trainer's `Checkpoint` format instead.
    static func checkpoint(in dir: URL, training: Bool = false) throws -> String {
        Runtime.manualSeed(21)
        let tensors: [(String, Tensor)] = [("0.weight", try Tensor.randn([8, 13, 3, 3]) * 0.5), ("0.bias", try Tensor.randn([8])),
                                          ("2.weight", try Tensor.randn([4, 8, 1, 1])), ("2.bias", try Tensor.randn([4]))]
        let card = """
        {"format": "strata-model-card/1", "architecture": "conv-stack", "task": "segmentation", "in_channels": 13, \
        "num_classes": 4, "bands": ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"], \
        "normalization": {"kind": "scale", "factor": 0.0001}, "input_size": [64, 64], \
        "class_names": ["water", "forest", "built-up", "crops"], "extra": {}}
        """
        if training {
            let path = dir.appendingPathComponent("best.ckpt").path
            try Checkpoint(model: StateDict(tensors), epoch: 3, metadata: ["strata.model_card": card]).save(to: path)
            return path
        }
        let path = dir.appendingPathComponent("model.safetensors").path
        try SafeTensors.save(tensors, metadata: ["format": "pt", "strata.model_card": card], to: path)
        return path
    }

    static func start(_ args: [String]) throws -> Process { try StrataBinary.start(args) }

    /// SIGKILL half-way through leaves no file at any output path (only hidden temporary files); the rerun removes
    /// those, succeeds, and produces the same map as an uninterrupted run.
    @Test(.enabled(if: SharedData.shouldRun)) func killedRunLeavesNoOutputAndARerunSucceeds() throws {
        let scene = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let dir = try SharedData.tempDir("predict-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.checkpoint(in: dir)
        let ref = dir.appendingPathComponent("ref"), killed = dir.appendingPathComponent("killed")
        for d in [ref, killed] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        // 8 × 8 chips of 64 px in 16 batches, each held back 0.12 s: about 2 s of run, whatever the machine's load.
        func args(_ out: URL) -> [String] {
            ["predict", "--checkpoint", model, "--input", scene, "--output", out.appendingPathComponent("map.tif").path,
             "--chip", "64", "--overlap", "16", "--batch-size", "4", "--threads", "1", "--probabilities", "--quicklook",
             "--summary", "--no-progress", "--batch-delay", "0.12"]
        }
        let t0 = Date()
        let full = try Self.start(args(ref))
        full.waitUntilExit()
        let duration = Date().timeIntervalSince(t0)
        #expect(full.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: ref.appendingPathComponent("map.tif").path))

        let victim = try Self.start(args(killed))
        Thread.sleep(forTimeInterval: duration / 2)
        let staged = try FileManager.default.contentsOfDirectory(atPath: killed.path)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal)
        #expect(staged.contains { $0.hasPrefix(".map.tif.tmp-") }, "killed while writing: \(staged)")
        let left = try FileManager.default.contentsOfDirectory(atPath: killed.path)
        #expect(left.allSatisfy { $0.hasPrefix(".") }, "nothing at the output paths after the kill: \(left)")

        let rerun = try Self.start(args(killed))
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0)
        let after = try FileManager.default.contentsOfDirectory(atPath: killed.path).sorted()
        #expect(after.filter { !$0.hasSuffix(".aux.xml") } == ["map.json", "map.md", "map.png", "map.tif", "map_probabilities.tif"],
                "stale temporary files removed: \(after)")
        #expect(try readBytes(killed.appendingPathComponent("map.tif").path) == readBytes(ref.appendingPathComponent("map.tif").path))
    }

    /// A training checkpoint (the trainer's format, card in its metadata) predicts the same map as the plain weights.
    @Test(.enabled(if: SharedData.shouldRun)) func trainingCheckpointsPredictLikePlainWeights() throws {
        let scene = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let dir = try SharedData.tempDir("predict-ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        var maps: [[UInt8]] = []
        for training in [false, true] {
            let out = dir.appendingPathComponent("map-\(training).tif").path
            let p = try Self.start(["predict", "--checkpoint", try Self.checkpoint(in: dir, training: training), "--input", scene,
                                    "--output", out, "--chip", "128", "--threads", "1", "--no-progress"])
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            maps.append(try readBytes(out))
            #expect(try Raster(path: out).bands[0].categoryNames == ["water", "forest", "built-up", "crops"])
        }
        #expect(maps[0] == maps[1])
    }

    /// Bad command lines get one clear error naming the problem.
    @Test(.enabled(if: SharedData.shouldRun)) func badArgumentsAreExplained() throws {
        let scene = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let dir = try SharedData.tempDir("predict-args")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.checkpoint(in: dir)
        func run(_ args: [String]) throws -> (Int32, String) {
            let r = try Subprocess.run(try StrataBinary.path(), args)
            return (r.status, r.stderr)
        }
        let out = dir.appendingPathComponent("m.tif").path
        var (code, text) = try run(["predict", "--checkpoint", model, "--input", scene, "--output", out, "--blend", "sharp"])
        #expect(code != 0 && text.contains("--blend must be cosine, gaussian or uniform"), "\(text)")
        (code, text) = try run(["predict", "--checkpoint", model, "--input", scene, "--output", out, "--input-bands", "B2,B3,B4"])
        #expect(code != 0 && text.contains("3 band names given"), "\(text)")
        (code, text) = try run(["predict", "--checkpoint", dir.appendingPathComponent("none.safetensors").path, "--input", scene, "--output", out])
        #expect(code != 0 && text.contains("none.safetensors"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
