import Foundation

/// Runs command-line tools from tests: GDAL's own tools as oracles, the `strata` binary, benchmark drivers.
public enum Subprocess {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// Standard output followed by standard error.
        public var output: String { stdout + stderr }
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `executable args…` to the end (both pipes drained concurrently, so a chatty tool never blocks).
    /// `environment` entries are added to (or replace) the test process's own.
    public static func run(_ executable: String, _ args: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a GDAL command-line tool (found on PATH) and returns its standard output; throws with its standard
    /// error when it fails. With `pam: false` GDAL writes no `.aux.xml` files next to (shared) inputs.
    @discardableResult
    public static func gdal(_ tool: String, _ args: [String], pam: Bool = false) throws -> String {
        let r = try run("/usr/bin/env", [tool] + args, environment: pam ? [:] : ["GDAL_PAM_ENABLED": "NO"])
        guard r.status == 0 else { throw Failed(description: "\(tool) \(args.joined(separator: " ")) failed: \(r.stderr)") }
        return r.stdout
    }
}
