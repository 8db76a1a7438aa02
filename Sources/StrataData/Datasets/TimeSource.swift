import Foundation
import StrataGeo

/// Where a `RasterDataset` takes each file's acquisition time from. The time becomes the file's (scene's) interval
/// in the spatio-temporal `index`; files without a time span all time (they match every time window).
public enum TimeSource: Sendable {
    /// The `filenameRegex` groups `date` (or `start` / `stop`), parsed with `dateFormat` (the default; files
    /// without such groups, or without a regex, span all time).
    case fileName
    /// Each file's GDAL metadata (`ACQUISITIONDATETIME`, `TIFFTAG_DATETIME`, … — see `AcquisitionTime`); a date
    /// parsed from the file name wins where both exist. Files whose metadata states no time span all time.
    case metadata
    /// Given per file: keys are paths (as given or as found) or bare file names; files not listed span all time.
    case given([String: TimeSpan])

    /// The time of one file under this source, given what its name said.
    func time(path: String, fromName: (Double?, Double?), raster: () throws -> Raster) throws -> (Double?, Double?) {
        switch self {
        case .fileName:
            return fromName
        case .metadata:
            if fromName.0 != nil || fromName.1 != nil { return fromName }
            guard let t = try raster().acquisitionTime() else { return (nil, nil) }
            return (t.start, t.end)
        case .given(let table):
            let std = (path as NSString).standardizingPath
            let hit = table[path] ?? table[std] ?? table[(path as NSString).lastPathComponent]
                ?? table.first { ($0.key as NSString).standardizingPath == std }?.value
            guard let span = hit else { return (nil, nil) }
            if let a = span.start, let b = span.end, a > b {
                throw DataError("the time given for \(path) ends before it starts (\(span))")
            }
            return (span.start, span.end)
        }
    }
}
