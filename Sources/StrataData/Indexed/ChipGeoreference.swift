import Foundation
import StrataGeo

/// Where a chip lies: its bounds, known at once, and its CRS, resolved on first use.
///
/// Building a file's CRS costs PROJ work (milliseconds per GeoTIFF, more than reading the chip) that a training loop
/// never needs, so chip datasets record the file and resolve the CRS only when someone asks for it (a prediction
/// writer, a report); the answer is then kept, and equal CRSs are shared process-wide. Safe to share between
/// threads.
public final class ChipGeoreference: @unchecked Sendable, CustomStringConvertible {
    /// The chip's extent in `crs`.
    public let bounds: BoundingBox
    private let lock = NSLock()
    private var resolved: CRS?
    private var source: String?

    /// A georeference with a known CRS.
    public init(crs: CRS, bounds: BoundingBox) {
        self.bounds = bounds
        self.resolved = crs
    }

    /// A georeference whose CRS is that of the raster at `path`, read when first asked for.
    public init(bounds: BoundingBox, crsOf path: String) {
        self.bounds = bounds
        self.source = path
    }

    /// The CRS (nil when the file has none, or can no longer be opened).
    public var crs: CRS? {
        lock.lock()
        defer { lock.unlock() }
        if let path = source {
            resolved = (try? ChipFile.crs(of: path)) ?? nil
            source = nil
        }
        return resolved
    }

    public var description: String { "\(crs.map { "\($0)" } ?? "no CRS") \(bounds)" }
}
