import Foundation

/// Locates `../shared/data` (real data for tests; never copied into the repository).
///
/// Tests that need it use `.enabled(if: SharedData.shouldRun)`: outside CI a missing folder skips them with a
/// printed reason; with `CI=true` they run anyway and `SharedData.path` throws, so CI fails instead of skipping.
public enum SharedData {
    /// The repository root (this file is Tests/Support/SharedData.swift).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["STRATA_SHARED_DATA"] { return URL(fileURLWithPath: env) }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    public static var available: Bool { FileManager.default.fileExists(atPath: root.path) }
    /// True when shared-data tests should run: the data is there, or we are in CI (where absence must fail).
    public static var shouldRun: Bool {
        if !available && !isCI { print("skipping: \(root.path) not found (real-data tests need ../shared/data)") }
        return available || isCI
    }

    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "shared test data missing: \(path) (CI=true requires ../shared/data)" }
    }

    /// Absolute path of a file under the shared data folder; throws when it is missing.
    public static func path(_ relative: String) throws -> String {
        let p = root.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: p) else { throw Missing(path: p) }
        return p
    }

    /// A fresh temporary directory, removed by the caller (or left for the OS).
    public static func tempDir(_ name: String = "strata-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The folder of committed fixtures for a test target (`Tests/<Target>/Fixtures`).
    public static func fixtures(_ target: String) -> URL {
        repoRoot.appendingPathComponent("Tests/\(target)/Fixtures")
    }
}
