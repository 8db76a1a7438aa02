import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Entry names of a directory read straight from `readdir`, stopping after `limit` (no sorting, no `stat`), so a
/// folder of hundreds of thousands of patches can be probed cheaply. Hidden entries are skipped.
enum DirectoryPeek {
    static func names(in dir: String, limit: Int) -> [String] {
        guard limit > 0, let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while out.count < limit, let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            out.append(name)
        }
        return out
    }
}
