import Foundation
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport

/// An in-memory chip dataset for loader tests: chip i is a [C, H, W] tensor filled with i (plus c / 100 per
/// channel), label i % classes. Reads take a little index-dependent time so that worker threads finish out of order,
/// and every read is counted.
final class CountingChips: ChipDataset, @unchecked Sendable {
    let count: Int
    let classNames: [String]
    let bandNames: [String]
    let task: TaskKind
    let size: Int
    /// Chip index whose read throws, and chip index that comes out with a different size.
    let failAt: Int?, oddShapeAt: Int?
    private let lock = NSLock()
    private var _reads = 0
    var reads: Int { lock.lock(); defer { lock.unlock() }; return _reads }

    init(count: Int, classes: Int = 5, channels: Int = 2, size: Int = 4, task: TaskKind = .classification,
         failAt: Int? = nil, oddShapeAt: Int? = nil) {
        self.count = count
        self.classNames = (0..<classes).map { "class\($0)" }
        self.bandNames = (0..<channels).map { "b\($0)" }
        self.task = task
        self.size = size
        self.failAt = failAt
        self.oddShapeAt = oddShapeAt
    }

    func label(at index: Int) throws -> ChipLabel {
        task == .classification ? .single(index % classNames.count) : .multiple([index % classNames.count, (index + 2) % classNames.count].sorted())
    }
    func id(at index: Int) -> String { "chip\(index)" }

    func sample(at index: Int) throws -> ChipSample {
        lock.lock(); _reads += 1; lock.unlock()
        usleep(UInt32((index * 7919) % 5) * 300)
        if index == failAt { throw DatasetError(.badFile, "CountingChips: chip\(index) is broken") }
        let s = index == oddShapeAt ? size + 1 : size
        let values = (0..<bandNames.count).flatMap { c in [Float](repeating: Float(index) + Float(c) / 100, count: s * s) }
        return ChipSample(image: try Tensor(values, shape: [bandNames.count, s, s]), label: try label(at: index),
                          crs: try CRS(epsg: 32632), bounds: BoundingBox(minX: Double(index), minY: 0, maxX: Double(index) + 40, maxY: 40),
                          bandNames: bandNames, index: index, id: id(at: index))
    }
}

/// Runs a command-line tool and returns its exit status and combined output.
@discardableResult
func runTool(_ args: [String]) throws -> (status: Int32, output: String) {
    let r = try Subprocess.run("/usr/bin/env", args, environment: ["GDAL_PAM_ENABLED": "NO"])  // no .aux.xml beside shared inputs
    return (r.status, r.output)
}

/// Raw pixels of a raster as GDAL's own command-line tool writes them (gdal_translate to ENVI, band-sequential),
/// after optional extra gdal_translate arguments.
func gdalPixels<T>(_ path: String, _ type: T.Type, extra: [String] = []) throws -> [T] {
    let dir = try SharedData.tempDir("strata-gdal")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("x.raw").path
    let r = try runTool(["gdal_translate", "-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ"] + extra + [path, out])
    guard r.status == 0 else { throw DatasetError(.badFile, "gdal_translate failed: \(r.output)") }
    let data = try Data(contentsOf: URL(fileURLWithPath: out))
    return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
}

/// Symlinks `source` at `link`, creating the parent folders.
func symlink(_ source: String, at link: URL) throws {
    try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: source)
}
