import CTorch
#if canImport(Glibc)
import Glibc
#endif

extension Runtime {
    /// Sets the intra-op thread count of the calling thread only (OpenMP's per-thread setting), leaving every other
    /// thread's as it is; returns the count now in effect on this thread. `DataLoader` workers call it when
    /// `STRATA_LOADER_THREADS` is set (PyTorch's DataLoader workers use `torch.set_num_threads(1)`): otherwise each
    /// worker's tensor ops start their own team of `Runtime.threads` OpenMP threads beside the compute's. Without
    /// OpenMP in libtorch nothing changes.
    @discardableResult
    public static func setThreadsOfCurrentThread(_ n: Int) -> Int {
        // libtorch initialises a thread's count on its first parallel op (to the process-wide count), which
        // would undo a setting made before it: run that initialisation first.
        _ = ct_get_num_threads()
        if let set = ompSetNumThreads { set(Int32(max(1, n))) }
        return Int(ct_get_num_threads())
    }

    /// libgomp's `omp_set_num_threads`, loaded with libtorch (nil when libtorch has no OpenMP).
    nonisolated(unsafe) private static let ompSetNumThreads: (@convention(c) (Int32) -> Void)? = {
        guard let p = dlsym(nil, "omp_set_num_threads") else { return nil }
        return unsafeBitCast(p, to: (@convention(c) (Int32) -> Void).self)
    }()
}
