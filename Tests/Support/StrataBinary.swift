import Foundation

/// The `strata` command-line binary built next to the tests (`swift build --build-tests` builds it), for tests that
/// run it as a user does: a separate process.
public enum StrataBinary {
    public struct NotBuilt: Error, CustomStringConvertible {
        public let description: String
    }

    /// Path of the debug-built binary.
    public static func path() throws -> String {
        let build = SharedData.repoRoot.appendingPathComponent(".build")
        var candidates = [build.appendingPathComponent("debug/strata").path]
        if let triples = try? FileManager.default.contentsOfDirectory(atPath: build.path) {
            candidates += triples.map { build.appendingPathComponent("\($0)/debug/strata").path }
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw NotBuilt(description: "the strata binary is not built (looked in \(build.path)/…/debug); run swift build --build-tests")
        }
        return found
    }

    /// Starts `strata args…` with its output discarded.
    public static func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try path())
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs `strata args…` to the end; returns its exit status and its standard output + error.
    @discardableResult
    public static func run(_ args: [String]) throws -> (status: Int32, output: String) {
        let r = try Subprocess.run(try path(), args)
        return (r.status, r.output)
    }
}
