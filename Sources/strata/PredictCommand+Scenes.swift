import ArgumentParser
import Foundation
import StrataGeo
import StrataTasks
import StrataTensor

/// `strata predict --scenes …/--scene-list … --output-dir DIR`: many scenes in one command, one class map each,
/// split over worker processes and machines with the launch options of `strata train` (`--nproc`, `--nnodes`, …,
/// or torchrun's variables), then a VRT mosaic and a job summary written by rank 0.
struct SceneOptions: ParsableArguments {
    @Option(name: .customLong("scenes"), help: ArgumentHelp(
        "Scenes to map, one class map each: a folder (its *.tif, *.tiff, *.vrt, *.jp2, *.img), a quoted glob ('dir/*.tif') or a file (repeatable). Each scene is one raster holding all its bands.",
        valueName: "folder|glob|file"))
    var patterns: [String] = []
    @Option(name: .customLong("scene-list"), help: ArgumentHelp(
        "A text file naming one scene per line (relative to the file's folder; blank lines and # comments ignored); repeatable.",
        valueName: "file"))
    var lists: [String] = []
    @Option(name: .customLong("output-dir"), help: ArgumentHelp(
        "With --scenes/--scene-list: the folder for each scene's class map (<scene file stem>.tif, sidecars beside it), the mosaic and the job summary (scenes.json). On several machines, a folder they all share.",
        valueName: "dir"))
    var outputDir: String?
    @Flag(name: .customLong("skip-existing"),
          help: "With --scenes: skip scenes whose class map already exists and is complete (a readable one-band map on the expected grid, with every requested sidecar); others are (re)mapped.")
    var skipExisting = false
    @Option(help: ArgumentHelp(
        "With --scenes: the VRT mosaic of all class maps (default <output-dir>/mosaic.vrt). The maps must share one CRS: scenes in several CRSs are refused unless --grid CRS:resolution maps them all onto one (warping on the fly), or --no-mosaic.",
        valueName: "path"))
    var mosaic: String?
    @Flag(name: .customLong("no-mosaic"), help: "With --scenes: write no VRT mosaic.") var noMosaic = false
    @Option(name: .customLong("dist-timeout"), help: ArgumentHelp(
        "With --nproc/torchrun: seconds a rank waits for the others (at the rendezvous, and at the end for the slowest rank) before the job fails as hung.",
        valueName: "seconds"))
    var distTimeout: Double = 1800

    var active: Bool { !patterns.isEmpty || !lists.isEmpty }
}

/// A scene that failed on some rank: the job's error.
struct SceneFailure: Error, CustomStringConvertible {
    let description: String
}

extension PredictCommand {
    /// Runs the multi-scene mode when --scenes/--scene-list are given (true), refuses its options without them, and
    /// returns false for a plain one-scene run.
    func runScenesIfRequested() throws -> Bool {
        guard sceneOptions.active else {
            if launch.launches {
                throw ValidationError("--nproc splits many scenes over processes: pass them with --scenes or --scene-list and --output-dir (one scene is mapped by one process)")
            }
            let o = sceneOptions
            if o.outputDir != nil || o.skipExisting || o.mosaic != nil || o.noMosaic {
                throw ValidationError("--output-dir, --skip-existing, --mosaic and --no-mosaic go with --scenes or --scene-list; for one scene pass --input and --output")
            }
            return false
        }
        do {
            try runScenes()
        } catch let e as ValidationError {
            throw e
        } catch {
            throw StrataCLIError(error)
        }
        return true
    }

    /// Where the job writes: every scene's map, and the job's own files.
    struct SceneJobPaths {
        var dir: String
        var mosaic: String?
        var summary: String
    }

    func runScenes() throws {
        guard inputs.isEmpty else {
            throw ValidationError("--input names one scene's band stack; with --scenes/--scene-list each scene is one file (name its bands with --input-bands if it has no band descriptions)")
        }
        guard output == nil else {
            throw ValidationError("--output names one class map; with --scenes/--scene-list pass --output-dir (each scene's map is <output-dir>/<scene file stem>.tif)")
        }
        guard let dir = sceneOptions.outputDir else {
            throw ValidationError("--scenes/--scene-list need --output-dir, the folder for the scenes' class maps")
        }
        guard inputBands.count <= 1 else {
            throw ValidationError("with --scenes give at most one --input-bands: it names the bands of every scene")
        }
        guard !computeOnly else { throw ValidationError("--compute-only measures one scene; use --input") }
        if let grid, grid.split(separator: ":").last?.contains(",") == true {
            throw ValidationError("--grid \(grid): bounds would map every scene onto the same extent; with --scenes give CRS:resolution only (each scene keeps its own extent)")
        }
        guard sceneOptions.distTimeout > 0 else {
            throw ValidationError("--dist-timeout must be > 0 seconds, got \(sceneOptions.distTimeout)")
        }
        if sceneOptions.noMosaic && sceneOptions.mosaic != nil {
            throw ValidationError("--mosaic and --no-mosaic contradict each other; pass one")
        }
        _ = try baseOptions()  // option errors before anything starts
        let paths = SceneJobPaths(
            dir: dir,
            mosaic: sceneOptions.noMosaic ? nil
                : sceneOptions.mosaic ?? URL(fileURLWithPath: dir).appendingPathComponent("mosaic.vrt").path,
            summary: URL(fileURLWithPath: dir).appendingPathComponent("scenes.json").path)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create --output-dir \(dir): \(error.localizedDescription)")
        }
        let names = try SceneList.expand(patterns: sceneOptions.patterns, listFiles: sceneOptions.lists)

        if launch.launches {
            // The launcher: check the scenes once here (clear errors before any worker starts), then start the workers.
            let workers = try launch.workers()
            let plan = try scenePlan(names, paths: paths, worldSize: workers[0].worldSize, model: nil)
            print("predict: \(plan.scenes.count) scenes over \(workers[0].worldSize) ranks"
                  + " (\(workers.count) on this machine)")
            fflush(nil)  // every stream: before the workers write to the same output
            do {
                try WorkerLauncher.run(workers, arguments: WorkerLauncher.workerArguments(CommandLine.arguments))
            } catch let failure as WorkerLauncher.Failure {
                // The launcher's hint names training's setting; here the timeout is --dist-timeout.
                let text = failure.description.replacingOccurrences(of: "trainer.dist_timeout", with: "--dist-timeout")
                throw SceneFailure(description: text + collectFailureNotes(dir: dir, plan: plan))
            }
            return
        }

        let env = try DistributedEnvironment.current()
        let rank = env?.rank ?? 0, worldSize = env?.worldSize ?? 1
        Runtime.configure(threads: Self.workerThreads(threads, env: env))
        var dev: Device
        do { dev = try Device.parse(device) } catch { throw ValidationError("\(error)") }
        if case .cuda = dev, device.lowercased() == "auto", let env, Runtime.cudaDeviceCount > 0 {
            dev = .cuda(env.localRank % Runtime.cudaDeviceCount)
        }
        if case .cuda = dev, !Runtime.cudaAvailable {
            throw ValidationError("--device cuda: this libtorch has no CUDA or no GPU is visible; use --device cpu")
        }
        var model = try TrainedModel.load(checkpoint, architecture: self.model).predictionModel(device: dev)
        if let delay = batchDelay {
            let forward = model.forward
            model.forward = { x in Thread.sleep(forTimeInterval: delay); return try forward(x) }
        }
        let plan = try scenePlan(names, paths: paths, worldSize: worldSize, model: model)
        var group: DataParallel? = nil
        if let env, env.worldSize > 1 {
            group = DataParallel(group: try ProcessGroup(env, timeout: sceneOptions.distTimeout))
        }
        if let group {
            let f = plan.fingerprint
            let lo = try group.group.allReduceScalar(f, .min), hi = try group.group.allReduceScalar(f, .max)
            guard lo == f && hi == f else {
                throw SceneFailure(description: "rank \(rank) of \(worldSize): the ranks see different scene lists (\(plan.scenes.count) scenes here); every machine must see the same scenes and --output-dir at the same paths")
            }
        }

        // This rank's share; per scene [mapped by rank + 1, seconds, megapixels], summed over the ranks at the end.
        let start = Date()
        try? FileManager.default.removeItem(atPath: Self.failureNote(dir: dir, rank: rank))  // an earlier job's
        var stats = [Double](repeating: 0, count: plan.scenes.count * 3)
        let mine = plan.indices(for: rank)
        let who = worldSize > 1 ? "rank \(rank) of \(worldSize)" : "predict"
        for (k, i) in mine.enumerated() {
            let scene = plan.scenes[i]
            let run: PredictionRun
            do {
                run = try mapScene(scene, model: model, showProgress: !noProgress && worldSize == 1)
            } catch {
                let text = "\(worldSize > 1 ? "rank \(rank) of \(worldSize)" : "the job") failed on scene \(scene.path): \(error)"
                try? text.write(toFile: Self.failureNote(dir: dir, rank: rank), atomically: true, encoding: .utf8)
                throw SceneFailure(description: text)
            }
            stats[3 * i] = Double(rank + 1)
            stats[3 * i + 1] = run.seconds
            stats[3 * i + 2] = run.megapixels
            print(String(format: "%@: scene %d/%d %@ → %@ (%d × %d, %.2f s, %.2f MP/s)", who, k + 1, mine.count,
                         scene.path, scene.output, run.outputGrid.width, run.outputGrid.height, run.seconds,
                         run.megapixelsPerSecond))
        }
        let skipped = plan.assignment.filter { $0 == nil }.count
        if skipped > 0 && rank == 0 { print("\(who): \(skipped) scenes already mapped (--skip-existing)") }
        // Waits for every rank (the barrier before the mosaic) and gathers what each mapped.
        if let group { stats = try group.sum(stats) }
        guard rank == 0 else { return }
        for (i, s) in plan.scenes.enumerated() where !FileManager.default.fileExists(atPath: s.output) {
            throw SceneFailure(description: "rank 0 cannot see \(s.output)\(plan.assignment[i].map { " (mapped by rank \($0))" } ?? ""): --output-dir must be a folder every machine of the job shares")
        }
        if let mosaic = paths.mosaic {
            try VRTMosaic.build(sources: plan.scenes.map(\.output), to: mosaic)
            print("mosaic: \(mosaic) (\(plan.scenes.count) maps)")
        }
        try SceneJobSummary(plan: plan, stats: stats, mosaic: paths.mosaic, seconds: Date().timeIntervalSince(start))
            .write(to: paths.summary)
        print(String(format: "summary: %@ (%d scenes: %d mapped, %d skipped, %.2f s)", paths.summary, plan.scenes.count,
                     plan.scenes.count - skipped, skipped, Date().timeIntervalSince(start)))
    }

    /// Every scene's size and output, which ones are done (with --skip-existing; needs the model), and the
    /// assignment of the rest to ranks. Refuses output names that collide, outputs that would overwrite a scene,
    /// and (for the mosaic) scenes whose maps would be in different CRSs.
    func scenePlan(_ names: [String], paths: SceneJobPaths, worldSize: Int, model: PredictionModel?) throws
        -> SceneShardPlan
    {
        var scenes: [SceneJob] = []
        var crsGroups: [(CRS, [String])] = []
        var done: [Bool] = []
        let gridCRS = try grid.map { try CRS($0.split(separator: ":").dropLast().joined(separator: ":")) }
        for path in names {
            let r = try Raster(path: path)
            let crs: CRS
            if let gridCRS { crs = gridCRS } else {
                do { crs = try r.grid.crs } catch {
                    throw PredictionError("scene \(path) is not georeferenced (\(error)); give it a CRS and geotransform")
                }
            }
            if let k = crsGroups.firstIndex(where: { $0.0 == crs }) { crsGroups[k].1.append(path) }
            else { crsGroups.append((crs, [path])) }
            let scene = SceneJob(path: path, width: r.width, height: r.height,
                                 output: SceneList.outputPath(for: path, in: paths.dir))
            scenes.append(scene)
            if sceneOptions.skipExisting, let model {
                done.append(try isComplete(scene, model: model))
            } else {
                done.append(false)
            }
        }
        var owners: [String: String] = [:]
        for s in scenes {
            for p in outputFiles(for: s.output) {
                if let other = owners[p] {
                    throw PredictionError("\(other) and \(s.path) would both write \(p); rename a scene or use separate --output-dir folders")
                }
                owners[p] = s.path
            }
        }
        for p in [paths.mosaic, paths.summary].compactMap({ $0 }) {
            if let s = owners[p] { throw PredictionError("scene \(s) would write \(p), which the job itself writes; rename the scene or pass --mosaic elsewhere") }
        }
        let scenePaths = Set(names.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        for s in scenes where scenePaths.contains(URL(fileURLWithPath: s.output).standardizedFileURL.path) {
            throw PredictionError("the class map of \(s.path) would overwrite the scene \(s.output); pass another --output-dir")
        }
        for p in [paths.mosaic, paths.summary].compactMap({ $0 })
        where scenePaths.contains(URL(fileURLWithPath: p).standardizedFileURL.path) {
            throw PredictionError("\(p) is one of the scenes and the job would overwrite it (an earlier job's mosaic in the scene folder?); leave it out of --scenes or pass --mosaic elsewhere")
        }
        if paths.mosaic != nil && crsGroups.count > 1 {
            let list = crsGroups.map { g in
                "\(g.0.name): " + g.1.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
            }
            throw PredictionError("the scenes are in \(crsGroups.count) CRSs (\(list.joined(separator: "; "))) and a VRT mosaic needs one: Strata does not warp the finished maps; pass --grid CRS:resolution (e.g. --grid \(crsGroups[0].0.name):10) to map every scene onto one CRS, or --no-mosaic")
        }
        return try SceneShardPlan(scenes: scenes, worldSize: worldSize, done: done)
    }

    /// The files one scene's run writes (map, requested sidecars, STAC item).
    func outputFiles(for map: String) -> [String] {
        let o = PredictionOutputs.beside(map, probabilities: probabilities, quicklook: quicklook, summary: summary)
        let stac = stacItem ? [((map as NSString).deletingPathExtension) + ".json"] : []
        let files = [o.map, o.probabilities, o.quicklook, o.summaryJSON, o.summaryMarkdown].compactMap { $0 } + stac
        return Array(Set(files))
    }

    /// Whether a scene's map is already complete: a readable one-band uint8 raster on the grid this run would
    /// write, with every other requested file present (the map is committed last, so this marks a finished run).
    func isComplete(_ scene: SceneJob, model: PredictionModel) throws -> Bool {
        guard FileManager.default.fileExists(atPath: scene.output) else { return false }
        let fm = FileManager.default
        guard outputFiles(for: scene.output).allSatisfy({ fm.fileExists(atPath: $0) }) else { return false }
        let input = sceneInput(scene)
        let expected = try Predictor(model: model, options: try sceneOptionsFor(input)).outputGrid(for: [input])
        guard let r = try? Raster(path: scene.output), let g = try? r.grid else { return false }
        return r.bandCount == 1 && r.bands.first?.dtype == .uint8 && g.width == expected.width
            && g.height == expected.height && g.isAligned(with: expected) && g.crs == expected.crs
    }

    func sceneInput(_ scene: SceneJob) -> PredictionInput {
        PredictionInput(path: scene.path, bandNames: inputBands.first.map { b in
            b.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }, nodata: inputNodata)
    }

    func sceneOptionsFor(_ input: PredictionInput) throws -> PredictionOptions {
        var o = try baseOptions()
        if let grid { o.grid = try Self.parseGrid(grid, inputs: [input]) }
        return o
    }

    /// Maps one scene to its class map (and the requested sidecars), as `strata predict --input … --output …` does.
    func mapScene(_ scene: SceneJob, model: PredictionModel, showProgress: Bool) throws -> PredictionRun {
        let input = sceneInput(scene)
        var options = try sceneOptionsFor(input)
        options.showProgress = showProgress
        let outputs = PredictionOutputs.beside(scene.output, probabilities: probabilities, quicklook: quicklook,
                                               summary: summary)
        let run = try Predictor(model: model, options: options).predict(inputs: [input], outputs: outputs)
        if stacItem {
            try MapSTACItem.write(map: outputs.map, probabilities: outputs.probabilities, grid: run.outputGrid,
                                  classNames: model.classNames, nodata: UInt8(nodata), inputs: [scene.path],
                                  model: model.name, to: ((outputs.map as NSString).deletingPathExtension) + ".json")
        }
        return run
    }

    /// The prediction options every scene shares (the same flags as a one-scene run).
    func baseOptions() throws -> PredictionOptions {
        guard (0...255).contains(nodata) else { throw ValidationError("--nodata must be 0…255 (the map is uint8), got \(nodata)") }
        var options = PredictionOptions(overlap: overlap, batchSize: batchSize, nodata: UInt8(nodata), readers: readers,
                                        showProgress: !noProgress)
        options.chip = chip.map { [$0, $0] }
        options.window = try window.map { try Self.pair($0, "--window") }
        options.stride = try stride.map { try Self.pair($0, "--stride") }
        options.blend = switch blend.lowercased() {
        case "cosine": .cosine
        case "gaussian": .gaussian(sigma: 0.125)
        case "uniform", "mean": .uniform
        default: throw ValidationError("--blend must be cosine, gaussian or uniform, got \(blend)")
        }
        guard let r = Resampling(rawValue: resampling.lowercased()) else {
            throw ValidationError("--resampling must be one of \(Resampling.allCases.map(\.rawValue).joined(separator: ", ")), got \(resampling)")
        }
        options.resampling = r
        return options
    }

    /// Intra-op threads of a worker: --threads, else STRATA_THREADS, else (one of several workers on a machine)
    /// OMP_NUM_THREADS as the launcher or torchrun set it, else the cores shared among this machine's workers.
    static func workerThreads(_ threads: Int?, env: DistributedEnvironment?) -> Int? {
        if let threads { return threads }
        let vars = ProcessInfo.processInfo.environment
        guard vars["STRATA_THREADS"] == nil, let env, env.worldSize > 1 else { return nil }
        if let omp = vars["OMP_NUM_THREADS"].flatMap(Int.init), omp >= 1 { return omp }
        let local = vars["LOCAL_WORLD_SIZE"].flatMap(Int.init) ?? 1
        return max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, local))
    }

    /// Where a failing rank leaves the scene and error for the launcher (`<output-dir>/.strata-failed-rank-<r>`).
    static func failureNote(dir: String, rank: Int) -> String {
        URL(fileURLWithPath: dir).appendingPathComponent(".strata-failed-rank-\(rank)").path
    }

    /// After a failed job: the failing ranks' notes (which scene, which error), removed, and any temporary files the
    /// stopped ranks left beside the maps removed, so that nothing partial stays in --output-dir.
    func collectFailureNotes(dir: String, plan: SceneShardPlan) -> String {
        var notes: [String] = []
        for r in 0..<plan.worldSize {
            let p = Self.failureNote(dir: dir, rank: r)
            if let text = try? String(contentsOfFile: p, encoding: .utf8) { notes.append(text) }
            try? FileManager.default.removeItem(atPath: p)
        }
        for s in plan.scenes {
            for f in outputFiles(for: s.output) { PendingFile.removeStale(for: f) }
        }
        return notes.isEmpty ? "" : "\n" + notes.joined(separator: "\n")
    }
}

extension ProcessGroup {
    /// One float64 reduced over the ranks.
    func allReduceScalar(_ value: Double, _ op: ReduceOp) throws -> Double {
        let t = try Tensor([value])
        try allReduce([t], op)
        return try t.toArray(Double.self)[0]
    }
}
