import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Counters for finding where an epoch's time goes (`STRATA_PROFILE=1`): the CPU seconds the loader's worker
/// threads spend reading, transforming and collating batches, and the process's CPU seconds. Workers run beside the
/// compute threads, so on a machine with as many cores as compute threads their CPU time is taken from the compute:
/// it is the cost of the data path even when the consumer never waits for a batch.
///
/// Off (no clock read, no lock) unless the environment sets `STRATA_PROFILE=1`. `Trainer` prints one line per
/// epoch to standard error with these figures beside its own (compute time, time waiting for batches).
public enum LoaderProfile {
    /// Whether `STRATA_PROFILE=1` is set (read once).
    public static let enabled: Bool = {
        let v = ProcessInfo.processInfo.environment["STRATA_PROFILE"]?.lowercased()
        return v == "1" || v == "true"
    }()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cpu = 0.0
    nonisolated(unsafe) private static var batches = 0

    /// CPU seconds of the calling thread so far.
    public static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// CPU seconds (user + system) of the whole process so far.
    public static func processCPUSeconds() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        let s = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return s(u.ru_utime) + s(u.ru_stime)
    }

    /// Adds one batch's CPU seconds (called by the loader when `enabled`).
    static func add(batchCPUSeconds s: Double) {
        lock.lock()
        cpu += s
        batches += 1
        lock.unlock()
    }

    /// CPU seconds and batches counted since the last call, and a fresh start.
    public static func take() -> (cpuSeconds: Double, batches: Int) {
        lock.lock()
        defer { cpu = 0; batches = 0; lock.unlock() }
        return (cpu, batches)
    }
}
