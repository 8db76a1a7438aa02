import CGDAL
import Foundation

/// Process-wide GDAL set-up and the bridge from GDAL's error reporting to Swift errors.
///
/// `GDAL.initialize()` registers every driver once, switches PROJ/OSR to traditional GIS axis order (x = easting or
/// longitude, always), keeps GDAL quiet on stderr, and sets conservative defaults for thread and cache use. Every
/// StrataGeo entry point calls it, so users rarely need to. Messages GDAL raises during a call are captured per
/// thread (see `GDAL.capturing`) and end up in the `GeoError` the call throws.
public enum GDAL {
    private static let setUp: Void = {
        // Traditional GIS order for every OGRSpatialReference GDAL creates (GDAL >= 3.5 honours this option).
        CPLSetConfigOption("OSR_DEFAULT_AXIS_MAPPING_STRATEGY", "TRADITIONAL_GIS_ORDER")
        let env = ProcessInfo.processInfo.environment
        // Loaders parallelise across chips; one GDAL thread per call avoids oversubscription unless the user asks.
        if env["GDAL_NUM_THREADS"] == nil { CPLSetConfigOption("GDAL_NUM_THREADS", "1") }
        // Block cache: GDAL's default (5 % of RAM) unless GDAL_CACHEMAX is set, but at least 256 MB so a loader's
        // working set of tiles stays cached.
        if env["GDAL_CACHEMAX"] == nil && GDALGetCacheMax64() < 256 << 20 { GDALSetCacheMax64(256 << 20) }
        GDALAllRegister()
        // Quiet by default: messages reach Swift through the per-call capture. STRATA_GDAL_DEBUG=1 keeps stderr.
        if env["STRATA_GDAL_DEBUG"] == nil { CPLSetErrorHandler(quietHandler) }
    }()

    /// Registers GDAL's drivers and installs Strata's error handling (idempotent, thread-safe).
    public static func initialize() { _ = setUp }

    /// GDAL's version string, e.g. "3.6.2".
    public static var version: String {
        initialize()
        return String(cString: GDALVersionInfo("RELEASE_NAME"))
    }

    /// Runs `body` with a thread-local error handler that records every message GDAL raises on this thread.
    /// Returns the body's result and the messages (failures and warnings, oldest first).
    static func capturing<T>(_ body: () throws -> T) rethrows -> (T, ErrorLog) {
        initialize()
        let log = ErrorLog()
        let ctx = Unmanaged.passUnretained(log).toOpaque()
        CPLErrorReset()
        CPLPushErrorHandlerEx(captureHandler, ctx)
        defer { CPLPopErrorHandler() }
        let result = try withExtendedLifetime(log) { try body() }
        return (result, log)
    }

    /// Runs a GDAL call that signals failure by returning nil (or a CE_Failure status through `failed`) and turns
    /// a failure into a `GeoError` carrying GDAL's messages.
    static func call<T>(_ what: @autoclosure () -> String, path: String? = nil, hint: String? = nil,
                        _ body: () throws -> T?) throws -> T {
        let (result, log) = try capturing(body)
        guard let result else { throw GeoError(what(), path: path, gdal: log.failureText, hint: hint) }
        return result
    }

    /// Runs a GDAL call returning a `CPLErr` and throws on CE_Failure / CE_Fatal.
    static func check(_ what: @autoclosure () -> String, path: String? = nil, hint: String? = nil,
                      _ body: () -> CPLErr) throws {
        let (err, log) = capturing(body)
        if err.rawValue >= CE_Failure.rawValue || log.hasFailure {
            throw GeoError(what(), path: path, gdal: log.failureText, hint: hint)
        }
    }

    /// Copies a NULL-terminated C string list (`char **`) into Swift.
    static func strings(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let list else { return [] }
        var out: [String] = []
        var i = 0
        while let s = list[i] { out.append(String(cString: s)); i += 1 }
        return out
    }

    /// Builds a GDAL option list ("KEY=VALUE" strings) for the duration of `body`.
    static func withOptions<T>(_ options: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws -> T) rethrows -> T {
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        for o in options { list = CSLAddString(list, o) }
        defer { CSLDestroy(list) }
        return try body(list)
    }

    /// As `withOptions`, for functions taking a `CSLConstList`.
    static func withConstOptions<T>(_ options: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> T) rethrows -> T {
        try withOptions(options) { list in
            try body(list.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<CChar>?.self) })
        }
    }
}

/// Messages GDAL raised on one thread during one call.
final class ErrorLog: @unchecked Sendable {
    struct Entry { let level: CPLErr; let code: Int32; let message: String }
    var entries: [Entry] = []
    var hasFailure: Bool { entries.contains { $0.level.rawValue >= CE_Failure.rawValue } }
    /// The failure messages (or, when there are none, the last warning), joined.
    var failureText: String? {
        let failures = entries.filter { $0.level.rawValue >= CE_Failure.rawValue }.map(\.message)
        if !failures.isEmpty { return Array(NSOrderedSet(array: failures)).map { "\($0)" }.joined(separator: "; ") }
        let last = String(cString: CPLGetLastErrorMsg())
        if !last.isEmpty { return last }
        return entries.last?.message
    }
    var warnings: [String] { entries.filter { $0.level == CE_Warning }.map(\.message) }
}

private let quietHandler: CPLErrorHandler = { _, _, _ in }

private let captureHandler: CPLErrorHandler = { level, code, message in
    guard let ctx = CPLGetErrorHandlerUserData() else { return }
    let log = Unmanaged<ErrorLog>.fromOpaque(ctx).takeUnretainedValue()
    if level == CE_Debug { return }
    log.entries.append(.init(level: level, code: code, message: message.map { String(cString: $0) } ?? ""))
}

/// A geospatial failure: a file that cannot be opened or read, a CRS that cannot be parsed, an invalid request.
/// `description` names the operation, the file, GDAL's own message, and how to fix it.
public struct GeoError: Error, CustomStringConvertible, Sendable {
    /// What was being done ("open raster", "read window", …).
    public let operation: String
    /// The file involved, if any.
    public let path: String?
    /// GDAL's own message, if GDAL raised one.
    public let gdalMessage: String?
    /// A suggestion for the user.
    public let hint: String?

    public init(_ operation: String, path: String? = nil, gdal: String? = nil, hint: String? = nil) {
        self.operation = operation
        self.path = path
        self.gdalMessage = gdal.flatMap { $0.isEmpty ? nil : $0 }
        self.hint = hint
    }

    public var description: String {
        var s = operation
        if let path { s += " (\(path))" }
        if let gdalMessage { s += ": \(gdalMessage.trimmingCharacters(in: .whitespacesAndNewlines))" }
        if let hint {
            while s.hasSuffix(".") { s.removeLast() }
            s += ". " + hint.prefix(1).uppercased() + hint.dropFirst()
        }
        return s
    }
}
