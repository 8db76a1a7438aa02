import CTorch

/// Process-wide libtorch settings. Call `Runtime.configure()` once at start-up (the CLI does).
public enum Runtime {
    /// Intra-op threads (OpenMP). Never left to libtorch's default: Strata always sets it explicitly.
    public static var threads: Int {
        get { Int(ct_get_num_threads()) }
        set { ct_set_num_threads(Int32(max(1, newValue))) }
    }
    /// Seeds the default generator of the CPU and of every GPU (`torch.manual_seed`).
    public static func manualSeed(_ seed: UInt64) { ct_manual_seed(seed) }
    /// Deterministic algorithms only (errors on ops without a deterministic implementation).
    public static func setDeterministic(_ flag: Bool) throws { try check(ct_set_deterministic(flag ? 1 : 0)) }
    public static var cudaAvailable: Bool { ct_cuda_is_available() == 1 }
    public static var cudaDeviceCount: Int { Int(ct_cuda_device_count()) }
    public static func cudaSynchronize() throws { try check(ct_cuda_synchronize()) }
    /// The best device available: the first GPU if libtorch has CUDA and one is present, else the CPU.
    public static var defaultDevice: Device { cudaAvailable && cudaDeviceCount > 0 ? .cuda(0) : .cpu }

    /// Keeps freed tensor buffers in the heap instead of returning them to the OS after each step (glibc
    /// `mallopt` M_MMAP_THRESHOLD/M_TRIM_THRESHOLD). Measured −28 % training step time on 2 cores.
    public static func tuneAllocator(thresholdBytes: Int = 1 << 30) { ct_tune_malloc(thresholdBytes) }

    /// Strata's start-up defaults: tuned allocator and an explicit thread count (`STRATA_THREADS`, else the
    /// number of cores). `deterministic` (else `STRATA_DETERMINISTIC=1`) enforces deterministic algorithms, and
    /// `seed` (else `STRATA_SEED`) seeds every device's generator, so two runs with the same seed, thread count and
    /// data give identical results.
    public static func configure(threads: Int? = nil, deterministic: Bool? = nil, seed: UInt64? = nil) {
        tuneAllocator()
        let env = ProcessInfo.processInfo.environment
        Runtime.threads = threads ?? env["STRATA_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
        if let d = deterministic ?? env["STRATA_DETERMINISTIC"].map({ $0 == "1" || $0.lowercased() == "true" }) {
            try? setDeterministic(d)
        }
        if let s = seed ?? env["STRATA_SEED"].flatMap(UInt64.init) { manualSeed(s) }
    }

    public static var version: String { takeString(ct_version()) }
    public static var buildConfig: String { takeString(ct_build_config()) }
    public static var parallelInfo: String { takeString(ct_parallel_info()) }

    static func takeString(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        defer { ct_free_string(p) }
        return String(cString: p)
    }
}

import Foundation
