import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds files for a dataset: each path is a file, a directory (searched recursively), a glob pattern, or a GDAL
/// virtual path (`/vsizip/…`, `/vsicurl/…`), kept as is. Results are sorted and de-duplicated so a dataset's order
/// (and therefore which file wins a mosaic) never depends on the file system.
enum FileDiscovery {
    static func find(_ paths: [String], filenameGlob: String) throws -> [String] {
        var out = Set<String>()
        for p in paths {
            if p.hasPrefix("/vsi") { out.insert(p); continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir) {
                if isDir.boolValue {
                    guard let e = FileManager.default.enumerator(atPath: p) else { continue }
                    for case let rel as String in e {
                        let full = (p as NSString).appendingPathComponent(rel)
                        var d: ObjCBool = false
                        if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue,
                           matches((rel as NSString).lastPathComponent, glob: filenameGlob)
                        {
                            out.insert(full)
                        }
                    }
                } else {
                    out.insert(p)
                }
            } else if p.contains(where: { "*?[".contains($0) }) {
                for f in glob(p) where matches((f as NSString).lastPathComponent, glob: filenameGlob) { out.insert(f) }
            } else {
                throw DataError("path not found: \(p) (pass existing files, directories or glob patterns)")
            }
        }
        return out.sorted()
    }

    static func matches(_ name: String, glob pattern: String) -> Bool {
        pattern == "*" || fnmatch(pattern, name, 0) == 0
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }
}

/// The parts of a file name a dataset's `filenameRegex` extracts: the band a one-file-per-band product stores,
/// and the acquisition time.
struct FileNameInfo {
    var band: String?
    /// The file name with the band group replaced, so the files of one scene share a key.
    var sceneKey: String
    var minT: Double?, maxT: Double?
    /// The 1-based band of the file this entry stands for (STAC: one band of a multi-band asset); nil: band 1 of a
    /// one-band file.
    var bandIndex: Int? = nil
}

/// A compiled `filenameRegex` with optional named groups `band`, `date`, `start`, `stop`.
struct FileNamePattern: @unchecked Sendable {
    let regex: NSRegularExpression
    let groups: Set<String>
    let formatter: DateFormatter
    let dateFormat: String

    init(_ pattern: String, dateFormat: String) throws {
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw DataError("filenameRegex is not a valid regular expression: \(pattern) (\(error.localizedDescription))")
        }
        var g = Set<String>()
        for name in ["band", "date", "start", "stop"] where pattern.contains("(?<\(name)>") { g.insert(name) }
        groups = g
        self.dateFormat = dateFormat
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = dateFormat
    }

    var hasBand: Bool { groups.contains("band") }

    /// Parses a file name; nil when the regex does not match it (the file is then ignored).
    func parse(_ path: String) throws -> FileNameInfo? {
        let dir = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let ns = name as NSString
        guard let m = regex.firstMatch(in: name, range: NSRange(location: 0, length: ns.length)) else { return nil }
        func group(_ g: String) -> (String, NSRange)? {
            guard groups.contains(g) else { return nil }
            let r = m.range(withName: g)
            return r.location == NSNotFound ? nil : (ns.substring(with: r), r)
        }
        func date(_ g: String) throws -> Double? {
            guard let (s, _) = group(g) else { return nil }
            guard let d = formatter.date(from: s) else {
                throw DataError("cannot parse \(g) \"\(s)\" of \(name) with dateFormat \"\(dateFormat)\" (set dateFormat to match the file names, e.g. \"yyyyMMdd'T'HHmmss\")")
            }
            return d.timeIntervalSince1970
        }
        var info = FileNameInfo(band: nil, sceneKey: (dir as NSString).appendingPathComponent(name))
        if let (b, r) = group("band") {
            info.band = b
            info.sceneKey = (dir as NSString).appendingPathComponent(ns.replacingCharacters(in: r, with: "{band}"))
        }
        if let d = try date("date") { info.minT = d; info.maxT = d }
        if let s = try date("start") { info.minT = s }
        if let e = try date("stop") { info.maxT = e }
        return info
    }
}

/// Orders band names the way sensors list them: by the letters, then the number, then any suffix — so Sentinel-2's
/// B8A sorts between B08 and B09 and "B2" before "B10".
func bandOrder(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> (String, Int, String) {
        let chars = Array(s)
        var i = 0
        while i < chars.count, !chars[i].isNumber { i += 1 }
        var j = i
        while j < chars.count, chars[j].isNumber { j += 1 }
        return (String(chars[..<i]), Int(String(chars[i..<j])) ?? -1, String(chars[j...]))
    }
    let ka = key(a), kb = key(b)
    if ka.0 != kb.0 { return ka.0 < kb.0 }
    if ka.1 != kb.1 { return ka.1 < kb.1 }
    return ka.2 < kb.2
}
