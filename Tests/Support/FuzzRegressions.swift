import Foundation

/// The inputs that once crashed a fuzz harness, committed under `Fuzz/regressions/<harness>/` (see Fuzz/run):
/// ordinary unit tests replay them so `make test` catches a regression without the fuzzer.
public enum FuzzRegressions {
    /// The regression inputs of `harness`, by name; throws when the folder is missing or empty.
    public static func inputs(_ harness: String) throws -> [URL] {
        let dir = SharedData.repoRoot.appendingPathComponent("Fuzz/regressions/\(harness)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let files = names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
        guard !files.isEmpty else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: dir.path,
                NSLocalizedDescriptionKey: "no fuzz regression inputs in \(dir.path)"])
        }
        return files
    }

    /// A scratch copy of `data` with extension `ext` in `dir`, for readers that take a path.
    public static func write(_ data: Data, ext: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent("input.\(ext)")
        try data.write(to: url)
        return url.path
    }
}
