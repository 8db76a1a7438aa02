import CGDAL
import Foundation

/// A coordinate reference system, held as WKT2 text plus the facts read from it once (EPSG code, kind, units).
///
/// Build one from an EPSG code, WKT (1 or 2), a PROJ string, or anything `OSRSetFromUserInput` accepts
/// ("EPSG:32618", "+proj=utm +zone=18 +datum=WGS84", "urn:ogc:def:crs:EPSG::4326", a path to a .prj file, …).
/// Coordinates are always in traditional GIS order — x is easting or longitude, y northing or latitude — even for
/// CRSs whose authority defines latitude first (EPSG:4326), so lon/lat never flips.
///
/// Equality ignores cosmetic WKT differences (names, WKT version, an authority tag that one side lacks): two CRSs
/// are equal when GDAL's `OSRIsSame` says so. Comparisons are cached, so comparing the same pair again is cheap.
public struct CRS: Hashable, Sendable, CustomStringConvertible {
    /// The CRS as WKT2 (2019) text.
    public let wkt: String
    /// The EPSG code when the CRS carries one or GDAL can identify it unambiguously; nil otherwise.
    public let epsg: Int?
    /// The CRS's name, e.g. "WGS 84 / UTM zone 18N".
    public let name: String
    /// True for geographic (latitude/longitude) CRSs.
    public let isGeographic: Bool
    /// True for projected CRSs.
    public let isProjected: Bool
    /// The linear unit's name ("metre", "US survey foot") for projected CRSs; nil for geographic ones.
    public let linearUnits: String?
    /// Metres per linear unit (1 for metres); nil for geographic CRSs.
    public let metresPerUnit: Double?
    /// The angular unit's name ("degree").
    public let angularUnits: String

    /// The name of the unit coordinates are expressed in: `linearUnits` for projected CRSs, else `angularUnits`.
    public var units: String { linearUnits ?? angularUnits }

    /// WGS 84 longitude/latitude (EPSG:4326).
    public static let wgs84: CRS = try! CRS(epsg: 4326)
    /// Web Mercator (EPSG:3857).
    public static let webMercator: CRS = try! CRS(epsg: 3857)

    /// A CRS from its EPSG code.
    public init(epsg code: Int) throws {
        try self.init(parsing: "EPSG:\(code)", what: "CRS from EPSG:\(code)",
                      hint: "check the code at https://epsg.io (PROJ's database must be installed: proj-data)") { h in
            OSRImportFromEPSG(h, Int32(code))
        }
    }

    /// A CRS from WKT text (WKT1 or WKT2).
    public init(wkt: String) throws {
        try self.init(parsing: wkt, what: "CRS from WKT", hint: "pass valid WKT1/WKT2 text") { h in
            var ptr: UnsafeMutablePointer<CChar>? = strdup(wkt)
            let start = ptr
            defer { free(start) }
            return OSRImportFromWkt(h, &ptr)
        }
    }

    /// A CRS from any user text GDAL understands: "EPSG:4326", WKT, a PROJ string, an OGC URN, a .prj file path.
    public init(_ userInput: String) throws {
        let shown = userInput.count > 80 ? String(userInput.prefix(77)) + "..." : userInput
        try self.init(parsing: userInput, what: "CRS from \"\(shown)\"",
                      hint: "use an EPSG code (\"EPSG:32618\"), WKT or a PROJ string (\"+proj=utm +zone=18 +datum=WGS84\")") { h in
            OSRSetFromUserInput(h, userInput)
        }
    }

    private init(parsing text: String, what: String, hint: String, _ load: (OGRSpatialReferenceH) -> OGRErr) throws {
        GDAL.initialize()
        guard let h = OSRNewSpatialReference(nil) else { throw GeoError("create spatial reference") }
        defer { OSRRelease(h) }
        let (err, log) = GDAL.capturing { load(h) }
        guard err == OGRERR_NONE else {
            throw GeoError("cannot build \(what)", gdal: log.failureText ?? "OGR error \(err)", hint: hint)
        }
        try self.init(handle: h)
    }

    /// A CRS from an OSR handle (the handle stays owned by the caller).
    init(handle h: OGRSpatialReferenceH) throws {
        GDAL.initialize()
        var out: UnsafeMutablePointer<CChar>? = nil
        let (err, log) = GDAL.withConstOptions(["FORMAT=WKT2_2019", "MULTILINE=NO"]) { opts in
            GDAL.capturing { OSRExportToWktEx(h, &out, opts) }
        }
        defer { VSIFree(out) }
        guard err == OGRERR_NONE, let out else {
            throw GeoError("cannot export CRS as WKT2", gdal: log.failureText, hint: "the CRS is not representable in WKT2")
        }
        wkt = String(cString: out)
        name = OSRGetName(h).map { String(cString: $0) } ?? "unnamed"
        isGeographic = OSRIsGeographic(h) != 0
        isProjected = OSRIsProjected(h) != 0
        var unitName: UnsafeMutablePointer<CChar>? = nil
        let factor = OSRGetLinearUnits(h, &unitName)
        if isGeographic {
            linearUnits = nil; metresPerUnit = nil
        } else {
            linearUnits = unitName.map { String(cString: $0) } ?? "metre"; metresPerUnit = factor
        }
        var angName: UnsafeMutablePointer<CChar>? = nil
        _ = OSRGetAngularUnits(h, &angName)
        angularUnits = angName.map { String(cString: $0) } ?? "degree"
        epsg = CRS.identifyEPSG(h)
    }

    /// The authority code, or the EPSG code of the first database match that is equivalent to the CRS.
    private static func identifyEPSG(_ h: OGRSpatialReferenceH) -> Int? {
        if let auth = OSRGetAuthorityName(h, nil), String(cString: auth).uppercased() == "EPSG",
           let code = OSRGetAuthorityCode(h, nil) {
            return Int(String(cString: code))
        }
        let (found, _) = GDAL.capturing { () -> Int? in
            var count: Int32 = 0
            var confidence: UnsafeMutablePointer<Int32>? = nil
            guard let matches = OSRFindMatches(h, nil, &count, &confidence) else { return nil }
            defer { OSRFreeSRSArray(matches); VSIFree(confidence) }
            // The first candidate that is equivalent to the CRS (names aside) and carries an EPSG code.
            for i in 0..<Int(count) {
                guard let m = matches[i], let confidence, confidence[i] >= 50 else { continue }
                let same = GDAL.withConstOptions(["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]) { OSRIsSameEx(h, m, $0) != 0 }
                if same, let auth = OSRGetAuthorityName(m, nil), String(cString: auth).uppercased() == "EPSG",
                   let code = OSRGetAuthorityCode(m, nil) {
                    return Int(String(cString: code))
                }
            }
            return nil
        }
        return found
    }

    /// Calls `body` with a fresh OSR handle in traditional GIS axis order (released afterwards). OSR handles are not
    /// thread-safe, so each use gets its own.
    func withHandle<T>(_ body: (OGRSpatialReferenceH) throws -> T) throws -> T {
        guard let h = makeHandle() else {
            throw GeoError("cannot rebuild CRS \(name) from its WKT", hint: "this is a bug in Strata; please report it")
        }
        defer { OSRRelease(h) }
        return try body(h)
    }

    /// A new OSR handle (owned by the caller: release with OSRRelease).
    func makeHandle() -> OGRSpatialReferenceH? {
        GDAL.initialize()
        guard let h = OSRNewSpatialReference(wkt) else { return nil }
        OSRSetAxisMappingStrategy(h, OAMS_TRADITIONAL_GIS_ORDER)
        return h
    }

    /// The CRS as a PROJ string (lossy for some CRSs).
    public var proj4: String? {
        try? withHandle { h in
            var out: UnsafeMutablePointer<CChar>? = nil
            defer { VSIFree(out) }
            guard OSRExportToProj4(h, &out) == OGRERR_NONE, let out else { return nil }
            return String(cString: out).trimmingCharacters(in: .whitespaces)
        }
    }

    /// The CRS as WKT1 (GDAL's classic form), for tools that predate WKT2.
    public var wkt1: String? {
        try? withHandle { h in
            var out: UnsafeMutablePointer<CChar>? = nil
            defer { VSIFree(out) }
            guard OSRExportToWkt(h, &out) == OGRERR_NONE, let out else { return nil }
            return String(cString: out)
        }
    }

    /// "EPSG:32618" when the code is known, else the CRS name.
    public var description: String { epsg.map { "EPSG:\($0)" } ?? name }

    // MARK: equality

    public static func == (a: CRS, b: CRS) -> Bool {
        if a.wkt == b.wkt { return true }
        if a.isGeographic != b.isGeographic || a.isProjected != b.isProjected { return false }
        if let x = a.epsg, let y = b.epsg, x == y { return true }
        return SameCache.shared.isSame(a, b)
    }

    /// Hashes only what `OSRIsSame` can never disagree on (kind and unit size), so equal CRSs hash equally.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(isGeographic)
        hasher.combine(isProjected)
        hasher.combine(metresPerUnit.map { ($0 * 1e6).rounded() })
    }
}

/// Remembers `OSRIsSame` verdicts per WKT pair (CRSs come from a handful of files, so the table stays small).
private final class SameCache: @unchecked Sendable {
    static let shared = SameCache()
    private let lock = NSLock()
    private var table: [String: Bool] = [:]

    func isSame(_ a: CRS, _ b: CRS) -> Bool {
        let key = a.wkt < b.wkt ? a.wkt + "\u{0}" + b.wkt : b.wkt + "\u{0}" + a.wkt
        lock.lock()
        if let v = table[key] { lock.unlock(); return v }
        lock.unlock()
        guard let ha = a.makeHandle() else { return false }
        defer { OSRRelease(ha) }
        guard let hb = b.makeHandle() else { return false }
        defer { OSRRelease(hb) }
        let same = GDAL.withConstOptions(["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]) { opts in
            GDAL.capturing { OSRIsSameEx(ha, hb, opts) != 0 }.0
        }
        lock.lock()
        if table.count > 4096 { table.removeAll() }
        table[key] = same
        lock.unlock()
        return same
    }
}

// MARK: transforms

extension CRS {
    /// Transforms a box into `target`, densifying each edge with `densify` extra points so curved edges are
    /// covered (GDAL's `OCTTransformBounds`, which also handles the antimeridian). The time interval is kept.
    public func transform(_ bbox: BoundingBox, to target: CRS, densify: Int = 21) throws -> BoundingBox {
        if self == target { return bbox }
        try Self.checkMagnitude([bbox.minX, bbox.minY, bbox.maxX, bbox.maxY], self)
        return try withTransformation(to: target) { ct in
            var x0 = 0.0, y0 = 0.0, x1 = 0.0, y1 = 0.0
            let (ok, log) = GDAL.capturing {
                OCTTransformBounds(ct, bbox.minX, bbox.minY, bbox.maxX, bbox.maxY, &x0, &y0, &x1, &y1, Int32(densify))
            }
            guard ok != 0, x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else {
                throw GeoError("cannot transform bounds \(bbox) from \(self) to \(target)", gdal: log.failureText,
                               hint: "the box may lie outside the area where \(target) is defined")
            }
            return BoundingBox(minX: x0, minY: y0, maxX: x1, maxY: y1, minT: bbox.minT, maxT: bbox.maxT)
        }
    }

    /// Transforms one point (x = easting/longitude, y = northing/latitude).
    public func transform(x: Double, y: Double, to target: CRS) throws -> (x: Double, y: Double) {
        let r = try transform(points: [(x, y)], to: target)
        return r[0]
    }

    /// Transforms points; throws when any point cannot be transformed.
    public func transform(points: [(x: Double, y: Double)], to target: CRS) throws -> [(x: Double, y: Double)] {
        if points.isEmpty { return [] }
        if self == target { return points }
        var xs = points.map(\.x), ys = points.map(\.y)
        try Self.checkMagnitude(xs + ys, self)
        var ok = [Int32](repeating: 0, count: points.count)
        try withTransformation(to: target) { ct in
            let (r, log) = GDAL.capturing { OCTTransformEx(ct, Int32(points.count), &xs, &ys, nil, &ok) }
            if r == 0 || ok.contains(0) {
                let bad = ok.firstIndex(of: 0).map { points[$0] }
                throw GeoError("cannot transform point \(bad.map { "(\($0.x), \($0.y))" } ?? "") from \(self) to \(target)",
                               gdal: log.failureText, hint: "the point may lie outside the area where \(target) is defined")
            }
        }
        return zip(xs, ys).map { ($0, $1) }
    }

    /// Largest coordinate magnitude transformed. No CRS's coordinates come near it; GDAL 3.6's Web Mercator → WGS 84
    /// shortcut loops for hours on values like 1e300 from a corrupt geotransform (found by Fuzz/run geotiff).
    static let maxCoordinate = 1e10

    static func checkMagnitude(_ values: [Double], _ crs: CRS) throws {
        guard let bad = values.first(where: { !$0.isFinite || abs($0) > maxCoordinate }) else { return }
        throw GeoError("coordinate \(bad) in \(crs) is beyond ±\(maxCoordinate)",
                       hint: "the file's georeference (geotransform or bounds) is corrupt")
    }

    /// Calls `body` with a coordinate transformation from `self` to `target` (created per call: OGR's
    /// transformations are not thread-safe).
    func withTransformation<T>(to target: CRS, _ body: (OGRCoordinateTransformationH) throws -> T) throws -> T {
        try withHandle { src in
            try target.withHandle { dst in
                let ct = try GDAL.call("cannot create a transformation from \(self) to \(target)",
                                       hint: "check that PROJ's database (proj-data) is installed") {
                    OCTNewCoordinateTransformation(src, dst)
                }
                defer { OCTDestroyCoordinateTransformation(ct) }
                return try body(ct)
            }
        }
    }
}
