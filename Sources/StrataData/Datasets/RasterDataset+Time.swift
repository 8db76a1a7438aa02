import Foundation
import StrataGeo
import StrataTensor

/// A chip as a time series: one layer per acquisition date, padded to a fixed length.
public struct SeriesSample: Sendable {
    /// [T, C, H, W] in the dataset's dtype; padding layers hold the nodata value (0 without one).
    public var image: Tensor
    /// The dates of the T layers in time order (nil for padding; a layer of files without time has an open span).
    public var dates: [TimeSpan?]
    /// [T] bool: true for real layers, false for padding.
    public var dateMask: Tensor
    /// [T, H, W] bool: the pixel was observed at that date (covered by a file, not nodata, not NaN, not cloud).
    public var valid: Tensor
    /// Dates the query met beyond `maxDates` (later ones, left out; narrow the time window to reach them).
    public var omittedDates: Int
    public var crs: CRS
    /// The query (with its time window).
    public var bounds: BoundingBox
    public var bandNames: [String]
}

/// Pixels to treat as missing because a band of the dataset says so (a cloud or quality mask among `bands`,
/// e.g. Sentinel-2's SCL with values 3, 8, 9, 10). The band stays in the samples.
public struct CloudMask: Sendable {
    public var band: String
    public var values: [Double]
    public init(band: String, values: [Double]) { self.band = band; self.values = values }
}

extension RasterDataset {
    /// How `composite(bounds:method:)` picks each pixel among the dates a query meets.
    public enum Compositing: String, Sendable, CaseIterable {
        /// The most recent date with a valid pixel.
        case latest
        /// The oldest date with a valid pixel.
        case earliest
        /// The median over the dates with a valid pixel, per band (even count: mean of the middle two).
        case median
        /// The first entry in the dataset's order (sorted file paths) with a valid pixel, whatever its date.
        case firstValid
    }

    /// One mosaic for `bounds` composited per pixel over the dates it meets (its `minT`/`maxT` select the dates).
    /// Files of the same time interval are mosaicked into one date layer first; a pixel is valid where a file
    /// covers it, no band holds nodata or NaN, and `cloudMask` does not flag it. Pixels valid at no date hold
    /// nodata (0 without one). Integer dtypes round the median to the nearest value.
    public func composite(bounds q: BoundingBox, method: Compositing, cloudMask: CloudMask? = nil) throws -> GeoSample {
        var layers = try dateLayers(q, cloudMask: cloudMask)
        if method == .firstValid { layers.sort { $0.firstScene < $1.firstScene } }
        let x = try Tensor.stack(layers.map(\.image), dim: 0)
        let v = try Tensor.stack(layers.map(\.valid), dim: 0)
        let rule: TemporalComposite.Rule = switch method {
        case .latest: .last
        case .earliest, .firstValid: .first
        case .median: .median
        }
        var out = try TemporalComposite.composite(x, valid: v, rule: rule, fill: nodata ?? 0)
        if !dtype.isFloatingPoint { out = try out.round() }
        out = try out.to(dtype)
        if isImage { return GeoSample(image: out, mask: nil, crs: crs, bounds: q, bandNames: bandNames) }
        return GeoSample(image: nil, mask: bandNames.count == 1 ? try out.squeeze(dim: 0) : out, crs: crs, bounds: q)
    }

    /// The chip for `bounds` at each date it meets (its `minT`/`maxT` select the dates), in time order, as
    /// [T, C, H, W] with T = `maxDates`: the first `maxDates` dates (narrow the time window for others), padded
    /// with nodata layers marked false in `dateMask`. Files of the same time interval form one date.
    public func series(bounds q: BoundingBox, maxDates: Int, cloudMask: CloudMask? = nil) throws -> SeriesSample {
        guard maxDates >= 1 else { throw DataError("maxDates must be at least 1, got \(maxDates)") }
        let all = try dateLayers(q, cloudMask: cloudMask)
        let layers = Array(all.prefix(maxDates))
        let (c, h, w) = (bandNames.count, layers[0].valid.shape[0], layers[0].valid.shape[1])
        var images = layers.map(\.image), valids = layers.map(\.valid)
        for _ in layers.count..<maxDates {
            images.append(try Tensor.full([c, h, w], nodata ?? 0, .init(dtype: dtype)))
            valids.append(try Tensor.zeros([h, w], .init(dtype: .bool)))
        }
        let present = (0..<maxDates).map { $0 < layers.count }
        return SeriesSample(image: try Tensor.stack(images, dim: 0),
                            dates: layers.map { Optional($0.time) }
                                + Array(repeating: nil, count: maxDates - layers.count),
                            dateMask: try Tensor(present), valid: try Tensor.stack(valids, dim: 0),
                            omittedDates: all.count - layers.count, crs: crs, bounds: q,
                            bandNames: bandNames)
    }

    /// The chip for `bounds` resampled onto fixed date `bins`: T = `bins.count` layers, slot k holding the dates
    /// whose start falls in bin k, made one layer by `pick` (a per-pixel composite, or the date nearest the bin's
    /// centre). The query's own `minT`/`maxT` are replaced by the bins' span. Bins without a date are padding
    /// (nodata, false in `dateMask`); `dates` holds, per slot, the span of the dates used (nil for padding) and
    /// `omittedDates` counts dates within the bins' span that fall in no bin (gaps between bins). Undated files
    /// count in no bin. A composite respects nodata and `cloudMask` even for a bin of one date.
    public func series(bounds q: BoundingBox, bins: DateBins, pick: BinPick = .nearest,
                       cloudMask: CloudMask? = nil) throws -> SeriesSample {
        var window = q
        window.minT = bins.span.start
        window.maxT = bins.span.end
        let all = try dateLayers(window, cloudMask: cloudMask)
        var byBin = [[DateLayer]](repeating: [], count: bins.count)
        var omitted = 0
        for l in all {
            if let s = l.time.start, let b = bins.bin(of: s) { byBin[b].append(l) } else { omitted += 1 }
        }
        let (c, h, w) = (bandNames.count, all[0].valid.shape[0], all[0].valid.shape[1])
        var images: [Tensor] = [], valids: [Tensor] = [], dates: [TimeSpan?] = []
        for (k, layers) in byBin.enumerated() {
            guard !layers.isEmpty else {
                images.append(try Tensor.full([c, h, w], nodata ?? 0, .init(dtype: dtype)))
                valids.append(try Tensor.zeros([h, w], .init(dtype: .bool)))
                dates.append(nil)
                continue
            }
            switch pick {
            case .nearest:
                let centre = bins.bins[k].center
                let best = layers.min { abs($0.time.start! - centre) < abs($1.time.start! - centre) }!
                images.append(best.image)
                valids.append(best.valid)
                dates.append(best.time)
            case .composite(let method):
                var ordered = layers
                if method == .firstValid { ordered.sort { $0.firstScene < $1.firstScene } }
                let rule: TemporalComposite.Rule = switch method {
                case .latest: .last
                case .earliest, .firstValid: .first
                case .median: .median
                }
                var out = try TemporalComposite.composite(try Tensor.stack(ordered.map(\.image), dim: 0),
                                                          valid: try Tensor.stack(ordered.map(\.valid), dim: 0),
                                                          rule: rule, fill: nodata ?? 0)
                if !dtype.isFloatingPoint { out = try out.round() }
                images.append(try out.to(dtype))
                var v = layers[0].valid
                for l in layers.dropFirst() { v = try v.logicalOr(l.valid) }
                valids.append(v)
                dates.append(TimeSpan(start: layers.compactMap(\.time.start).min(),
                                      end: layers.compactMap(\.time.end).max()))
            }
        }
        return SeriesSample(image: try Tensor.stack(images, dim: 0), dates: dates,
                            dateMask: try Tensor(dates.map { $0 != nil }), valid: try Tensor.stack(valids, dim: 0),
                            omittedDates: omitted, crs: crs, bounds: window, bandNames: bandNames)
    }

    /// One layer per distinct time interval among the entries `q` meets, in time order (undated first).
    struct DateLayer {
        let time: TimeSpan
        let firstScene: Int
        let image: Tensor   // [C, H, W], dtype
        let valid: Tensor   // [H, W] bool
    }

    func dateLayers(_ q: BoundingBox, cloudMask: CloudMask?) throws -> [DateLayer] {
        let hits = index.query(q)
        guard !hits.isEmpty else {
            throw DataError("no data in \(q) (\(crs)); the dataset covers \(bounds)")
        }
        let cloudBand = try cloudMask.map { m -> Int in
            guard let i = bandNames.firstIndex(of: m.band) else {
                throw DataError("cloud mask band \"\(m.band)\" is not among the dataset's bands \(bandNames) "
                    + "(select it in bands:)")
            }
            return i
        }
        let groups = dateGroups(hits)
        let (w, h) = pixelSize(of: q)
        return try groups.map { g in
            let image = try Tensor.empty([bandNames.count, h, w], .init(dtype: dtype))
            try read(scenes: g.scenes, bounds: q, into: try ChipBuffer(tensor: image))
            var valid = try coverage(of: g.scenes, q, width: w, height: h)
            if let nd = nodata { valid = try valid.logicalAnd(try image.ne(nd).all(dim: 0)) }
            if dtype.isFloatingPoint { valid = try valid.logicalAnd(try image.isnan().logicalNot().all(dim: 0)) }
            if let m = cloudMask, let b = cloudBand {
                let band = try image.select(dim: 0, index: b)
                for value in m.values { valid = try valid.logicalAnd(try band.ne(value)) }
            }
            let fp = scenes[g.scenes[0]].footprint
            return DateLayer(time: TimeSpan(start: fp.minT, end: fp.maxT), firstScene: g.scenes[0], image: image,
                             valid: valid)
        }
    }

    /// Index entries `hits` grouped by their exact time interval, in time order (undated first); each group's
    /// entries keep the order of `hits`.
    func dateGroups(_ hits: [Int]) -> [(key: [Double], scenes: [Int])] {
        var groups: [(key: [Double], scenes: [Int])] = []
        for s in hits {
            let fp = scenes[s].footprint
            let key = [fp.minT ?? -.infinity, fp.maxT ?? -.infinity]
            if let g = groups.firstIndex(where: { $0.key == key }) { groups[g].scenes.append(s) } else {
                groups.append((key, [s]))
            }
        }
        groups.sort { ($0.key[0], $0.key[1]) < ($1.key[0], $1.key[1]) }
        return groups
    }

    /// Reads the first `maxDates` dates `q` meets straight into `dst` (`maxDates × C` planes of the query's pixel
    /// size, date-major), filling the planes of missing dates with `padValue`. Returns the dates read (time order)
    /// and how many were left out. The loader's fast path: no validity masks, no intermediate tensors.
    func readSeries(_ q: BoundingBox, maxDates: Int, padValue: Double,
                    into dst: ChipBuffer) throws -> (dates: [TimeSpan], omitted: Int) {
        let hits = index.query(q)
        guard !hits.isEmpty else {
            throw DataError("no data in \(q) (\(crs)); the dataset covers \(bounds)")
        }
        let groups = dateGroups(hits)
        let c = bandNames.count
        let plane = dst.height * dst.width * dst.dtype.byteSize
        var dates: [TimeSpan] = []
        for (t, g) in groups.prefix(maxDates).enumerated() {
            let layer = ChipBuffer(pointer: dst.pointer + t * c * plane, dtype: dst.dtype, bandCount: c,
                                   height: dst.height, width: dst.width)
            try read(scenes: g.scenes, bounds: q, into: layer)
            let fp = scenes[g.scenes[0]].footprint
            dates.append(TimeSpan(start: fp.minT, end: fp.maxT))
        }
        if dates.count < maxDates {
            let start = dates.count * c * plane, count = (maxDates - dates.count) * c
            let pad = try Tensor.borrowing(bytes: dst.pointer + start, shape: [count, dst.height, dst.width],
                                           dtype: dst.dtype, owner: NSObject())
            try pad.fill_(padValue)
        }
        return (dates, groups.count - dates.count)
    }

    /// [H, W] bool: pixels of query `q` inside the footprint of any of `entries`.
    func coverage(of entries: [Int], _ q: BoundingBox, width: Int, height: Int) throws -> Tensor {
        var mask = [Bool](repeating: false, count: width * height)
        let rx = q.width / Double(width), ry = q.height / Double(height)
        for e in entries {
            let fp = scenes[e].footprint
            let x0 = max(0, Int(((fp.minX - q.minX) / rx).rounded()))
            let x1 = min(width, Int(((fp.maxX - q.minX) / rx).rounded()))
            let y0 = max(0, Int(((q.maxY - fp.maxY) / ry).rounded()))
            let y1 = min(height, Int(((q.maxY - fp.minY) / ry).rounded()))
            guard x0 < x1, y0 < y1 else { continue }
            for y in y0..<y1 { for x in x0..<x1 { mask[y * width + x] = true } }
        }
        return try Tensor(mask, shape: [height, width])
    }
}
