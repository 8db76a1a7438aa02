import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a parser of untrusted bytes in a child process, so that a crash inside a C library (a corrupt HDF5 file can
/// make libhdf5 use freed memory) ends the child, not the caller, and becomes an error naming the file.
///
/// The child is this very binary, re-executed with `STRATA_CHILD_TASK=<task>`: a constructor in CTorch
/// (`child_process.cpp`) sees the variable before `main` runs and calls `strata_child_main`, which dispatches to the
/// task's body below; the body reads its input path and output path from `STRATA_CHILD_IN` / `STRATA_CHILD_OUT`,
/// writes its result file (atomically) and returns an exit status. Errors the body catches are written to stderr as
/// one line, which the parent rethrows. Works from any executable that links StrataTensor (the CLI, test runners,
/// user programs); where the binary cannot be re-executed (`/proc/self/exe` missing) the task runs in process.
public enum IsolatedProcess {
    /// The tasks a child can run.
    enum Task: String {
        case kerasWeights = "keras-h5"
    }

    /// What the parent gets back.
    struct Failure: Error { let message: String }

    /// How long a child may take before it is killed (a parser that loops on a corrupt file must not hang the caller).
    static var timeoutSeconds: Double {
        ProcessInfo.processInfo.environment["STRATA_CHILD_TIMEOUT"].flatMap(Double.init) ?? 300
    }

    /// Whether re-executing this binary is possible here.
    static var available: Bool {
        #if os(Linux)
        return access("/proc/self/exe", X_OK) == 0
        #else
        return false
        #endif
    }

    /// Runs `task` on `input` in a child, which writes its result to a temporary file; returns that file's path (the
    /// caller removes it). Throws `Failure` with the child's error line, or naming the signal / status it died with.
    /// `extraEnvironment` is added to the child's environment only (tests use it for `STRATA_TEST_CHILD_FAULT`).
    static func run(_ task: Task, input: String, what: String,
                    extraEnvironment: [String: String] = [:], timeout: Double? = nil) throws -> String {
        let timeoutSeconds = timeout ?? Self.timeoutSeconds
        let dir = FileManager.default.temporaryDirectory
        let stem = "strata-child-\(getpid())-\(UUID().uuidString)"
        let output = dir.appendingPathComponent(stem + ".out").path
        let errPath = dir.appendingPathComponent(stem + ".err").path
        defer { unlink(errPath) }

        var env = ProcessInfo.processInfo.environment
        env["STRATA_CHILD_TASK"] = task.rawValue
        env["STRATA_CHILD_IN"] = input
        env["STRATA_CHILD_OUT"] = output
        // One thread is plenty for a parser; keep the child from starting libtorch's pools.
        env["OMP_NUM_THREADS"] = "1"
        env.merge(extraEnvironment) { $1 }
        let envStrings = env.map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let exe = "/proc/self/exe"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("strata-child"), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = envStrings.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let rc = posix_spawn(&pid, exe, &actions, nil, argv, envp)
        guard rc == 0 else {
            throw Failure(message: "cannot start a child process to read \(what): \(String(cString: strerror(rc)))")
        }

        // Wait, killing the child when it runs past the timeout.
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var status: Int32 = 0
        var delay: useconds_t = 1_000
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR {
                throw Failure(message: "lost the child process reading \(what): \(String(cString: strerror(errno)))")
            }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                unlink(output)
                throw Failure(message: "reading \(what) took longer than \(Int(timeoutSeconds)) s and was stopped: the file is probably corrupt (raise STRATA_CHILD_TIMEOUT if it is just very large)")
            }
            usleep(delay)
            delay = min(delay * 2, 50_000)
        }
        let stderrText = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let lastLine = stderrText.split(separator: "\n").last.map(String.init) ?? ""
        let signalled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        let exitCode = (status >> 8) & 0xff
        if signalled || exitCode != 0 {
            unlink(output)
            if !signalled && exitCode == childErrorStatus && !lastLine.isEmpty {
                throw Failure(message: lastLine)
            }
            let how = signalled ? "was killed by signal \(status & 0x7f)" : "exited with status \(exitCode)"
            throw Failure(message: "the parser crashed reading \(what) (its process \(how)): the file is corrupt or not what it claims to be; download or export it again")
        }
        return output
    }

    /// Exit status of a child whose body threw: its stderr's last line is the error message.
    static let childErrorStatus: Int32 = 3

    /// The child's side: runs the task named by `STRATA_CHILD_TASK` and returns the exit status.
    static func childMain(_ taskName: String) -> Int32 {
        let env = ProcessInfo.processInfo.environment
        guard let task = Task(rawValue: taskName), let input = env["STRATA_CHILD_IN"],
              let output = env["STRATA_CHILD_OUT"] else {
            FileHandle.standardError.write(Data("strata child: unknown task '\(taskName)' or missing STRATA_CHILD_IN/OUT\n".utf8))
            return 2
        }
        // Test hook (IsolatedProcessTests): make the child crash or hang, to check what the parent reports.
        switch env["STRATA_TEST_CHILD_FAULT"] {
        case "abort": abort()
        case "hang": while true { sleep(1) }
        default: break
        }
        do {
            switch task {
            case .kerasWeights:
                try KerasWeights.writeIsolatedResult(KerasWeights.readInProcess(input), to: output)
            }
            return 0
        } catch {
            let line = "\(error)".replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardError.write(Data((line + "\n").utf8))
            return childErrorStatus
        }
    }
}

/// Called by CTorch's constructor (`child_process.cpp`) in a child started by `IsolatedProcess.run`.
@_cdecl("strata_child_main")
func strataChildMain(_ task: UnsafePointer<CChar>) -> Int32 {
    IsolatedProcess.childMain(String(cString: task))
}
