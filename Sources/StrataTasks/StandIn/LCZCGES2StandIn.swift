import Foundation
import StrataData
import StrataGeo
import StrataModels
import StrataTensor

/// Builds a **stand-in** for DF4LCZ's LCZC-GES2 dataset from real imagery that is available offline, in LCZC-GES2's
/// exact layout (see `LCZCGES2`), so `task: lcz-fusion` can be trained end to end without the real data.
///
/// What is real and what stands in (also written to `STANDIN.md` in the output):
/// - **Sentinel-2 stream — real imagery, same format**: 32 × 32 × 10 patches cut on a stride-32 grid from the OSCD
///   Sentinel-2 L1C scenes (`<oscd>/images/<city>/imgs_<date>/…_B??.tif`; 13 bands at 10/20/60 m, every band read
///   onto its B02 10 m grid with `resampling`), bands B02 B03 B04 B05 B06 B07 B08 B8A B11 B12 as So2Sat LCZ42, stored
///   as the So2Sat demo's reflectance (`Float16(DN)/10000`, float32, channels last).
/// - **Labels — pseudo-labels**: the argmax of the real So2Sat LCZ42 ResNet20 (Keras weights) on each patch, not
///   LCZC-GES2's polygon labels. They are what one model predicts, not ground truth.
/// - **High-resolution stream — a stand-in**: LCZC-GES2 pairs each patch with a 320 × 320 Google Earth image at
///   1 m; here it is the patch's own 10 m true-colour RGB (B04, B03, B02; reflectance 0…`rgbStretch` → 0…255)
///   resampled bilinearly to 320 × 320 — the same area, 32 times coarser detail. Masks come from Felzenszwalb
///   (DF4LCZ uses SAM, whose weights are not available offline), graphs from `SegmentGraph` (DF4LCZ's rules).
/// - **Graph files**: `x` as DF4LCZ's node features, `a` the centre distances in pixels (as DF4LCZ's `cdist`),
///   `y` the one-hot label (DF4LCZ's encoding of `y` is not documented), `e` an empty array (DF4LCZ's is not
///   documented either; Strata never reads it).
/// - **Split**: a seeded stratified random split of all patches (`partition_random.npz`, a pickled dict as DF4LCZ's).
public enum LCZCGES2StandIn {
    public struct Options: Sendable {
        /// The OSCD root (holding `images/<city>/imgs_1/`).
        public var oscdRoot: String
        /// The So2Sat ResNet20 Sentinel-2 weights (`S2_RESNET20_…h5`).
        public var weights: String
        public var output: String
        /// Cities (folders of `<oscd>/images`); nil: every city there.
        public var cities: [String]? = nil
        /// OSCD date 1 or 2.
        public var date = 1
        /// How the 20 m / 60 m bands are brought onto the 10 m grid.
        public var resampling: Resampling = .bilinear
        /// At most this many patches per city (nil: all), taken in row-major order.
        public var maxChipsPerCity: Int? = nil
        /// Felzenszwalb parameters on the 320 × 320 RGB.
        public var scale = 100.0, sigma = 0.5, minSize = 50
        public var fractions = try! SplitFractions(train: 0.6, val: 0.2, test: 0.2)
        public var seed: UInt64 = 0
        /// Reflectance shown as 255 in the 8-bit RGB.
        public var rgbStretch = 0.3

        public init(oscdRoot: String, weights: String, output: String) {
            self.oscdRoot = oscdRoot
            self.weights = weights
            self.output = output
        }
    }

    /// One built sample.
    public struct Sample: Sendable {
        public var number: Int
        public var city: String
        /// Top-left pixel of the patch in the city's 10 m grid.
        public var row: Int, col: Int
        /// LCZ label 1…17 (pseudo-label) and the model's probability of it.
        public var label: Int
        public var probability: Double
        public var nodes: Int
    }

    static let bandSuffixes = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11",
                               "B12"]
    /// So2Sat's ten bands in the 13-band order above.
    static let so2satBands = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12]

    /// Builds the layout under `options.output` (which must not hold files yet); returns the samples.
    @discardableResult
    public static func build(_ o: Options, log: (String) -> Void = { print($0) }) throws -> [Sample] {
        let out = URL(fileURLWithPath: o.output)
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: out.path), !existing.isEmpty {
            throw TrainingError("lcz-standin: \(out.path) is not empty; choose a new --output")
        }
        for sub in [LCZCGES2.patchFolder, LCZCGES2.graphFolder, "patches_split"] {
            try fm.createDirectory(at: out.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let imagesRoot = (o.oscdRoot as NSString).appendingPathComponent("images")
        let cities = try o.cities ?? fm.contentsOfDirectory(atPath: imagesRoot).filter { name in
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: (imagesRoot as NSString).appendingPathComponent(name), isDirectory: &isDir)
                && isDir.boolValue
        }.sorted()
        guard !cities.isEmpty else { throw TrainingError("lcz-standin: no city folders in \(imagesRoot)") }

        let model = try So2SatResNetV2()
        try model.loadKerasWeights(o.weights)
        model.eval()
        let segmenter = try Felzenszwalb(scale: o.scale, sigma: o.sigma, minSize: o.minSize)
        var samples: [Sample] = []
        for city in cities {
            let dn = try readCity(imagesRoot, city: city, date: o.date, resampling: o.resampling)
            let reflectance = try So2SatResNetV2.sentinel2Reflectance(
                fromDN: dn.indexSelect(dim: 0, index: Tensor(so2satBands)))
            let (h, w) = (reflectance.size(1), reflectance.size(2))
            var origins: [(Int, Int)] = []
            for r in 0..<(h / 32) { for c in 0..<(w / 32) { origins.append((r * 32, c * 32)) } }
            if let m = o.maxChipsPerCity { origins = Array(origins.prefix(m)) }
            guard !origins.isEmpty else { log("lcz-standin: \(city) is smaller than 32 × 32 px; skipped"); continue }
            let chips = try Tensor.stack(origins.map { r, c in
                try reflectance.narrow(dim: 1, start: r, length: 32).narrow(dim: 2, start: c, length: 32)
            }).contiguous()
            let probs = try Torch.noGrad {
                try Tensor.cat(stride(from: 0, to: chips.size(0), by: 64).map { s in
                    try model.probabilities(chips.narrow(dim: 0, start: s, length: min(64, chips.size(0) - s)))
                })
            }
            let best = try probs.max(dim: 1)
            let labels = try best.indices.ints(), pmax = try best.values.doubles()
            for (k, (r, c)) in origins.enumerated() {
                let number = samples.count
                let chip = try chips.narrow(dim: 0, start: k, length: 1).squeeze(dim: 0)
                let graph = try highResolutionGraph(chip, segmenter: segmenter, stretch: o.rgbStretch,
                                                    label: labels[k])
                try writeSample(out, number: number, chip: chip, label: labels[k] + 1, graph: graph)
                samples.append(Sample(number: number, city: city, row: r, col: c, label: labels[k] + 1,
                                      probability: pmax[k], nodes: graph.nodeCount))
            }
            log("lcz-standin: \(city): \(origins.count) patches (\(w)×\(h) px at 10 m)")
        }
        let strata = samples.map(\.label)
        let split = DatasetSplit.allCases.filter { $0 != .all }.map { s in
            (LCZCGES2.splitKeys[s]!,
             StratifiedSplit.indices(of: s, strata: strata, fractions: o.fractions, seed: o.seed))
        }
        try PythonPickle.writeIndexLists(split, to: out.appendingPathComponent(LCZCGES2.defaultPartition).path)
        try writeManifest(out, samples: samples, options: o, cities: cities)
        log("lcz-standin: \(samples.count) samples, split "
            + split.map { "\($0.0) \($0.1.count)" }.joined(separator: ", ")
            + " → \(out.path)")
        return samples
    }

    /// The 13 bands of one OSCD scene on its B02 10 m grid, as float32 digital numbers `[13, H, W]`.
    static func readCity(_ imagesRoot: String, city: String, date: Int, resampling: Resampling) throws -> Tensor {
        let dir = "\(imagesRoot)/\(city)/imgs_\(date)"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        func path(_ band: String) throws -> String {
            guard let f = files.first(where: { $0.hasSuffix("_\(band).tif") }) else {
                throw TrainingError("lcz-standin: no …_\(band).tif in \(dir) (OSCD's per-band Sentinel-2 files)")
            }
            return "\(dir)/\(f)"
        }
        let reference = try Raster(path: try path("B02"))
        guard let crs = reference.crs else { throw TrainingError("lcz-standin: \(dir)/…_B02.tif has no CRS") }
        let grid = try reference.grid(assuming: crs)
        return try Tensor.cat(bandSuffixes.map { b in
            try Raster(path: try path(b)).read(onto: grid, bands: [1], resampling: resampling, as: .float32)
        })
    }

    /// The stand-in high-resolution image of a patch (`[10, 32, 32]` reflectance): its RGB stretched to 8 bits and
    /// resampled to 320 × 320, segmented, and made a DF4LCZ graph.
    static func highResolutionGraph(_ chip: Tensor, segmenter: Felzenszwalb, stretch: Double,
                                    label: Int) throws -> SegmentGraph {
        let rgb = try chip.indexSelect(dim: 0, index: Tensor([2, 1, 0])).unsqueeze(0)  // B04, B03, B02
        let big = try rgb.interpolate(size: [320, 320], mode: .bilinear, alignCorners: false).squeeze(dim: 0)
        let bytes = try (big * (255 / stretch)).clamp(min: 0, max: 255).round().to(.uint8)
        let labels = try segmenter.segment(bytes)
        return try SegmentGraph(image: bytes, labels: labels, label: label)
    }

    static func writeSample(_ out: URL, number: Int, chip: Tensor, label: Int, graph: SegmentGraph) throws {
        let patch = out.appendingPathComponent("\(LCZCGES2.patchFolder)/sen2_image_\(number).npz").path
        try NPZ.write([("image", try chip.permute(1, 2, 0).contiguous()),
                       ("label", try Tensor([Int64(label)]).reshape([]))], to: patch)
        // DF4LCZ's `a`: distances between node centres in pixels (x holds the centres divided by 320).
        let centres = try graph.x.narrow(dim: 1, start: 3, length: 2).to(.float64) * 320.0
        let d = try centres.unsqueeze(1) - centres.unsqueeze(0)
        let a = try (d * d).sum(dim: 2).sqrt()
        var y = [Float](repeating: 0, count: 17)
        y[label - 1] = 1
        let g = out.appendingPathComponent("\(LCZCGES2.graphFolder)/graph_\(number).npz").path
        try NPZ.write([("x", graph.x), ("a", a), ("e", try Tensor.zeros([0])), ("y", try Tensor(y))], to: g)
    }

    static func writeManifest(_ out: URL, samples: [Sample], options o: Options, cities: [String]) throws {
        var csv = "number,city,row,col,lcz_label,probability,nodes\n"
        for s in samples {
            let p = String(format: "%.6f", s.probability)
            csv += "\(s.number),\(s.city),\(s.row),\(s.col),\(s.label),\(p),\(s.nodes)\n"
        }
        try AtomicFile.write(Data(csv.utf8), to: out.appendingPathComponent("samples.csv"))
        var counts = [Int](repeating: 0, count: 17)
        for s in samples { counts[s.label - 1] += 1 }
        let table = zip(LCZCGES2.classNames, counts).enumerated().map { i, e in
            "| \(i < 10 ? String(i + 1) : String(UnicodeScalar(UInt8(65 + i - 10)))) \(e.0) | \(e.1) |"
        }.joined(separator: "\n")
        let text = """
            # LCZC-GES2 stand-in (built by `strata lcz-standin`)

            This folder has the layout of DF4LCZ's LCZC-GES2 but is **not LCZC-GES2**. It exists so that DF4LCZ's
            two-stream fusion can be trained and tested offline. What stands in for what:

            - **Sentinel-2 patches (real imagery)**: 32×32×10 patches cut on a stride-32 grid from the OSCD Sentinel-2 \
            L1C scenes of \(cities.joined(separator: ", ")) (date \(o.date)); the 13 bands at 10/20/60 m read onto each \
            scene's B02 10 m grid (\(o.resampling.rawValue) resampling); bands B02 B03 B04 B05 B06 B07 B08 B8A B11 B12 \
            (So2Sat LCZ42's), stored as reflectance `Float16(DN)/10000` (float32, channels last).
            - **Labels are pseudo-labels**: the argmax of the real So2Sat LCZ42 ResNet20 (\((o.weights as NSString).lastPathComponent)) \
            on each patch, not LCZC-GES2's polygon labels; `samples.csv` gives each patch's probability.
            - **The high-resolution stream is a stand-in**: instead of a 320×320 Google Earth image at 1 m, the patch's \
            own 10 m RGB (B04, B03, B02; reflectance 0–\(o.rgbStretch) stretched to 0–255) resampled bilinearly to \
            320×320 — the same area with 32 times less detail. Masks: Felzenszwalb (scale \(o.scale), sigma \(o.sigma), \
            min size \(o.minSize)) instead of SAM. Graphs: DF4LCZ's rules (masks ≥ 50 px, the 50 largest, mean RGB + \
            box centre / 320, complete graph without self-loops).
            - **Graph files**: `x` node features, `a` centre distances in pixels, `y` one-hot label, `e` empty \
            (DF4LCZ's `e` and `y` encodings are not documented; Strata reads neither).
            - **Split**: `patches_split/partition_random.npz` is a pickled dict (as DF4LCZ's) of a seeded stratified \
            random split (seed \(o.seed), \(o.fractions)).

            \(samples.count) patches. Pseudo-label counts:

            | LCZ | patches |
            |---|---:|
            \(table)

            """
        try AtomicFile.write(Data(text.utf8), to: out.appendingPathComponent("STANDIN.md"))
    }
}
