import CGDAL
import Foundation

/// A vector geometry (point, line, polygon, multi-…) held as WKT text, with OGR doing the geometry work.
/// Coordinates are in traditional GIS order (x = easting/longitude) in whatever CRS travels with it.
public struct Geometry: Hashable, Sendable, CustomStringConvertible {
    /// Well-known text, e.g. "POLYGON ((0 0,1 0,1 1,0 0))".
    public let wkt: String

    /// Parses WKT; throws when OGR cannot read it.
    public init(wkt: String) throws {
        GDAL.initialize()
        let g = try Geometry.parse(wkt)
        OGR_G_DestroyGeometry(g)
        self.wkt = wkt
    }

    /// The rectangle of a box as a polygon.
    public init(_ box: BoundingBox) {
        wkt = "POLYGON ((\(box.minX) \(box.minY),\(box.maxX) \(box.minY),\(box.maxX) \(box.maxY),\(box.minX) \(box.maxY),\(box.minX) \(box.minY)))"
    }

    init(handle g: OGRGeometryH) {
        var out: UnsafeMutablePointer<CChar>? = nil
        OGR_G_ExportToIsoWkt(g, &out)
        wkt = out.map { String(cString: $0) } ?? "GEOMETRYCOLLECTION EMPTY"
        VSIFree(out)
    }

    static func parse(_ wkt: String) throws -> OGRGeometryH {
        var g: OGRGeometryH? = nil
        var ptr: UnsafeMutablePointer<CChar>? = strdup(wkt)
        let start = ptr
        defer { free(start) }
        let err = OGR_G_CreateFromWkt(&ptr, nil, &g)
        guard err == OGRERR_NONE, let g else {
            let shown = wkt.count > 60 ? String(wkt.prefix(57)) + "..." : wkt
            throw GeoError("cannot parse geometry \"\(shown)\"", hint: "pass WKT such as POLYGON ((x y, …))")
        }
        return g
    }

    /// Calls `body` with a fresh OGR geometry (destroyed afterwards).
    func withHandle<T>(_ body: (OGRGeometryH) throws -> T) throws -> T {
        GDAL.initialize()
        let g = try Geometry.parse(wkt)
        defer { OGR_G_DestroyGeometry(g) }
        return try body(g)
    }

    /// OGR's geometry type name ("Polygon", "Multi Polygon", …).
    public var typeName: String {
        (try? withHandle { String(cString: OGRGeometryTypeToName(OGR_G_GetGeometryType($0))) }) ?? "Unknown"
    }

    /// The bounding box (nil for an empty geometry).
    public var bounds: BoundingBox? {
        try? withHandle { g -> BoundingBox? in
            if OGR_G_IsEmpty(g) != 0 { return nil }
            var e = OGREnvelope()
            OGR_G_GetEnvelope(g, &e)
            return BoundingBox(minX: e.MinX, minY: e.MinY, maxX: e.MaxX, maxY: e.MaxY)
        }
    }

    /// Area in squared CRS units (0 for points and lines).
    public var area: Double { (try? withHandle { OGR_G_Area($0) }) ?? 0 }

    /// True when the point lies inside (or on the boundary of) the geometry.
    public func contains(x: Double, y: Double) -> Bool {
        (try? withHandle { g -> Bool in
            guard let p = OGR_G_CreateGeometry(wkbPoint) else { return false }
            defer { OGR_G_DestroyGeometry(p) }
            OGR_G_SetPoint_2D(p, 0, x, y)
            return OGR_G_Intersects(g, p) != 0
        }) ?? false
    }

    /// True when the geometry and the box share at least one point.
    public func intersects(_ box: BoundingBox) -> Bool {
        (try? withHandle { g in try Geometry(box).withHandle { OGR_G_Intersects(g, $0) != 0 } }) ?? false
    }

    /// The geometry's coordinates transformed from `source` to `target`.
    public func transformed(from source: CRS, to target: CRS) throws -> Geometry {
        if source == target { return self }
        return try withHandle { g in
            try source.withTransformation(to: target) { ct in
                let (err, log) = GDAL.capturing { OGR_G_Transform(g, ct) }
                guard err == OGRERR_NONE else {
                    throw GeoError("cannot transform a geometry from \(source) to \(target)", gdal: log.failureText,
                                   hint: "the geometry may lie outside the area where \(target) is defined")
                }
                return Geometry(handle: g)
            }
        }
    }

    public var description: String { wkt.count > 80 ? String(wkt.prefix(77)) + "..." : wkt }
}
