import ArgumentParser
import Foundation
import StrataTensor

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the libtorch version, threads, devices and build flags, or summarise a raster/vector file.")

    @Argument(help: "A raster or vector file to summarise (driver, size, CRS, resolution, bounds, bands or layers).")
    var file: String?

    @Option(help: "Intra-op threads (default: STRATA_THREADS or the number of cores).") var threads: Int?
    @Flag(help: "Print libtorch's full build configuration.") var verbose = false

    func run() throws {
        if let file { return try InfoFile.run(file) }
        Runtime.configure(threads: threads)
        print("Strata \(StrataVersion.string)")
        print("libtorch:      \(Runtime.version)")
        print("threads:       \(Runtime.threads) intra-op (cores: \(ProcessInfo.processInfo.activeProcessorCount))")
        let cuda = Runtime.cudaAvailable ? "available, \(Runtime.cudaDeviceCount) device(s)" : "not available in this libtorch"
        print("devices:       cpu; cuda \(cuda)")
        print("default:       \(Runtime.defaultDevice)")
        print("gpus:          " + Self.gpuLines().joined(separator: "\n               "))
        let cfg = Runtime.buildConfig
        if let cpu = cfg.split(separator: "\n").first(where: { $0.contains("CPU capability") }) {
            print("cpu:           \(cpu.split(separator: ":").last!.trimmingCharacters(in: .whitespaces))")
        }
        // "Build settings: K=V, K=V, …" → the flags that matter to a user
        let wanted = ["BLAS_INFO", "USE_MKLDNN", "USE_OPENMP", "USE_CUDA", "CUDA_VERSION", "CUDNN_VERSION", "BUILD_TYPE"]
        if let line = cfg.split(separator: "\n").first(where: { $0.contains("Build settings:") }) {
            let pairs = line.replacingOccurrences(of: "Build settings:", with: "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { p in wanted.contains { p.hasPrefix($0 + "=") } }
            print("build:         \(pairs.joined(separator: " "))")
        }
        if verbose { print(cfg); print(Runtime.parallelInfo) }
    }

    /// One line per GPU the NVIDIA driver sees (name, memory), and whether this libtorch can use them.
    static func gpuLines() -> [String] {
        let gpus: [GPUInfo]
        do { gpus = try Runtime.gpus() } catch { return ["unknown (\(error))"] }
        guard !gpus.isEmpty else { return ["none (no NVIDIA driver or GPU visible)"] }
        let usable = Runtime.cudaAvailable ? "" : " — not usable: this libtorch is CPU-only (scripts/setup --cuda)"
        return gpus.map { "\($0)\(usable)" }
    }
}
