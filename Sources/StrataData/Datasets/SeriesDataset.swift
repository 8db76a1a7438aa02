import Foundation
import StrataGeo
import StrataTensor

/// A `RasterDataset` seen as a dataset of time series: every query reads the chip at each date (or date bin) and
/// returns them as one image of `T × C` channels, date-major (`[T·C, H, W]`; `[T, C, H, W]` in memory). This is the
/// one-tensor form the trainer, evaluator and predictor move (as `ChangeModel` stacks a pair on channels);
/// `GeoDataLoader` batches of a `SeriesDataset` also carry the `[B, T, C, H, W]` view, the dates and the date mask
/// (`GeoBatch.series`).
///
/// - Time: queries' own `minT`/`maxT` are ignored; the series spans `timeRange` (or the bins). The index has each
///   distinct footprint of the base once, undated, so samplers place chips in space only (a grid sampler gives
///   each location once, not once per date).
/// - T: with `bins`, `bins.count` (each bin one layer, by `pick`); else `maxDates`, the first dates in time order
///   (later ones left out), padded.
/// - Padding (dates missing at a location, empty bins) holds `padValue`: NaN by default for float dtypes, so the
///   input pipeline's NaN-to-zero after normalisation gives padded dates the value temporal models treat as
///   padding (U-TAE's `pad_value = 0` convention), and statistics skip them.
/// - `cloudMask` applies where dates are composited (bins with `.composite`).
public final class SeriesDataset: GeoDataset, @unchecked Sendable {
    public let base: RasterDataset
    public let maxDates: Int
    public let bins: DateBins?
    public let pick: BinPick
    public let timeRange: TimeSpan
    public let cloudMask: CloudMask?
    public let padValue: Double
    public let index: SpatialIndex

    public init(_ base: RasterDataset, maxDates: Int? = nil, bins: DateBins? = nil, pick: BinPick = .nearest,
                timeRange: TimeSpan = TimeSpan(), cloudMask: CloudMask? = nil, padValue: Double? = nil) throws {
        guard base.isImage else { throw DataError("a series dataset needs an image dataset (isImage: true)") }
        if let bins {
            if let maxDates, maxDates != bins.count {
                throw DataError("series: max_dates \(maxDates) and \(bins.count) date bins disagree; give one of them")
            }
            if timeRange.start != nil || timeRange.end != nil {
                throw DataError("series: a time range and date bins both given; the bins set the time window")
            }
        } else {
            guard let maxDates, maxDates >= 1 else {
                throw DataError("series: give max_dates (≥ 1) or date bins")
            }
        }
        if case .composite = pick, bins == nil {
            throw DataError("series: compositing (pick) applies to date bins only; give bins or drop the pick")
        }
        if cloudMask != nil, bins == nil || pick == .nearest {
            throw DataError("series: a cloud mask applies where dates are composited (bins with a composite pick)")
        }
        self.base = base
        self.maxDates = bins?.count ?? maxDates!
        self.bins = bins
        self.pick = pick
        self.timeRange = bins?.span ?? timeRange
        self.cloudMask = cloudMask
        self.padValue = padValue ?? (base.dtype.isFloatingPoint ? .nan : (base.nodata ?? 0))
        var seen = Set<[Double]>(), footprints: [BoundingBox] = []
        for e in base.index.entries {
            let key = [e.minX, e.minY, e.maxX, e.maxY]
            guard seen.insert(key).inserted else { continue }
            footprints.append(BoundingBox(minX: e.minX, minY: e.minY, maxX: e.maxX, maxY: e.maxY))
        }
        index = SpatialIndex(footprints)
    }

    public var crs: CRS { base.crs }
    public var resolution: (x: Double, y: Double) { base.resolution }
    public var nodata: Double? { base.nodata }
    /// `T × C` names, date-major: `B01@1 … B12@1, B01@2 …` (slot numbers from 1).
    public var bandNames: [String] { Self.seriesBandNames(base.bandNames, dates: maxDates) }
    /// The base's band names (one date).
    public var bandsPerDate: [String] { base.bandNames }

    /// Band names of a `dates`-slot series of `bands`, date-major: `NAME@k`, k = 1…dates.
    public static func seriesBandNames(_ bands: [String], dates: Int) -> [String] {
        (1...max(1, dates)).flatMap { k in bands.map { "\($0)@\(k)" } }
    }

    func window(_ q: BoundingBox) -> BoundingBox {
        var w = q
        w.minT = timeRange.start
        w.maxT = timeRange.end
        return w
    }

    public func layout(for bounds: BoundingBox) throws -> SampleLayout {
        let (w, h) = pixelSize(of: bounds)
        return SampleLayout(imageChannels: maxDates * base.bandNames.count, imageDType: base.dtype, maskChannels: nil,
                            height: h, width: w)
    }

    public func read(bounds: BoundingBox, into buffers: SampleBuffers) throws {
        _ = try readDated(bounds: bounds, into: buffers)
    }

    /// Reads one sample and returns its dates per slot (nil: padding) and how many dates were left out.
    func readDated(bounds: BoundingBox, into buffers: SampleBuffers) throws -> (dates: [TimeSpan?], omitted: Int) {
        guard let dst = buffers.image else { throw DataError("SeriesDataset.read: no image buffer given") }
        let q = window(bounds)
        guard let bins else {
            let (dates, omitted) = try base.readSeries(q, maxDates: maxDates, padValue: padValue, into: dst)
            return (dates.map(Optional.some) + Array(repeating: nil, count: maxDates - dates.count), omitted)
        }
        var s = try base.series(bounds: q, bins: bins, pick: pick, cloudMask: cloudMask)
        if padValue.isNaN || padValue != (base.nodata ?? 0) {
            // Padding slots carry padValue (series() fills them with nodata).
            let pad = try s.dateMask.logicalNot().view([maxDates, 1, 1, 1]).expand(s.image.shape)
            s.image = try s.image.maskedFill(pad, padValue)
        }
        let out = try Tensor.borrowing(bytes: dst.pointer, shape: s.image.shape, dtype: dst.dtype, owner: NSObject())
        try out.copy_(s.image)
        return (s.dates, s.omittedDates)
    }

    /// The sample for `bounds` as a `SeriesSample` (dates, date mask, per-pixel validity).
    public func series(bounds: BoundingBox) throws -> SeriesSample {
        if let bins { return try base.series(bounds: window(bounds), bins: bins, pick: pick, cloudMask: cloudMask) }
        return try base.series(bounds: window(bounds), maxDates: maxDates)
    }

    public func aligned(to target: GridTarget) throws -> any GeoDataset {
        guard let b = try base.aligned(to: target) as? RasterDataset else {
            throw DataError("series: the base dataset could not be re-targeted")
        }
        return try SeriesDataset(b, maxDates: bins == nil ? maxDates : nil, bins: bins, pick: pick,
                                 timeRange: bins == nil ? timeRange : TimeSpan(), cloudMask: cloudMask,
                                 padValue: padValue)
    }
}
