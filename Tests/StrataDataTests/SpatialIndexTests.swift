import Foundation
import Testing
import StrataGeo

/// A small seeded generator so the random footprints are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct SpatialIndexTests {
    /// Tile-like footprints over a 100 km square, a quarter of them with a time interval, a few open-ended.
    static func footprints(_ n: Int, seed: UInt64) -> [BoundingBox] {
        var g = SplitMix(seed: seed)
        return (0..<n).map { i in
            let x = Double.random(in: 0..<100_000, using: &g), y = Double.random(in: 0..<100_000, using: &g)
            let w = Double.random(in: 50..<3_000, using: &g), h = Double.random(in: 50..<3_000, using: &g)
            var b = BoundingBox(minX: x, minY: y, maxX: x + w, maxY: y + h)
            if i % 4 == 0 {
                let t = Double.random(in: 0..<1_000, using: &g)
                b.minT = t; b.maxT = t + Double.random(in: 0..<50, using: &g)
            } else if i % 7 == 0 {
                b.minT = Double.random(in: 0..<1_000, using: &g)
            }
            return b
        }
    }

    static func queries(_ n: Int, seed: UInt64) -> [BoundingBox] {
        var g = SplitMix(seed: seed)
        return (0..<n).map { i in
            let x = Double.random(in: -2_000..<100_000, using: &g), y = Double.random(in: -2_000..<100_000, using: &g)
            let s = Double.random(in: 1..<8_000, using: &g)
            var q = BoundingBox(minX: x, minY: y, maxX: x + s, maxY: y + s * 0.7)
            if i % 3 == 0 { let t = Double.random(in: 0..<1_000, using: &g); q.minT = t; q.maxT = t + 20 }
            if i % 5 == 0 { q.maxT = Double.random(in: 0..<1_000, using: &g) }
            return q
        }
    }

    static func brute(_ all: [BoundingBox], _ q: BoundingBox) -> [Int] {
        all.indices.filter { all[$0].intersects(q) }
    }

    @Test func bulkLoadOf10kMatchesBruteForce() {
        let fps = Self.footprints(10_000, seed: 1)
        let start = DispatchTime.now()
        let index = SpatialIndex(fps)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        print("SpatialIndex: STR bulk load of 10,000 footprints in \(String(format: "%.1f", ms)) ms, height \(index.height)")
        #expect(index.count == 10_000)
        #expect(index.height <= 5)  // balanced: ⌈log16 10000⌉ = 4 levels (+1 slack), not a list
        var hits = 0
        for q in Self.queries(500, seed: 2) {
            let got = index.query(q)
            #expect(got == Self.brute(fps, q))
            hits += got.count
        }
        #expect(hits > 500)  // the queries really hit footprints
        let all = fps.dropFirst().reduce(fps[0]) { $0.union($1) }
        #expect(index.bounds?.minX == all.minX && index.bounds?.maxY == all.maxY)
    }

    @Test func insertionMatchesBruteForce() {
        let fps = Self.footprints(3_000, seed: 3)
        var index = SpatialIndex(nodeCapacity: 8)
        for (i, f) in fps.enumerated() { #expect(index.insert(f) == i) }
        #expect(index.height <= 7)
        for q in Self.queries(300, seed: 4) { #expect(index.query(q) == Self.brute(fps, q)) }
        // Bulk load, then keep inserting.
        var mixed = SpatialIndex(fps.prefix(1_000))
        for f in fps.dropFirst(1_000) { mixed.insert(f) }
        for q in Self.queries(300, seed: 5) { #expect(mixed.query(q) == Self.brute(fps, q)) }
    }

    @Test func edgesAndTime() {
        let a = BoundingBox(minX: 0, minY: 0, maxX: 10, maxY: 10, minT: 100, maxT: 200)
        let b = BoundingBox(minX: 10, minY: 0, maxX: 20, maxY: 10)
        let index = SpatialIndex([a, b])
        // Only the edge x = 10 touches a: no overlap.
        #expect(index.query(BoundingBox(minX: 10, minY: 2, maxX: 12, maxY: 3)) == [1])
        #expect(index.query(BoundingBox(minX: 5, minY: 2, maxX: 12, maxY: 3)) == [0, 1])
        // Time intervals are closed; b is unbounded in time.
        #expect(index.query(BoundingBox(minX: 5, minY: 2, maxX: 12, maxY: 3, minT: 200, maxT: 300)) == [0, 1])
        #expect(index.query(BoundingBox(minX: 5, minY: 2, maxX: 12, maxY: 3, minT: 201, maxT: 300)) == [1])
        #expect(index.query(timeFrom: nil, to: 99) == [1])
        #expect(SpatialIndex([]).query(a).isEmpty)
        #expect(SpatialIndex([]).bounds == nil)
    }
}
