import Foundation

/// Writes files to a temporary name in the same folder and renames them into place, so a killed process never
/// leaves a half-written file at the target path.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let tmp = temporaryURL(for: url)
        do {
            try data.write(to: tmp)
            try replace(url, with: tmp)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    /// A sibling temporary path (`.name.tmp-<pid>-<random>`), for writers that produce the file themselves.
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// Atomically moves `tmp` onto `url` (rename(2); same filesystem).
    public static func replace(_ url: URL, with tmp: URL) throws {
        if rename(tmp.path, url.path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                NSLocalizedDescriptionKey: "cannot rename \(tmp.path) to \(url.path): \(String(cString: strerror(errno)))"])
        }
    }
}
