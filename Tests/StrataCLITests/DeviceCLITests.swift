import Foundation
import StrataTensor
import StrataTestSupport
import Testing

/// `--device` as a user meets it, through the built binary: train, evaluate, predict and zeroshot take the same
/// values, and on a machine whose libtorch has no CUDA each gives the same one error naming the fixes (before any
/// data or weights are read); `trainer.device` in a config is checked the same way; `strata info` lists GPUs.
@Suite struct DeviceCLITests {
    static func config(in dir: URL, extra: String = "") throws -> String {
        let text = """
        task: classification
        data:
          dataset: eurosat
          root: \(dir.path)/no-data-needed
        model:
          name: small-cnn
        trainer:
          epochs: 1
        \(extra)
        output: \(dir.path)/run
        """
        let url = dir.appendingPathComponent("c.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func expectCUDAError(_ r: (status: Int32, output: String), _ what: String, asked: String) {
        #expect(r.status != 0, "\(what) exited 0: \(r.output)")
        #expect(r.output.contains("\(asked): this libtorch"), "\(what): \(r.output)")
        #expect(r.output.contains("scripts/setup --cuda") && r.output.contains("--device cpu"), "\(what): \(r.output)")
        #expect(!r.output.contains("Fatal error") && !r.output.contains("terminate called"), "\(what): \(r.output)")
    }

    @Test(.enabled(if: !Runtime.cudaAvailable)) func everyCommandRefusesCUDAWithTheSameError() throws {
        let dir = try SharedData.tempDir("device-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try Self.config(in: dir)
        let missing = dir.appendingPathComponent("missing.ckpt").path
        let runs: [(String, [String])] = [
            ("train", ["train", "--config", cfg, "--no-progress"]),
            ("evaluate", ["evaluate", "--checkpoint", missing]),
            ("predict", ["predict", "--checkpoint", missing, "--input", dir.appendingPathComponent("in.tif").path,
                         "--output", dir.appendingPathComponent("map.tif").path]),
            ("zeroshot", ["zeroshot", "--weights", missing, "--chips", dir.path, "--output", dir.path]),
        ]
        for (name, args) in runs {
            for device in ["cuda", "cuda:1"] {
                Self.expectCUDAError(try StrataBinary.run(args + ["--device", device]), "\(name) --device \(device)",
                                     asked: "--device \(device)")
            }
            let bad = try StrataBinary.run(args + ["--device", "tpu"])
            #expect(bad.status != 0 && bad.output.contains("--device must be cpu, cuda, cuda:N or auto"),
                    "\(name): \(bad.output)")
        }
        // The config key, and --device overriding it.
        let viaConfig = try Self.config(in: dir, extra: "  device: cuda:0")
        Self.expectCUDAError(try StrataBinary.run(["train", "--config", viaConfig]), "trainer.device",
                             asked: "trainer.device cuda:0")
        let badKey = try Self.config(in: dir, extra: "  device: tpu")
        let r = try StrataBinary.run(["train", "--config", badKey])
        #expect(r.status != 0 && r.output.contains("trainer.device must be"), "\(r.output)")
        let printed = try StrataBinary.run(["train", "--config", cfg, "--device", "cpu", "--precision", "bf16",
                                            "--print-config"])
        #expect(printed.status == 0 && printed.output.contains("device: cpu") && printed.output.contains("precision: bf16"),
                "\(printed.output)")
        let badPrecision = try StrataBinary.run(["train", "--config", cfg, "--precision", "fp8", "--print-config"])
        #expect(badPrecision.status != 0 && badPrecision.output.contains("trainer.precision"), "\(badPrecision.output)")
        let predictPrecision = try StrataBinary.run(runs[2].1 + ["--precision", "fp8"])
        #expect(predictPrecision.status != 0 && predictPrecision.output.contains("--precision must be 32, bf16 or 16"),
                "\(predictPrecision.output)")
    }

    @Test func infoListsGPUsOrSaysThereAreNone() throws {
        let r = try StrataBinary.run(["info"])
        #expect(r.status == 0, "\(r.output)")
        let gpus = try Runtime.gpus()
        if gpus.isEmpty {
            #expect(r.output.contains("gpus:          none"), "\(r.output)")
        } else {
            for g in gpus { #expect(r.output.contains(g.name), "\(r.output)") }
        }
    }
}
