import Foundation
import StrataGeo

/// Produces the chip boxes a loader reads, in order. The same sampler, seed and epoch always give the same chips.
public protocol GeoSampler: Sendable {
    /// The chips of one epoch (in the dataset's CRS, with the time interval of the entry each was drawn from).
    func chips(epoch: Int) -> [BoundingBox]
}

/// Produces whole batches of chip boxes (e.g. all chips of a batch from one file).
public protocol GeoBatchSampler: Sendable {
    func batches(epoch: Int) -> [[BoundingBox]]
}

/// A chip size: whole pixels of the dataset's resolution, or CRS units (converted to whole pixels).
public enum ChipSize: Sendable, ExpressibleByIntegerLiteral {
    case pixels(width: Int, height: Int)
    case units(x: Double, y: Double)

    public init(integerLiteral v: Int) { self = .pixels(width: v, height: v) }
    public static func pixels(_ n: Int) -> ChipSize { .pixels(width: n, height: n) }
    public static func units(_ v: Double) -> ChipSize { .units(x: v, y: v) }

    /// The size in whole pixels at `res` (CRS-unit sizes are rounded to the nearest pixel, at least 1).
    func pixels(at res: (x: Double, y: Double), what: String) throws -> (Int, Int) {
        switch self {
        case .pixels(let w, let h):
            guard w > 0, h > 0 else { throw DataError("\(what) must be positive, got \(w) × \(h) pixels") }
            return (w, h)
        case .units(let x, let y):
            guard x > 0, y > 0, x.isFinite, y.isFinite else { throw DataError("\(what) must be positive, got \(x) × \(y) CRS units") }
            return (max(1, Int((x / res.x).rounded())), max(1, Int((y / res.y).rounded())))
        }
    }
}

/// A region of interest in the dataset's CRS: a box, or a polygon (chips are kept when their centre is inside).
public enum RegionOfInterest: Sendable {
    case bounds(BoundingBox)
    case polygon([(x: Double, y: Double)])

    var box: BoundingBox {
        switch self {
        case .bounds(let b): return b
        case .polygon(let p):
            return BoundingBox(minX: p.map(\.x).min() ?? 0, minY: p.map(\.y).min() ?? 0,
                               maxX: p.map(\.x).max() ?? 0, maxY: p.map(\.y).max() ?? 0)
        }
    }

    /// Even–odd point-in-polygon test (boxes contain their interior).
    func contains(x: Double, y: Double) -> Bool {
        switch self {
        case .bounds(let b): return b.contains(x: x, y: y)
        case .polygon(let p):
            var inside = false
            var j = p.count - 1
            for i in 0..<p.count {
                let (xi, yi, xj, yj) = (p[i].x, p[i].y, p[j].x, p[j].y)
                if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
                j = i
            }
            return inside
        }
    }
}

/// A time interval in seconds since 1970 (either end open).
public struct TimeSpan: Sendable, CustomStringConvertible {
    public var start: Double?, end: Double?
    public init(start: Double? = nil, end: Double? = nil) { self.start = start; self.end = end }
    public init(_ start: Date?, _ end: Date?) {
        self.init(start: start?.timeIntervalSince1970, end: end?.timeIntervalSince1970)
    }
    public var description: String {
        func f(_ t: Double?) -> String {
            guard let t else { return "open" }
            return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: t))
        }
        return "[\(f(start)), \(f(end))]"
    }
}

/// A deterministic random generator (xoshiro256**, seeded through SplitMix64). Its draws depend only on the seed,
/// never on the platform or the Swift version, so sampled chips are reproducible everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func mix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (mix(), mix(), mix(), mix())
    }
    /// A generator for one epoch of a seeded sampler.
    public init(seed: UInt64, epoch: Int) {
        self.init(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0xD1B5_4A32_D192_ED03))
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    /// Uniform in 0..<n (n > 0), unbiased (rejection).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let v = next()
            if v < limit { return Int(v % bound) }
        }
    }
    /// Fisher–Yates shuffle.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
    }
}

/// The part of each index entry a sampler may draw from, on the entry's pixel lattice.
struct SamplingRegion: Sendable {
    let entry: Int
    let box: BoundingBox           // snapped outward to whole pixels of the entry's lattice
    let minT: Double?, maxT: Double?
    var area: Double { box.area }
}

enum SamplerSupport {
    /// Regions of the dataset's entries inside `roi` and `time`, with clear errors when nothing is left.
    static func regions(_ ds: any GeoDataset, roi: RegionOfInterest?, time: TimeSpan?) throws -> [SamplingRegion] {
        let entries = ds.index.entries
        guard !entries.isEmpty else { throw DataError("the dataset is empty: nothing to sample") }
        let res = ds.resolution
        let all = ds.bounds
        if let roi {
            let r = roi.box
            guard r.intersects(BoundingBox(minX: all.minX, minY: all.minY, maxX: all.maxX, maxY: all.maxY)) else {
                throw DataError("the region of interest \(r) does not overlap the dataset, which covers \(all) in \(ds.crs); give the ROI in the dataset's CRS")
            }
        }
        if let time {
            if let a = time.start, let b = time.end, a > b {
                throw DataError("time range \(time) ends before it starts")
            }
            let q = BoundingBox(minX: -.infinity, minY: -.infinity, maxX: .infinity, maxY: .infinity, minT: time.start, maxT: time.end)
            guard entries.contains(where: { $0.timeOverlaps(q) }) else {
                let dated = entries.filter { $0.minT != nil || $0.maxT != nil }
                let lo = dated.compactMap(\.minT).min(), hi = dated.compactMap(\.maxT).max()
                throw DataError("the time range \(time) does not overlap the dataset's dates \(TimeSpan(start: lo, end: hi))")
            }
        }
        var out: [SamplingRegion] = []
        for (i, e) in entries.enumerated() {
            var minT = e.minT, maxT = e.maxT
            if let time {
                let probe = BoundingBox(minX: 0, minY: 0, maxX: 1, maxY: 1, minT: time.start, maxT: time.end)
                guard e.timeOverlaps(probe) else { continue }
                if let s = time.start { minT = max(minT ?? s, s) }
                if let t = time.end { maxT = min(maxT ?? t, t) }
            }
            var box = BoundingBox(minX: e.minX, minY: e.minY, maxX: e.maxX, maxY: e.maxY)
            if let roi {
                guard let c = box.intersection(roi.box) else { continue }
                // Outward to whole pixels of the entry's lattice (origin: the footprint's top-left corner).
                let x0 = e.minX + ((c.minX - e.minX) / res.x + 1e-6).rounded(.down) * res.x
                let y1 = e.maxY - ((e.maxY - c.maxY) / res.y + 1e-6).rounded(.down) * res.y
                let x1 = e.minX + ((c.maxX - e.minX) / res.x - 1e-6).rounded(.up) * res.x
                let y0 = e.maxY - ((e.maxY - c.minY) / res.y - 1e-6).rounded(.up) * res.y
                box = BoundingBox(minX: x0, minY: y0, maxX: x1, maxY: y1)
            }
            out.append(SamplingRegion(entry: i, box: box, minT: minT, maxT: maxT))
        }
        guard !out.isEmpty else {
            throw DataError("no file lies both in the region of interest and the time range \(time.map { "\($0)" } ?? "")")
        }
        return out
    }

    /// Offsets of chips of `size` covering a span of `span` with `stride`: every coordinate is covered, the last
    /// chip ends exactly at the span's end, and a span shorter than a chip gets one chip at offset 0 (padded).
    static func gridOffsets(span: Double, size: Double, stride: Double) -> [Double] {
        if span <= size * (1 + 1e-9) { return [0] }
        let n = Int(((span - size) / stride - 1e-6).rounded(.up)) + 1
        var p = (0..<(n - 1)).map { Double($0) * stride }
        p.append(span - size)
        return p
    }

    /// Entries' regions weighted by area, as a cumulative table for weighted draws.
    static func cumulativeAreas(_ regions: [SamplingRegion]) -> [Double] {
        var acc = 0.0
        return regions.map { r in acc += max(r.area, 1e-300); return acc }
    }

    /// Index of a region drawn with probability proportional to its area.
    static func draw(_ cumulative: [Double], _ g: inout SeededGenerator) -> Int {
        let u = g.unit() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// A chip of w × h pixels at a random whole-pixel position inside `r` (at its top-left when `r` is smaller).
    static func randomChip(in r: SamplingRegion, w: Int, h: Int, res: (x: Double, y: Double),
                           _ g: inout SeededGenerator) -> BoundingBox {
        let cw = Double(w) * res.x, ch = Double(h) * res.y
        let nx = max(0, Int(((r.box.width - cw) / res.x + 1e-6).rounded(.down)))
        let ny = max(0, Int(((r.box.height - ch) / res.y + 1e-6).rounded(.down)))
        let x0 = r.box.minX + Double(g.below(nx + 1)) * res.x
        let y1 = r.box.maxY - Double(g.below(ny + 1)) * res.y
        return BoundingBox(minX: x0, minY: y1 - ch, maxX: x0 + cw, maxY: y1, minT: r.minT, maxT: r.maxT)
    }
}
