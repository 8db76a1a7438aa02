import Foundation
import StrataTensor

// strata-gpu-bench: the portable GPU benchmark (scripts/build-portable; runs without a Swift toolchain).
//   strata-gpu-bench train   [options]   ResNet-50 training steps/s            (TrainBench.swift)
//   strata-gpu-bench predict [options]   UNet whole-scene inference MP/s       (SceneBench.swift)
//   strata-gpu-bench info                libtorch version, CUDA devices
// Common options: --device cpu|cuda|cuda:N|auto  --threads N  --seed S  --amp none|bf16|fp16  --channels-last 0|1.
// bench/gpu/pytorch_bench.py takes the same commands and options. Output: `name: value` lines.
let args = CommandLine.arguments
let command = args.count > 1 ? args[1] : ""
do {
    switch command {
    case "train": try TrainBench.run(BenchOptions(command: command, args.dropFirst(2), known: TrainBench.keys))
    case "predict": try SceneBench.run(BenchOptions(command: command, args.dropFirst(2), known: SceneBench.keys))
    case "info":
        print("libtorch: \(Runtime.version)")
        print("cuda-available: \(Runtime.cudaAvailable ? 1 : 0)")
        print("cuda-devices: \(Runtime.cudaDeviceCount)")
    default:
        FileHandle.standardError.write(Data("usage: strata-gpu-bench train|predict|info [--option value …]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("strata-gpu-bench: \(error)\n".utf8))
    exit(1)
}
