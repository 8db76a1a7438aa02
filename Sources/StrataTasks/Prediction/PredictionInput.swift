import Foundation
import StrataData
import StrataGeo
import StrataTensor

/// One input raster of a prediction. Several inputs form one band stack (e.g. Sentinel-2 10 m and 20 m files, or
/// optical + radar): the model's bands are picked from all of them by name, and every input is read onto the
/// output grid, resampled on the fly when its CRS or pixel lattice differs.
public struct PredictionInput: Sendable {
    public var path: String
    /// Names of the file's bands in order, overriding the band descriptions stored in the file (needed when the
    /// file has none and the model's bands must be picked by name).
    public var bandNames: [String]?
    /// The CRS to assume when the file has none.
    public var crs: CRS?
    /// The value (in the file's units) of pixels without data, for every band, overriding the file's own nodata
    /// (e.g. the 0-filled corners of a Landsat scene stored without a nodata tag).
    public var nodata: Double?
    /// The date (from 1) this file belongs to, for models over several dates (change models: 1 = before, 2 = after;
    /// series models: date k). Several files of one date form that date's band stack. Nil: one file per date, in
    /// time order (series), or a single-date model.
    public var date: Int?

    public init(path: String, bandNames: [String]? = nil, crs: CRS? = nil, nodata: Double? = nil, date: Int? = nil) {
        self.path = path; self.bandNames = bandNames; self.crs = crs; self.nodata = nodata; self.date = date
    }
}

/// Which band of which input feeds each model channel.
struct BandSource: Sendable, Equatable {
    var input: Int
    /// 1-based, like GDAL.
    var band: Int
}

/// What is known about an input before reading: its grid, band names and nodata values (float32 units).
struct InputInfo: Sendable {
    var grid: GeoGrid
    var names: [String]
    var nodata: [Double?]
    var bandCount: Int
    /// `PredictionInput.date`.
    var date: Int? = nil
}

enum BandMatching {
    /// `B02` → `B2`, `b8a` → `B8A`, `nir` → `NIR`: the form band names are compared in (as model cards do).
    static func canonical(_ name: String) -> String {
        let up = name.trimmingCharacters(in: .whitespaces).uppercased()
        guard up.hasPrefix("B"), up.count > 1 else { return up }
        var rest = Substring(up.dropFirst())
        let suffix = rest.last == "A" ? "A" : ""
        if !suffix.isEmpty { rest = rest.dropLast() }
        guard !rest.isEmpty, rest.allSatisfy(\.isNumber), let n = Int(rest) else { return up }
        return "B\(n)\(suffix)"
    }

    /// Maps the model's channels onto the inputs' bands: by name when the model names its bands and every input's
    /// bands have names; otherwise positionally, when the inputs hold exactly as many bands as the model has channels.
    static func resolve(model: PredictionModel, inputs: [InputInfo], paths: [String]) throws -> [BandSource] {
        if let series = try seriesSources(model: model, inputs: inputs, paths: paths) { return series }
        let all: [(BandSource, String)] = inputs.enumerated().flatMap { i, info in
            (0..<info.bandCount).map { b in (BandSource(input: i, band: b + 1), info.names[b]) }
        }
        let named = inputs.allSatisfy { $0.names.allSatisfy { !$0.isEmpty } }
        if !model.bands.isEmpty && named {
            var out: [BandSource] = [], missing: [String] = []
            for b in model.bands {
                if let hit = all.first(where: { canonical($0.1) == canonical(b) }) { out.append(hit.0) } else { missing.append(b) }
            }
            guard missing.isEmpty else {
                throw PredictionError("the model \(model.name) needs bands [\(model.bands.joined(separator: ", "))] but the inputs lack \(missing.joined(separator: ", ")) (they have [\(all.map(\.1).joined(separator: ", "))]); add an input holding them, or name the inputs' bands (--input-bands) if their descriptions are wrong")
            }
            return out
        }
        guard all.count == model.channels else {
            let what = model.bands.isEmpty ? "" : " [\(model.bands.joined(separator: ", "))]"
            throw PredictionError("the model \(model.name) takes \(model.channels) bands\(what) but the inputs (\(paths.joined(separator: ", "))) hold \(all.count) band(s)\(named ? "" : " without names") to take in order; name the inputs' bands (--input-bands B1,B2,…) so the model's bands can be picked by name, or pass inputs with exactly the model's bands")
        }
        return all.map(\.0)
    }
}

extension BandMatching {
    /// `NAME@k` → (NAME, k): a band of date k (from 1) of a series model (`SeriesDataset.bandNames`).
    static func seriesBand(_ name: String) -> (String, Int)? {
        guard let at = name.lastIndex(of: "@"), let k = Int(name[name.index(after: at)...]), k >= 1 else { return nil }
        return (String(name[..<at]), k)
    }

    /// For a model over several dates (every band named `NAME@k`: series models, and change models, whose
    /// `PredictionModel` names date 1's bands `NAME@1` and date 2's `NAME@2`): band `NAME@k` comes from the inputs
    /// of date k — by name when their bands are named, else the band at NAME's position among the model's bands of
    /// one date, counted through date k's files in order. Inputs with a `date` are grouped by it (several files form
    /// one date's band stack); without dates, input k is date k (one file per date, in time order). Nil for other
    /// models.
    static func seriesSources(model: PredictionModel, inputs: [InputInfo], paths: [String]) throws -> [BandSource]? {
        let parsed = model.bands.map(seriesBand)
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        let bands = parsed.map { $0! }
        let t = bands.map(\.1).max()!
        let pair = model.kind == .change || model.kind == .semanticChange
        func dateName(_ k: Int) -> String {
            pair ? (k == 1 ? "date 1 (--before)" : "date 2 (--after)") : "date \(k)"
        }
        let groups: [[Int]]
        if inputs.contains(where: { $0.date != nil }) {
            if let i = inputs.firstIndex(where: { $0.date == nil || $0.date! < 1 || $0.date! > t }) {
                throw PredictionError("input \(paths[i]) has \(inputs[i].date.map { "date \($0)" } ?? "no date") but "
                    + "the model \(model.name) takes dates 1…\(t)"
                    + (pair ? ": pass the first date's files with --before and the second's with --after" : ""))
            }
            groups = (1...t).map { k in inputs.indices.filter { inputs[$0].date == k } }
            if let k = groups.firstIndex(where: \.isEmpty) {
                throw PredictionError("the model \(model.name) compares \(t) dates but no input was given for "
                    + "\(dateName(k + 1))" + (pair ? "; pass both --before and --after" : ""))
            }
        } else {
            guard inputs.count == t else {
                throw PredictionError("the model \(model.name) takes a series of \(t) dates: give \(t) inputs, one file "
                    + "per date in time order (got \(inputs.count): \(paths.joined(separator: ", ")))"
                    + (pair ? "; for a change model pass --before and --after" : ""))
            }
            groups = (0..<t).map { [$0] }
        }
        let perDate = bands.filter { $0.1 == 1 }.map(\.0)
        return try bands.map { name, k in
            let group = groups[k - 1]
            if group.allSatisfy({ inputs[$0].names.allSatisfy { !$0.isEmpty } }) {
                for i in group {
                    if let b = inputs[i].names.firstIndex(where: { canonical($0) == canonical(name) }) {
                        return BandSource(input: i, band: b + 1)
                    }
                }
            }
            let total = group.reduce(0) { $0 + inputs[$1].bandCount }
            let files = group.map { paths[$0] }.joined(separator: ", ")
            guard total == perDate.count, var pos = perDate.firstIndex(of: name) else {
                throw PredictionError("\(dateName(k)) (\(files)) has no band named \(name) and does not hold exactly "
                    + "the model's \(perDate.count) bands of one date [\(perDate.joined(separator: ", "))] to take in "
                    + "order (it holds \(total)); name its bands ("
                    + (pair ? (k == 1 ? "--before-bands" : "--after-bands") : "--input-bands")
                    + ") or pass files with those bands")
            }
            for i in group {
                if pos < inputs[i].bandCount { return BandSource(input: i, band: pos + 1) }
                pos -= inputs[i].bandCount
            }
            throw PredictionError("band position out of range (a bug in band matching)")
        }
    }
}

/// Reads chips of the band stack on the output grid into batch memory, normalised, with a validity mask. One per
/// reader thread (GDAL datasets are opened per thread).
final class ChipReader {
    private let rasters: [Raster]
    private let dataset: (any GeoDataset)?
    private let grid: GeoGrid
    /// Per input: the 1-based bands to read and the model channels they fill.
    private let reads: [(input: Int, bands: [Int], channels: [Int])]
    private let nodata: [Float?]  // per channel (float32 units)
    private let scale: [Float], offset: [Float]
    private let resampling: Resampling
    let channels: Int

    init(inputs: [PredictionInput], infos: [InputInfo], sources: [BandSource], grid: GeoGrid, scale: [Double],
         offset: [Double], resampling: Resampling) throws {
        rasters = try inputs.map { try Raster(path: $0.path, crs: $0.crs) }
        dataset = nil
        self.grid = grid
        var reads: [(Int, [Int], [Int])] = []
        for i in inputs.indices {
            let mine = sources.enumerated().filter { $0.element.input == i }
            if !mine.isEmpty { reads.append((i, mine.map(\.element.band), mine.map(\.offset))) }
        }
        self.reads = reads
        nodata = sources.map { s in infos[s.input].nodata[s.band - 1].map(Float.init) }
        self.scale = scale.map(Float.init)
        self.offset = offset.map(Float.init)
        channels = sources.count
        self.resampling = resampling
    }

    /// Chips from a dataset already aligned to `grid`'s lattice (its channels are the bands of input 0).
    init(dataset: any GeoDataset, sources: [BandSource], grid: GeoGrid, scale: [Double], offset: [Double]) {
        rasters = []
        self.dataset = dataset
        self.grid = grid
        reads = [(0, sources.map(\.band), Array(sources.indices))]
        nodata = sources.map { _ in dataset.nodata.map(Float.init) }
        self.scale = scale.map(Float.init)
        self.offset = offset.map(Float.init)
        channels = sources.count
        resampling = .nearest
    }

    /// Reads `window` (on the output grid) into `dst` (channels planes of window.height × window.width floats) and
    /// `valid` (window.height × window.width bytes, 1 = data in every channel). Invalid pixels are set to 0 in every
    /// channel after normalisation (the mean, for mean/std normalisation).
    func read(_ window: PixelWindow, into dst: UnsafeMutablePointer<Float>, valid: UnsafeMutablePointer<UInt8>) throws {
        let plane = window.width * window.height
        let sub = grid.subgrid(window)
        valid.update(repeating: 1, count: plane)
        for r in reads {
            let t: Tensor
            let planes: [Int]  // source plane of each channel in r.channels
            if let dataset {
                t = try readDataset(dataset, bounds: sub.bounds, window: window)
                planes = r.bands.map { $0 - 1 }
            } else {
                // One warped view per input on the output lattice: a pixel's value does not depend on the chip it is
                // read in.
                t = try rasters[r.input].read(onto: sub, bands: r.bands, resampling: resampling, as: .float32, fill: .nan,
                                              warp: .sharedLattice)
                planes = Array(r.bands.indices)
            }
            guard let src = t.dataPointer?.assumingMemoryBound(to: Float.self) else {
                throw PredictionError("reading chip \(window) gave no CPU data")
            }
            // Branch-free loops (they vectorise): normalise every value, mark NaN and nodata invalid.
            for (k, ch) in r.channels.enumerated() {
                let s = src + planes[k] * plane, d = dst + ch * plane
                let a = scale[ch], b = offset[ch]
                if let nd = nodata[ch] {
                    for i in 0..<plane {
                        let v = s[i]
                        d[i] = v * a + b
                        valid[i] &= (v == v && v != nd) ? 1 : 0
                    }
                } else {
                    for i in 0..<plane {
                        let v = s[i]
                        d[i] = v * a + b
                        valid[i] &= v == v ? 1 : 0
                    }
                }
            }
            withExtendedLifetime(t) {}
        }
        // Pixels missing in any channel carry no data in all of them.
        var all: UInt8 = 1
        for i in 0..<plane { all &= valid[i] }
        if all == 0 {
            for ch in 0..<channels {
                let d = dst + ch * plane
                for i in 0..<plane where valid[i] == 0 { d[i] = 0 }
            }
        }
    }

    /// A dataset sample as float32 `[C, h, w]` (a mask layer, if the dataset has one, is read and dropped).
    private func readDataset(_ ds: any GeoDataset, bounds: BoundingBox, window: PixelWindow) throws -> Tensor {
        let l = try ds.layout(for: bounds)
        guard let c = l.imageChannels, l.width == window.width, l.height == window.height else {
            throw PredictionError("the dataset gives \(l.imageChannels.map { "\($0)-band" } ?? "no") images of \(l.width)×\(l.height) for a \(window.width)×\(window.height) chip; prediction needs an image dataset on the output grid's lattice")
        }
        let image = try Tensor.empty([c, l.height, l.width], .init(dtype: l.imageDType))
        let mask = try l.maskChannels.map { n in
            try Tensor.empty(n == 0 ? [l.height, l.width] : [n, l.height, l.width], .init(dtype: l.maskDType))
        }
        try ds.read(bounds: bounds, into: SampleBuffers(image: try ChipBuffer(tensor: image), mask: try mask.map(ChipBuffer.init(tensor:))))
        return try image.to(.float32).contiguous()
    }
}
