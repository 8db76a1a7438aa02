import Foundation
import StrataGeo
#if canImport(Glibc)
import Glibc
#endif

/// One scene of a multi-scene prediction: a raster file (its own band stack), its size, and its class map.
public struct SceneJob: Sendable, Equatable {
    public var path: String
    public var width: Int
    public var height: Int
    /// The class map this scene is mapped to (`<output dir>/<scene file stem>.tif`).
    public var output: String
    public var pixels: Int { width * height }

    public init(path: String, width: Int, height: Int, output: String) {
        self.path = path
        self.width = width
        self.height = height
        self.output = output
    }
}

/// The scenes named on a command line: folders, glob patterns, files, and list files.
public enum SceneList {
    /// File name extensions taken as rasters when a folder is given.
    public static let rasterExtensions: Set<String> = ["tif", "tiff", "vrt", "jp2", "img"]

    /// Every scene path, in order, without duplicates: each `pattern` is a folder (its rasters, by the extensions
    /// above, sorted by name; not recursive), a glob pattern (`dir/*.tif`, matches sorted), or one file; each list
    /// file holds one path per line (blank lines and lines starting with `#` ignored; relative paths are relative to
    /// the list file's folder). Throws when a pattern matches nothing or a listed file is missing.
    public static func expand(patterns: [String], listFiles: [String]) throws -> [String] {
        var out: [String] = []
        var seen: Set<String> = []
        func add(_ p: String) {
            let key = URL(fileURLWithPath: p).standardizedFileURL.path
            if seen.insert(key).inserted { out.append(p) }
        }
        let fm = FileManager.default
        for pattern in patterns {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: pattern, isDirectory: &isDir) {
                if isDir.boolValue {
                    let names = try fm.contentsOfDirectory(atPath: pattern).filter {
                        !$0.hasPrefix(".") && rasterExtensions.contains(($0 as NSString).pathExtension.lowercased())
                    }.sorted()
                    guard !names.isEmpty else {
                        throw PredictionError("the folder \(pattern) holds no rasters (\(rasterExtensions.sorted().map { "*.\($0)" }.joined(separator: ", "))); pass a glob such as '\(pattern)/*.tif' for other names")
                    }
                    names.forEach { add((pattern as NSString).appendingPathComponent($0)) }
                } else {
                    add(pattern)
                }
                continue
            }
            let matches = try glob(pattern)
            guard !matches.isEmpty else {
                throw PredictionError("--scenes \(pattern) matches no file (quote glob patterns so the shell passes them on: --scenes 'dir/*.tif')")
            }
            matches.forEach(add)
        }
        for list in listFiles {
            let text: String
            do { text = try String(contentsOfFile: list, encoding: .utf8) } catch {
                throw PredictionError("cannot read the scene list \(list): \(error.localizedDescription)")
            }
            let base = URL(fileURLWithPath: list).deletingLastPathComponent()
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let path = line.hasPrefix("/") ? line : base.appendingPathComponent(line).path
                guard fm.fileExists(atPath: path) else {
                    throw PredictionError("scene list \(list), line \(n + 1): \(path) does not exist")
                }
                add(path)
            }
        }
        return out
    }

    /// Paths matching a glob pattern, sorted.
    static func glob(_ pattern: String) throws -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        let rc = Glibc.glob(pattern, 0, nil, &g)
        if rc == GLOB_NOMATCH { return [] }
        guard rc == 0 else { throw PredictionError("cannot expand the pattern \(pattern) (glob error \(rc))") }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    /// `<dir>/<scene file name without its extension>.tif`.
    public static func outputPath(for scene: String, in dir: String) -> String {
        let stem = (URL(fileURLWithPath: scene).lastPathComponent as NSString).deletingPathExtension
        return URL(fileURLWithPath: dir).appendingPathComponent(stem + ".tif").path
    }
}

/// Which rank maps which scene: a deterministic assignment that every rank computes alike from the same scene list.
///
/// Scenes still to do are dealt largest first (by pixel count, ties by list position) to the rank with the fewest
/// pixels so far (ties: the lowest rank) — the longest-processing-time rule, within 4/3 of the best possible
/// balance. Scenes marked done (`--skip-existing` found a complete output) are assigned to no rank.
public struct SceneShardPlan: Sendable {
    public let scenes: [SceneJob]
    public let worldSize: Int
    /// The rank mapping each scene, nil for a scene already done.
    public let assignment: [Int?]

    public init(scenes: [SceneJob], worldSize: Int, done: [Bool]? = nil) throws {
        guard worldSize >= 1 else { throw PredictionError("the world size must be ≥ 1, got \(worldSize)") }
        guard !scenes.isEmpty else { throw PredictionError("no scenes to map") }
        let done = done ?? scenes.map { _ in false }
        guard done.count == scenes.count else { throw PredictionError("\(done.count) done flags for \(scenes.count) scenes") }
        var byOutput: [String: String] = [:]
        for s in scenes {
            if let other = byOutput[s.output] {
                throw PredictionError("the scenes \(other) and \(s.path) would both be mapped to \(s.output) (same file name); rename one, or map them into different --output-dir folders")
            }
            byOutput[s.output] = s.path
        }
        var load = [Int](repeating: 0, count: worldSize)
        var assignment = [Int?](repeating: nil, count: scenes.count)
        let order = scenes.indices.filter { !done[$0] }.sorted {
            scenes[$0].pixels != scenes[$1].pixels ? scenes[$0].pixels > scenes[$1].pixels : $0 < $1
        }
        for i in order {
            let r = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            assignment[i] = r
            load[r] += scenes[i].pixels
        }
        self.scenes = scenes
        self.worldSize = worldSize
        self.assignment = assignment
    }

    /// The indices of the scenes `rank` maps, in list order.
    public func indices(for rank: Int) -> [Int] { assignment.indices.filter { assignment[$0] == rank } }

    /// Pixels each rank maps.
    public var load: [Int] {
        var l = [Int](repeating: 0, count: worldSize)
        for (i, r) in assignment.enumerated() { if let r { l[r] += scenes[i].pixels } }
        return l
    }

    /// A 52-bit digest of the scene list, sizes, outputs and assignment (exact as a float64), which every rank
    /// compares to make sure they all work on the same plan.
    public var fingerprint: Double {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ s: String) { for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        for (i, s) in scenes.enumerated() {
            mix("\(s.path)|\(s.width)|\(s.height)|\(s.output)|\(assignment[i].map(String.init) ?? "-")\n")
        }
        return Double(h & ((1 << 52) - 1))
    }
}

/// `scenes.json` of a multi-scene prediction: every scene, its map, the rank that mapped it (null: skipped as
/// already done), its time and size; the mosaic; the job's wall time.
public struct SceneJobSummary: Codable, Sendable {
    public struct Scene: Codable, Sendable {
        public var scene: String
        public var output: String
        public var status: String
        public var rank: Int?
        public var width: Int
        public var height: Int
        public var seconds: Double
        public var megapixels: Double

        /// As the synthesised encoder, but with `"rank": null` for a skipped scene rather than no key.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(scene, forKey: .scene)
            try c.encode(output, forKey: .output)
            try c.encode(status, forKey: .status)
            try c.encode(rank, forKey: .rank)
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(megapixels, forKey: .megapixels)
        }
    }

    public var format = "strata-scene-job/1"
    public var worldSize: Int
    public var scenes: [Scene]
    public var mosaic: String?
    public var seconds: Double

    /// From the plan and the per-scene statistics summed over the ranks: `[rank + 1, seconds, megapixels]` per scene
    /// (zeros for a scene no rank mapped).
    public init(plan: SceneShardPlan, stats: [Double], mosaic: String?, seconds: Double) throws {
        guard stats.count == plan.scenes.count * 3 else {
            throw PredictionError("\(stats.count) statistics for \(plan.scenes.count) scenes")
        }
        scenes = try plan.scenes.enumerated().map { i, s in
            let by = Int(stats[3 * i].rounded()) - 1
            if let r = plan.assignment[i], r != by {
                throw PredictionError("scene \(s.path) was assigned to rank \(r) but \(by < 0 ? "no rank" : "rank \(by)") reports mapping it")
            }
            return Scene(scene: s.path, output: s.output, status: plan.assignment[i] == nil ? "skipped" : "mapped",
                         rank: plan.assignment[i], width: s.width, height: s.height, seconds: stats[3 * i + 1],
                         megapixels: stats[3 * i + 2])
        }
        worldSize = plan.worldSize
        self.mosaic = mosaic
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case format, worldSize = "world_size", scenes, mosaic, seconds
    }

    /// Writes the JSON under a temporary name, then renames it into place.
    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let pending = PendingFile(temporary: PendingFile.temporaryPath(for: path), target: path)
        do {
            try enc.encode(self).write(to: URL(fileURLWithPath: pending.temporary))
            try pending.commit()
        } catch {
            pending.discard()
            throw PredictionError("cannot write the job summary \(path): \(error)")
        }
    }
}
