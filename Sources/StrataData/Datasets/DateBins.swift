import Foundation
import StrataGeo
import StrataTensor

/// Fixed date bins a series is resampled onto: T half-open intervals `[start, end)` in seconds since 1970 UTC, in
/// time order, not overlapping. Every sample of a binned series has the same T and the same slot meaning
/// (slot k = bin k), whatever dates each location was observed at.
public struct DateBins: Sendable, Equatable {
    public struct Bin: Sendable, Equatable {
        public var name: String
        public var start: Double, end: Double
        public init(name: String, start: Double, end: Double) { self.name = name; self.start = start; self.end = end }
        /// The middle of the bin (what `.nearest` measures distance to).
        public var center: Double { (start + end) / 2 }
    }
    public let bins: [Bin]

    /// Throws unless every bin has `start < end` and bins are in time order without overlap.
    public init(_ bins: [Bin]) throws {
        guard !bins.isEmpty else { throw DataError("date bins: give at least one bin") }
        for (i, b) in bins.enumerated() {
            guard b.start < b.end else { throw DataError("date bin \(b.name): start must be before end") }
            if i > 0, bins[i - 1].end > b.start {
                throw DataError("date bins \(bins[i - 1].name) and \(b.name) overlap or are out of time order")
            }
        }
        self.bins = bins
    }

    public var count: Int { bins.count }
    /// The whole span of the bins (a query window).
    public var span: TimeSpan { TimeSpan(start: bins.first!.start, end: bins.last!.end) }

    static func utc(_ y: Int, _ m: Int, _ d: Int = 1) -> Double {
        var c = DateComponents()
        c.year = y; c.month = m; c.day = d
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return cal.date(from: c)!.timeIntervalSince1970
    }

    /// The 12 calendar months of `year` (`2020-01` … `2020-12`).
    public static func monthly(year: Int) -> DateBins {
        // Months are in order and never overlap: the initializer cannot throw.
        try! DateBins((1...12).map { m in
            Bin(name: String(format: "%04d-%02d", year, m), start: utc(year, m),
                end: m == 12 ? utc(year + 1, 1) : utc(year, m + 1))
        })
    }

    /// The 4 meteorological seasons of `year` as SSL4Eco stacks them: spring (Mar–May), summer (Jun–Aug),
    /// autumn (Sep–Nov), winter (Dec of `year` – Feb of `year + 1`).
    public static func seasons(year: Int) -> DateBins {
        try! DateBins([Bin(name: "\(year)-spring", start: utc(year, 3), end: utc(year, 6)),
                       Bin(name: "\(year)-summer", start: utc(year, 6), end: utc(year, 9)),
                       Bin(name: "\(year)-autumn", start: utc(year, 9), end: utc(year, 12)),
                       Bin(name: "\(year)-winter", start: utc(year, 12), end: utc(year + 1, 3))])
    }

    /// The bin holding time `t` (a date layer's start), nil outside every bin.
    public func bin(of t: Double) -> Int? { bins.firstIndex { $0.start <= t && t < $0.end } }
}

/// How a date bin becomes one layer when several dates fall in it.
public enum BinPick: Sendable, Equatable {
    /// A per-pixel composite of the bin's dates (nodata and the cloud mask respected).
    case composite(RasterDataset.Compositing)
    /// The date closest to the bin's centre, as read (no per-pixel fill from other dates).
    case nearest
}
