import Foundation

/// An axis-aligned box in some CRS's units (x = easting/longitude, y = northing/latitude), with an optional time
/// interval (seconds since 1970; unbounded when nil). Value type; the CRS travels separately (see `GeoSample`).
public struct BoundingBox: Hashable, Sendable, CustomStringConvertible {
    public var minX: Double, minY: Double, maxX: Double, maxY: Double
    public var minT: Double?, maxT: Double?

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double, minT: Double? = nil, maxT: Double? = nil) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY; self.minT = minT; self.maxT = maxT
    }

    public var width: Double { maxX - minX }
    public var height: Double { maxY - minY }
    public var area: Double { max(0, width) * max(0, height) }
    public var isEmpty: Bool { !(maxX > minX && maxY > minY) }
    public var center: (x: Double, y: Double) { ((minX + maxX) / 2, (minY + maxY) / 2) }

    /// True when the boxes overlap with positive area (touching edges do not count) and the time ranges meet.
    public func intersects(_ o: BoundingBox) -> Bool {
        minX < o.maxX && o.minX < maxX && minY < o.maxY && o.minY < maxY && timeOverlaps(o)
    }
    public func timeOverlaps(_ o: BoundingBox) -> Bool {
        let lo = Swift.max(minT ?? -.infinity, o.minT ?? -.infinity)
        let hi = Swift.min(maxT ?? .infinity, o.maxT ?? .infinity)
        return lo <= hi
    }
    public func contains(_ o: BoundingBox) -> Bool {
        minX <= o.minX && minY <= o.minY && maxX >= o.maxX && maxY >= o.maxY
    }
    public func intersection(_ o: BoundingBox) -> BoundingBox? {
        let b = BoundingBox(minX: Swift.max(minX, o.minX), minY: Swift.max(minY, o.minY),
                            maxX: Swift.min(maxX, o.maxX), maxY: Swift.min(maxY, o.maxY),
                            minT: [minT, o.minT].compactMap { $0 }.max(), maxT: [maxT, o.maxT].compactMap { $0 }.min())
        return b.isEmpty ? nil : b
    }
    public func union(_ o: BoundingBox) -> BoundingBox {
        BoundingBox(minX: Swift.min(minX, o.minX), minY: Swift.min(minY, o.minY),
                    maxX: Swift.max(maxX, o.maxX), maxY: Swift.max(maxY, o.maxY),
                    minT: minT == nil || o.minT == nil ? nil : Swift.min(minT!, o.minT!),
                    maxT: maxT == nil || o.maxT == nil ? nil : Swift.max(maxT!, o.maxT!))
    }

    public var description: String {
        var s = String(format: "[%.6f, %.6f, %.6f, %.6f]", minX, minY, maxX, maxY)
        if minT != nil || maxT != nil { s += " t[\(minT.map { "\($0)" } ?? "-∞"), \(maxT.map { "\($0)" } ?? "∞")]" }
        return s
    }
}
