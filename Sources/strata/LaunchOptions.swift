import ArgumentParser
import Foundation
import StrataTensor
#if canImport(Glibc)
import Glibc
#endif

/// `--nproc/--nnodes/--node-rank/--master-addr/--master-port`: how many worker processes this command starts
/// (torchrun's options and meaning). Each worker re-executes this binary with the same arguments minus these, and
/// with `RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `LOCAL_WORLD_SIZE`, `MASTER_ADDR` and `MASTER_PORT` set; a process
/// started by torchrun (those variables already set) is a worker itself.
struct LaunchOptions: ParsableArguments {
    @Option(help: "Worker processes on this machine (data-parallel training over c10d/Gloo; 1 thread each unless trainer.threads says otherwise).")
    var nproc: Int?
    @Option(help: "Machines in the job (each runs the same command with its own --node-rank).") var nnodes: Int = 1
    @Option(name: .customLong("node-rank"), help: "This machine's index, 0..<nnodes (0 hosts the rendezvous).")
    var nodeRank: Int = 0
    @Option(name: .customLong("master-addr"), help: "Address of node 0 (default 127.0.0.1 on one machine).")
    var masterAddr: String?
    @Option(name: .customLong("master-port"), help: "Rendezvous TCP port on node 0 (default: a free port on one machine, 29500 on several).")
    var masterPort: Int?

    /// The launch options as given on the command line, so that workers get the arguments without them.
    static let names: Set<String> = ["--nproc", "--nnodes", "--node-rank", "--master-addr", "--master-port"]

    func validate() throws {
        if let nproc, nproc < 1 { throw ValidationError("--nproc must be ≥ 1, got \(nproc)") }
        guard nnodes >= 1 else { throw ValidationError("--nnodes must be ≥ 1, got \(nnodes)") }
        guard (0..<nnodes).contains(nodeRank) else {
            throw ValidationError("--node-rank \(nodeRank) is outside 0..<--nnodes (\(nnodes))")
        }
        if let masterPort, !(1...65535).contains(masterPort) {
            throw ValidationError("--master-port must be a TCP port (1–65535), got \(masterPort)")
        }
        if nnodes > 1 && nproc == nil { throw ValidationError("--nnodes needs --nproc (workers per machine)") }
        if nnodes > 1 && masterAddr == nil {
            throw ValidationError("--nnodes \(nnodes) needs --master-addr (the address of the machine with --node-rank 0)")
        }
    }

    /// Whether this invocation starts workers (rather than being one, or a single-process run).
    var launches: Bool { nproc != nil }

    /// The worker environments of this machine.
    func workers() throws -> [DistributedEnvironment] {
        let n = nproc ?? 1
        let addr = masterAddr ?? "127.0.0.1"
        let port = try masterPort ?? (nnodes == 1 ? Self.freePort() : 29500)
        return (0..<n).map {
            DistributedEnvironment(rank: nodeRank * n + $0, worldSize: nnodes * n, localRank: $0,
                                   masterAddress: addr, masterPort: port)
        }
    }

    /// A TCP port free on the loopback interface right now (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("cannot open a socket to find a free port; pass --master-port") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { throw ValidationError("cannot find a free TCP port; pass --master-port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// Starts this machine's workers and waits for them. The first worker to fail (non-zero exit or a signal) ends
/// the job: the others are stopped (SIGTERM, then SIGKILL after a grace period) and the error names that rank.
enum WorkerLauncher {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func run(_ workers: [DistributedEnvironment], arguments: [String]) throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var procs: [(DistributedEnvironment, Process)] = []
        let base = ProcessInfo.processInfo.environment
        for w in workers {
            let p = Process()
            p.executableURL = exe
            p.arguments = arguments
            var env = base.merging(w.variables) { $1 }
            env["LOCAL_WORLD_SIZE"] = String(workers.count)
            // As torchrun: one OpenMP thread per worker unless the user says otherwise (trainer.threads also sets it).
            if workers.count > 1 && env["OMP_NUM_THREADS"] == nil { env["OMP_NUM_THREADS"] = "1" }
            p.environment = env
            do { try p.run() } catch {
                procs.forEach { $0.1.terminate() }
                throw Failure(description: "cannot start rank \(w.rank): \(error)")
            }
            procs.append((w, p))
        }
        var failed: [(DistributedEnvironment, Process)] = []
        var stillRunning: [Int] = []
        while procs.contains(where: { $0.1.isRunning }) {
            failed = procs.filter { !$0.1.isRunning && !succeeded($0.1) }
            if !failed.isEmpty {
                stillRunning = procs.filter { $0.1.isRunning }.map(\.0.rank)
                stop(procs.map(\.1))
                break
            }
            usleep(50_000)
        }
        if failed.isEmpty { failed = procs.filter { !succeeded($0.1) } }
        // A rank killed by a signal is the cause; the others then fail on their next collective.
        failed.sort { ($0.1.terminationReason == .uncaughtSignal ? 0 : 1, $0.0.rank)
            < ($1.1.terminationReason == .uncaughtSignal ? 0 : 1, $1.0.rank) }
        if let first = failed.first {
            let also = failed.dropFirst().map { describe($0.0, $0.1, short: true) }
            // A rank that hangs is the one still running when the others have failed on a timed-out collective.
            let hung = first.1.terminationReason == .uncaughtSignal || stillRunning.isEmpty ? ""
                : "; still running then: rank \(stillRunning.map(String.init).joined(separator: ", rank ")) (if the error above is a timeout, that rank stopped answering for trainer.dist_timeout seconds)"
            throw Failure(description: describe(first.0, first.1, short: false)
                + (also.isEmpty ? "" : " (also: \(also.joined(separator: "; ")))") + hung)
        }
    }

    static func succeeded(_ p: Process) -> Bool {
        p.terminationReason == .exit && p.terminationStatus == 0
    }

    static func describe(_ w: DistributedEnvironment, _ p: Process, short: Bool) -> String {
        let what = p.terminationReason == .uncaughtSignal
            ? "was killed by signal \(p.terminationStatus)\(p.terminationStatus == SIGKILL ? " (SIGKILL)" : "")"
            : "exited with status \(p.terminationStatus)"
        let head = "rank \(w.rank) of \(w.worldSize) (pid \(p.processIdentifier)) \(what)"
        return short ? head : head + "; the job was stopped (its other ranks were ended)"
    }

    /// SIGTERM to the workers still running, SIGKILL to any left after 10 s; waits for all.
    static func stop(_ procs: [Process]) {
        procs.filter(\.isRunning).forEach { $0.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while procs.contains(where: \.isRunning) && Date() < deadline { usleep(50_000) }
        procs.filter(\.isRunning).forEach { kill($0.processIdentifier, SIGKILL) }
        procs.forEach { $0.waitUntilExit() }
    }

    /// `CommandLine.arguments` without the program name and the launch options (and their values).
    static func workerArguments(_ all: [String]) -> [String] {
        var out: [String] = []
        var i = 1
        while i < all.count {
            let a = all[i]
            if let eq = a.firstIndex(of: "="), LaunchOptions.names.contains(String(a[..<eq])) {
                i += 1
            } else if LaunchOptions.names.contains(a) {
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }
}
