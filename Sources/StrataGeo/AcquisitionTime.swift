import CGDAL
import Foundation

/// When a raster was acquired, read from its GDAL metadata: an interval in seconds since 1970 (UTC).
///
/// Keys tried, in order, in the default and `IMAGERY` domains: `ACQUISITIONDATETIME` (GDAL's IMAGERY domain),
/// `ACQUISITION_START_TIME`/`ACQUISITION_STOP_TIME`, `PRODUCT_START_TIME`/`PRODUCT_STOP_TIME` (Sentinel SAFE),
/// `SENSING_TIME`, `DATE_ACQUIRED` + `SCENE_CENTER_TIME` (Landsat MTL), `ACQUISITION_DATE`, `DATETIME`, and last
/// `TIFFTAG_DATETIME` (the TIFF DateTime tag, which many writers set to the processing time — hence last).
/// Values may be ISO 8601 (`2018-08-03T10:30:00Z`, `…T10:30:00.123456Z`, `2018-08-03`), the TIFF form
/// `2018:08:03 10:30:00`, or compact `20180803`. Times without a zone are UTC.
public struct AcquisitionTime: Hashable, Sendable, CustomStringConvertible {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) { self.start = start; self.end = end }
    public init(instant: Double) { self.init(start: instant, end: instant) }

    public var description: String {
        let f = ISO8601DateFormatter()
        let a = f.string(from: Date(timeIntervalSince1970: start))
        return start == end ? a : "\(a)/\(f.string(from: Date(timeIntervalSince1970: end)))"
    }

    /// The interval stated by metadata items (see the type's documentation); nil when none is present.
    /// Throws when a date key is present but its value cannot be parsed (naming the key and value).
    public static func from(metadata items: [String: String]) throws -> AcquisitionTime? {
        func parsed(_ key: String) throws -> Double? {
            guard let v = items[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            guard let t = parse(v) else {
                throw GeoError("metadata item \(key)=\"\(v)\" is not a date/time this reader understands",
                               hint: "use ISO 8601, e.g. 2018-08-03T10:30:00Z")
            }
            return t
        }
        let intervals = [("ACQUISITION_START_TIME", "ACQUISITION_STOP_TIME"),
                         ("PRODUCT_START_TIME", "PRODUCT_STOP_TIME")]
        for (a, b) in intervals {
            if let s = try parsed(a) { return AcquisitionTime(start: s, end: try parsed(b) ?? s) }
        }
        if let t = try parsed("ACQUISITIONDATETIME") { return AcquisitionTime(instant: t) }
        if let t = try parsed("SENSING_TIME") { return AcquisitionTime(instant: t) }
        if let d = items["DATE_ACQUIRED"], let c = items["SCENE_CENTER_TIME"] {
            let v = "\(d)T\(c.replacingOccurrences(of: "\"", with: ""))"
            if let t = parse(v) { return AcquisitionTime(instant: t) }
        }
        for key in ["DATE_ACQUIRED", "ACQUISITION_DATE", "DATETIME", "TIFFTAG_DATETIME"] {
            if let t = try parsed(key) { return AcquisitionTime(instant: t) }
        }
        return nil
    }

    /// Parses one date/time string (ISO 8601 with or without zone and fraction, TIFF `YYYY:MM:DD HH:MM:SS`,
    /// `YYYYMMDD`); nil when it is none of these.
    public static func parse(_ s: String) -> Double? {
        var v = s.trimmingCharacters(in: .whitespaces)
        // TIFF DateTime: "YYYY:MM:DD HH:MM:SS".
        if v.count >= 10, Array(v)[4] == ":", Array(v)[7] == ":" {
            var c = Array(v); c[4] = "-"; c[7] = "-"
            v = String(c)
        }
        v = v.replacingOccurrences(of: " ", with: "T")
        let formats = ["yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXXXX", "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX",
                       "yyyy-MM-dd'T'HH:mm:ssXXXXX",
                       "yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss",
                       "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd", "yyyyMMdd'T'HHmmss", "yyyyMMdd"]
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        // Fractions longer than 6 digits: cut to 6 (DateFormatter's limit), keeping any zone suffix.
        if let dot = v.firstIndex(of: ".") {
            let digits = v[v.index(after: dot)...].prefix { $0.isNumber }
            if digits.count > 6 {
                let end = v.index(v.index(after: dot), offsetBy: digits.count)
                v = String(v[..<v.index(after: dot)]) + digits.prefix(6) + v[end...]
            }
        }
        for fmt in formats {
            f.dateFormat = fmt
            if let d = f.date(from: v) { return d.timeIntervalSince1970 }
        }
        return nil
    }
}

extension Raster {
    /// Metadata items of one domain (nil: the default domain) as key/value pairs.
    public func metadata(domain: String?) -> [String: String] {
        var out: [String: String] = [:]
        for item in GDAL.strings(GDALGetMetadata(handle, domain)) {
            if let eq = item.firstIndex(of: "=") { out[String(item[..<eq])] = String(item[item.index(after: eq)...]) }
        }
        return out
    }

    /// The acquisition time stated in the file's metadata (default and `IMAGERY` domains; see `AcquisitionTime`),
    /// nil when it states none.
    public func acquisitionTime() throws -> AcquisitionTime? {
        var items = metadata(domain: "IMAGERY")
        for (k, v) in metadata(domain: nil) { items[k] = v }
        return try AcquisitionTime.from(metadata: items)
    }
}
