import Foundation
import StrataTensor

// strata-bench: the Swift side of bench/train-step, plus isolated-process probes used by the tests.
//   strata-bench train-step [options]   (see TrainStep.swift)
//   strata-bench memory [--steps N]     (see Probes.swift; MemoryTests)
//   strata-bench determinism [--seed S] (see Probes.swift; NNDeterminismTests)
//   strata-bench pth-save --path P      (see WriteFailureProbe.swift; WriteFailureTests)
//   strata-bench scd-step [options]     (see ScdStep.swift; bench/scd-step)
let args = CommandLine.arguments
let command = args.count > 1 ? args[1] : ""
let options = Options(args.dropFirst(2))
do {
    switch command {
    case "train-step": try trainStep(options)
    case "memory": try memoryProbe(options)
    case "determinism": try determinismProbe(options)
    case "pth-save": try pthSaveProbe(options)
    case "scd-step": try scdStep(options)
    default:
        FileHandle.standardError.write(Data("usage: strata-bench train-step|memory|determinism|pth-save [--option value …]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("strata-bench: \(error)\n".utf8))
    exit(1)
}
