import ArgumentParser
import Foundation
import StrataData
import StrataModels
import StrataTasks
import StrataTensor

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model from a YAML config (every key can be overridden with --set section.key=value).",
        discussion: """
        Examples:
          strata train --config configs/eurosat.yaml
          strata train --config configs/eurosat.yaml --set trainer.epochs=5 --set data.root=/data/EuroSAT_MS
          strata train --config configs/eurosat.yaml --output runs/e1 --resume   # continue an interrupted run
          strata train --config configs/eurosat.yaml --set trainer.epochs=5 --print-config   # the config as it would run
          strata train --config configs/eurosat.yaml --nproc 2   # data parallel: 2 worker processes (c10d, Gloo)
          strata train --config c.yaml --nproc 4 --nnodes 2 --node-rank 0 --master-addr 10.0.0.1   # on 2 machines
        With --nproc each worker reads data.batch_size chips per step (global batch = batch_size × workers);         gradients are averaged over the workers; only rank 0 writes into the run folder. Workers started by         torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) join the same way.
        Writes into the output folder: config.yaml (the config as run, also stored in every checkpoint), metrics.csv, \
        metrics.jsonl, last.ckpt, best.ckpt, report.html, summary.json.
        """)

    @Option(help: "YAML config file (see configs/).") var config: String
    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set trainer.epochs=5 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Run folder (overrides the config's `output`).") var output: String?
    @Flag(help: "Continue from the run folder's last.ckpt.") var resume = false
    @Flag(name: .customLong("print-config"), help: "Print the resolved config (after --set and --output) as YAML and exit without training.")
    var printConfig = false
    @Flag(name: .customLong("no-progress"), help: "Plain output without the progress bar.") var noProgress = false
    @Flag(name: .customLong("compute-only"), help: ArgumentHelp(
        "Benchmark aid: load one epoch of batches into memory, then train on them (time without data loading; no report).",
        visibility: .hidden))
    var computeOnly = false
    @OptionGroup var launch: LaunchOptions
    @Option(help: "Device: cpu, cuda, cuda:N or auto (sets trainer.device; default: the config's, else cpu).")
    var device: String?
    @Option(help: "Precision: 32, bf16 or 16 (autocast; 16 adds loss scaling). Sets trainer.precision.")
    var precision: String?

    func run() throws {
        do {
            var tree = try ConfigTree(file: config)
            try tree.apply(overrides: overrides)
            if let output { tree.set("output", value: output) }
            if let device {
                _ = try DeviceOption.parse(device)  // the --device error names --device, not the config key
                tree.set("trainer.device", value: device)
            }
            if let precision { tree.set("trainer.precision", value: precision) }
            let cfg = try TrainConfig(tree, datasets: Datasets.known.map(\.name) + ["raster"] + ChangeDatasets.names + ChangeDatasets.semanticNames, models: ModelRegistry.names)
            let resolved = try tree.yamlString()
            if printConfig {
                print(resolved, terminator: resolved.hasSuffix("\n") ? "" : "\n")
                return
            }
            let last = URL(fileURLWithPath: cfg.output).appendingPathComponent("last.ckpt").path
            if FileManager.default.fileExists(atPath: last) && !resume {
                throw ValidationError("\(cfg.output) already holds a run (last.ckpt); pass --resume to continue it or --output to start a new one")
            }
            // The device is checked before any worker starts: a missing GPU is one error, not one per worker.
            let env = try DistributedEnvironment.current()
            let workers = launch.launches || (env?.worldSize ?? 1) > 1
            _ = try cfg.trainer.resolvedDevice(distributed: workers)
            if launch.launches {
                try WorkerLauncher.run(try launch.workers(),
                                       arguments: WorkerLauncher.workerArguments(CommandLine.arguments))
                return
            }
            let distributed = try Self.joinGroup(timeout: cfg.trainer.distTimeout)
            let exp = try Experiment(config: cfg, configText: resolved, progress: noProgress ? false : nil,
                                     distributed: distributed)
            let r = computeOnly ? try exp.runComputeOnly() : try exp.run(resume: resume)
            if let distributed, !distributed.isMain { return }
            print(try Self.summaryLine(r, dir: cfg.output))
        } catch let e as ValidationError {
            throw e
        } catch {
            throw StrataCLIError(error)
        }
    }

    /// This process's data-parallel group when it was started as a worker (torchrun variables, `WORLD_SIZE` > 1).
    static func joinGroup(timeout: Double) throws -> DataParallel? {
        guard let env = try DistributedEnvironment.current(), env.worldSize > 1 else { return nil }
        return DataParallel(group: try ProcessGroup(env, timeout: timeout))
    }

    static func summaryLine(_ r: FitResult, dir: String) throws -> String {
        let keys = ["val_oa", "val_kappa", "val_miou", "val_map", "val_top1", "val_cosine", "val_loss"].filter { r.final[$0] != nil }
        let metrics = keys.map { String(format: "%@ %.4f", $0, r.final[$0]!) }.joined(separator: ", ")
        return "done: \(r.epochsRun) epochs (best epoch \(r.bestEpoch.map(String.init) ?? "–")); \(metrics)\nrun folder: \(dir) (report.html, summary.json, best.ckpt, metrics.csv, config.yaml)"
    }
}

/// Any error at the command line: printed as one line naming the problem, exit status 1.
struct StrataCLIError: Error, CustomStringConvertible {
    let underlying: Error
    init(_ e: Error) { underlying = e }
    var description: String { "\(underlying)" }
}
