// strata-bench-sampling: Strata's side of bench/sampling.
//
// For every configuration (sampler × data × reprojection × loader threads) it builds the dataset, samples 256 px
// chips, times an epoch through GeoDataLoader, and writes
//   - the timings (`--results`): "<config> <chips> <seconds>" per line (best of --reps runs);
//   - the exact windows it read (`--plan`), per file and lattice, for the GDAL floor program to read the same;
//   - a hash of every chip (`--checks`), to prove the floor reads the same pixels.
import Foundation
import StrataData
import StrataGeo
import StrataTensor

struct Options {
    var oscd: [String] = []
    var mosaic = ""
    var chips = 512
    var batch = 32
    var reps = 3
    var plan = "sampling-plan.txt"
    var results = "sampling-strata.txt"
    var checks = "sampling-strata-checks.txt"
    var only: String? = nil
    var exact: String? = nil
    var list = false
    var printRes: String? = nil
    var index: Int? = nil
}

func parse() -> Options {
    var o = Options()
    var args = Array(CommandLine.arguments.dropFirst())
    while !args.isEmpty {
        let k = args.removeFirst()
        func value() -> String {
            guard !args.isEmpty else { fatalError("\(k) needs a value") }
            return args.removeFirst()
        }
        switch k {
        case "--oscd": while let a = args.first, !a.hasPrefix("--") { o.oscd.append(args.removeFirst()) }
        case "--mosaic": o.mosaic = value()
        case "--chips": o.chips = Int(value())!
        case "--batch": o.batch = Int(value())!
        case "--reps": o.reps = Int(value())!
        case "--plan": o.plan = value()
        case "--results": o.results = value()
        case "--checks": o.checks = value()
        case "--only": o.only = value()
        case "--exact": o.exact = value()
        case "--list": o.list = true
        case "--print-res": o.printRes = value()
        case "--index": o.index = Int(value())!
        default: fatalError("unknown option \(k)")
        }
    }
    return o
}

/// Where the chips of a configuration come from: the data, the target CRS (nil: native) and the sampler.
struct Config {
    let sampler: String, data: String, warped: Bool, threads: Int
    var name: String { "\(sampler)-\(data)-\(warped ? "warped" : "native")-t\(threads)" }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// CPU time (user + system) of the whole process, all threads.
func cpuTime() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

func main() throws {
    let o = parse()
    Runtime.configure(threads: 1)
    var datasets: [String: RasterDataset] = [:]
    func dataset(_ data: String, _ warped: Bool) throws -> RasterDataset {
        let key = "\(data)-\(warped)"
        if let d = datasets[key] { return d }
        let paths = data == "oscd" ? o.oscd : [o.mosaic]
        // OSCD stacks are EPSG:4326 → warped to Web Mercator at 10 m; the UTM mosaic → EPSG:4326 at GDAL's
        // suggested resolution (in degrees).
        let d = try warped
            ? RasterDataset(paths: paths, crs: data == "oscd" ? .webMercator : .wgs84,
                            resolution: data == "oscd" ? 10 : nil)
            : RasterDataset(paths: paths)
        datasets[key] = d
        return d
    }
    if let n = o.index {  // SpatialIndex: STR bulk load of n tile-like footprints, then 10,000 queries
        var g = SeededGenerator(seed: 1)
        let boxes = (0..<n).map { _ -> BoundingBox in
            let x = g.unit() * 100_000, y = g.unit() * 100_000
            return BoundingBox(minX: x, minY: y, maxX: x + 50 + g.unit() * 2_950, maxY: y + 50 + g.unit() * 2_950)
        }
        var best = Double.infinity
        var index = SpatialIndex([])
        for _ in 0..<5 { let t0 = now(); index = SpatialIndex(boxes); best = min(best, now() - t0) }
        let queries = (0..<10_000).map { _ -> BoundingBox in
            let x = g.unit() * 100_000, y = g.unit() * 100_000
            return BoundingBox(minX: x, minY: y, maxX: x + 2_560, maxY: y + 2_560)
        }
        var hits = 0
        let t0 = now()
        for q in queries { hits += index.query(q).count }
        let dq = now() - t0
        print(String(format: "index-build-%d-ms: %.2f\nindex-query-us: %.2f  (%.1f hits per query, height %d)", n, best * 1000,
                     dq / Double(queries.count) * 1e6, Double(hits) / Double(queries.count), index.height))
        return
    }
    if let p = o.printRes {  // "<data>-warped" or "<data>-native": the dataset's resolution as "x,y"
        let parts = p.split(separator: "-").map(String.init)
        let d = try dataset(parts[0], parts.count > 1 && parts[1] == "warped")
        print("\(d.resolution.x),\(d.resolution.y)")
        return
    }
    var configs: [Config] = []
    for data in ["oscd", "mosaic"] {
        for warped in [false, true] {
            for sampler in ["random", "grid"] {
                for threads in [1, 2] { configs.append(Config(sampler: sampler, data: data, warped: warped, threads: threads)) }
            }
        }
    }
    if let only = o.only { configs = configs.filter { $0.name.contains(only) } }
    if let exact = o.exact { configs = configs.filter { $0.name == exact } }
    if o.list {
        print(configs.map(\.name).joined(separator: "\n"))
        return
    }

    var plan = "", results = "", checks = ""
    for c in configs {
        let ds = try dataset(c.data, c.warped)
        let sampler: any GeoSampler
        var epochs = 1
        if c.sampler == "random" {
            sampler = try RandomGeoSampler(ds, size: 256, length: o.chips, seed: 42)
        } else {
            let g = try GridGeoSampler(ds, size: 256)
            epochs = max(1, (o.chips + g.count - 1) / g.count)
            sampler = g
        }
        let loader = try GeoDataLoader(dataset: ds, sampler: sampler, batchSize: o.batch, workers: c.threads, prefetch: 2)
        var best = Double.infinity, bestCPU = 0.0
        var total = 0
        for _ in 0..<o.reps {
            var n = 0
            let c0 = cpuTime(), t0 = now()
            for e in 0..<epochs {
                let stream = loader.epoch(e)
                while let b = try stream.next() { n += b.count }
            }
            let dt = now() - t0
            if dt < best { best = dt; bestCPU = cpuTime() - c0 }
            total = n
        }
        if c.warped && !results.contains("#res \(c.data)-warped") {
            results += "#res \(c.data)-warped \(ds.resolution.x) \(ds.resolution.y)\n"
        }
        results += "\(c.name) \(total) \(best) \(bestCPU)\n"
        let line = String(format: "%-26@ %6d chips  %8.1f chips/s  (%@, res %.6g, %d threads)\n", c.name as NSString,
                          total, Double(total) / best, "\(ds.crs)" as NSString, ds.resolution.x, c.threads)
        FileHandle.standardOutput.write(line.data(using: .utf8)!)

        // The windows, per file, for the floor: entry i of the index is file i (one file per scene here). Native
        // configurations read each file on its own grid (a fractional, resampled window when its pixel size is not
        // the dataset's); warped ones read a warped VRT of the file on the entry's lattice.
        let entries = ds.index.entries
        let res = ds.resolution
        plan += "config \(c.name) \(c.threads) \(ds.files.count)\n"
        var grids: [(ox: Double, rx: Double, oy: Double, ry: Double)] = []
        for (i, f) in ds.files.enumerated() {
            let e = entries[i]
            if c.warped {
                let w = Int((e.width / res.x).rounded()), h = Int((e.height / res.y).rounded())
                plan += "file \(i) warp EPSG:\(ds.crs.epsg!) \(e.minX) \(res.x) \(e.maxY) \(res.y) \(w) \(h) \(f)\n"
                grids.append((e.minX, res.x, e.maxY, res.y))
            } else {
                let r = try Raster(path: f)
                let t = r.geoTransform!
                plan += "file \(i) native \(r.width) \(r.height) \(f)\n"
                grids.append((t.originX, t.resolution.x, t.originY, t.resolution.y))
            }
        }
        var chips: [BoundingBox] = []
        for e in 0..<epochs { chips += loader.batchBounds(epoch: e).flatMap { $0 } }
        for b in chips {
            let i = ds.index.query(b)[0]
            let g = grids[i]
            plan += "chip \(i) \((b.minX - g.ox) / g.rx) \((g.oy - b.maxY) / g.ry) \(b.width / g.rx) \(b.height / g.ry)\n"
        }
        plan += "end\n"
        // A hash of every chip (FNV-1a 64 over its float32 values, band-major), outside the timed loop: the floor
        // hashes its own reads the same way, so the two must have read identical pixels, chip by chip.
        for (i, b) in chips.enumerated() {
            let v = try ds.sample(bounds: b).image!.to(.float32).floats()
            checks += "\(c.name) \(i) \(chipHash(v))\n"
        }
    }
    try plan.write(toFile: o.plan, atomically: true, encoding: .utf8)
    try results.write(toFile: o.results, atomically: true, encoding: .utf8)
    try checks.write(toFile: o.checks, atomically: true, encoding: .utf8)
}

/// FNV-1a 64 over the bytes of the float32 values (the floor computes the same over its float32 buffer).
func chipHash(_ v: [Float]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for x in v {
        var bits = x.bitPattern
        for _ in 0..<4 {
            h = (h ^ UInt64(bits & 0xff)) &* 0x0000_0100_0000_01b3
            bits >>= 8
        }
    }
    return String(format: "%016llx", h)
}

do { try main() } catch {
    FileHandle.standardError.write("strata-bench-sampling: \(error)\n".data(using: .utf8)!)
    exit(1)
}
