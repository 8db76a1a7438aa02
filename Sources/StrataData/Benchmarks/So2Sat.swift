import Foundation
import StrataTensor

/// So2Sat LCZ42 (Zhu et al. 2020): 32 × 32 chips of co-registered Sentinel-1 and Sentinel-2 data labelled with one of
/// 17 local climate zones, read from the dataset's own HDF5 files.
///
/// Each file holds `sen1` `[N, 32, 32, 8]`, `sen2` `[N, 32, 32, 10]` (float64, channels last) and `label`
/// `[N, 17]` (one-hot). Chips are read one row at a time (an HDF5 hyperslab, never the whole array) and come out
/// channels-first as float32 `[C, 32, 32]`; the labels are read once, in blocks, when the dataset opens. The
/// chips carry no georeferencing (the files have none).
///
/// Layouts (TorchGeo's names): version 2 — `<root>/training.h5`, `validation.h5`, `testing.h5` (the official
/// splits); version 3 — `<root>/{random,block,culture_10}/training.h5` and `testing.h5`, where val is a seeded
/// stratified `valFraction` of training.h5 and train the rest. A `root` that is one `.h5` file is split with a seeded
/// stratified split by `fractions`.
public final class So2Sat: ChipDataset {
    public enum Version: String, Sendable, CaseIterable {
        case v2 = "2", v3Random = "3_random", v3Block = "3_block", v3Culture10 = "3_culture_10"
        var subfolder: String? {
            switch self {
            case .v2: nil
            case .v3Random: "random"
            case .v3Block: "block"
            case .v3Culture10: "culture_10"
            }
        }
    }

    /// Sentinel-1 channels of `sen1` (real/imaginary parts of the unfiltered VH and VV, Lee-filtered intensities and
    /// the Lee-filtered VH–VV covariance), in file order.
    public static let sen1BandNames = ["VH_real", "VH_imag", "VV_real", "VV_imag", "VH_lee", "VV_lee",
                                       "VHVV_lee_real", "VHVV_lee_imag"]
    /// Sentinel-2 channels of `sen2` (reflectance), in file order.
    public static let sen2BandNames = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]
    /// `sen1` then `sen2` channels.
    public static let allBandNames = sen1BandNames + sen2BandNames
    /// The 17 local climate zones, in label order (LCZ 1–10 built types, A–G land cover).
    public static let classNames = ["Compact high-rise", "Compact mid-rise", "Compact low-rise", "Open high-rise",
                                    "Open mid-rise", "Open low-rise", "Lightweight low-rise", "Large low-rise",
                                    "Sparsely built", "Heavy industry", "Dense trees", "Scattered trees", "Bush, scrub",
                                    "Low plants", "Bare rock or paved", "Bare soil or sand", "Water"]
    static let fileNames: [DatasetSplit: String] = [.train: "training.h5", .val: "validation.h5", .test: "testing.h5"]

    static let downloadHint = """
        Download So2Sat LCZ42 from https://mediatum.ub.tum.de/1483140 (version 2: training.h5, validation.h5, \
        testing.h5; e.g. wget ftp://m1483140:m1483140@dataserv.ub.tum.de/<name>.h5) or \
        https://mediatum.ub.tum.de/1613658 (version 3: random/, block/, culture_10/ each with training.h5 and \
        testing.h5) and put the files in the root
        """

    /// The HDF5 file the chips come from.
    public let path: String
    public let version: Version
    public let split: DatasetSplit
    public let bandNames: [String]
    /// Rows of the file in this split, ascending.
    public let rows: [Int]
    /// Class index of each chip.
    public let classIndices: [Int]
    /// How the split was chosen.
    public let splitSource: String
    let file: HDF5File
    let sen1Channels: [Int], sen2Channels: [Int]
    /// Where each output channel comes from: (0 = sen1 / 1 = sen2, channel).
    let channelSources: [(Int, Int)]
    public var classNames: [String] { Self.classNames }
    public var task: TaskKind { .classification }
    public var count: Int { rows.count }

    /// - Parameters:
    ///   - root: the folder holding the version's files, or one `.h5` file.
    ///   - split: `.train`, `.val`, `.test` (or `.all`: every row of the split's file — training.h5 for v3's val).
    ///   - version: the release layout.
    ///   - bands: channel names in the order wanted (from `allBandNames`; nil = the 10 Sentinel-2 bands).
    ///   - valFraction: the stratified validation share of training.h5 for version 3.
    ///   - fractions, seed: the split of a single `.h5` file, and the seed of every stratified split.
    public init(root: String, split: DatasetSplit = .train, version: Version = .v2, bands: [String]? = nil,
                valFraction: Double = 0.2, fractions: SplitFractions = .standard, seed: UInt64 = 0) throws {
        let rootPath = ChipFiles.absolute(root)
        let (names, _) = try ChipFiles.bandIndices(bands ?? Self.sen2BandNames, available: Self.allBandNames, dataset: "So2Sat")
        let sources = names.map { n -> (Int, Int) in
            if let i = Self.sen1BandNames.firstIndex(of: n) { return (0, i) }
            return (1, Self.sen2BandNames.firstIndex(of: n)!)
        }

        // Which file, and which of its rows.
        var filePath: String
        var selection: ((_ strata: [Int]) -> (rows: [Int], source: String))? = nil
        if ChipFiles.isFile(rootPath) {
            filePath = rootPath
            selection = { strata in
                (StratifiedSplit.indices(of: split, strata: strata, fractions: fractions, seed: seed),
                 split == .all ? "all rows" : "seeded stratified split (seed \(seed), \(fractions))")
            }
        } else {
            guard ChipFiles.isDirectory(rootPath) else {
                throw DatasetError(.notFound, "So2Sat: nothing at \(rootPath). \(Self.downloadHint)")
            }
            let dir = version.subfolder.map { (rootPath as NSString).appendingPathComponent($0) } ?? rootPath
            if version == .v2 {
                let name = Self.fileNames[split == .all ? .train : split]!
                filePath = (dir as NSString).appendingPathComponent(name)
            } else {
                guard (0..<1).contains(valFraction) else {
                    throw DatasetError(.invalidArgument, "So2Sat: valFraction must lie in [0, 1), got \(valFraction)")
                }
                filePath = (dir as NSString).appendingPathComponent(split == .test ? "testing.h5" : "training.h5")
                if split == .train || split == .val {
                    let f = try SplitFractions(train: 1 - valFraction, val: valFraction, test: 0)
                    selection = { strata in
                        (StratifiedSplit.indices(of: split, strata: strata, fractions: f, seed: seed),
                         "seeded stratified \(valFraction) validation share of training.h5 (seed \(seed))")
                    }
                }
            }
            guard ChipFiles.isFile(filePath) else {
                throw DatasetError(.notFound, "So2Sat: \((filePath as NSString).lastPathComponent) (version \(version.rawValue), \(split.rawValue) split) not found in \(dir). \(Self.downloadHint)")
            }
        }

        let file: HDF5File
        do { file = try HDF5File(path: filePath) } catch let e as HDF5Error {
            throw DatasetError(.badFile, "So2Sat: cannot open \(filePath): \(e)")
        }
        let n = try Self.checkLayout(file, needs: Set(sources.map(\.0)))
        let strata = try Self.readClasses(file, rows: n)
        let chosen: (rows: [Int], source: String) = selection?(strata) ?? (Array(0..<n), "official split file \((filePath as NSString).lastPathComponent)")

        self.path = filePath
        self.version = version
        self.split = split
        self.bandNames = names
        self.rows = chosen.rows
        self.classIndices = chosen.rows.map { strata[$0] }
        self.splitSource = chosen.source
        self.file = file
        self.channelSources = sources
        self.sen1Channels = sources.filter { $0.0 == 0 }.map(\.1)
        self.sen2Channels = sources.filter { $0.0 == 1 }.map(\.1)
    }

    /// Checks the datasets' shapes; returns the number of rows.
    static func checkLayout(_ f: HDF5File, needs: Set<Int>) throws -> Int {
        func shape(_ name: String) throws -> [Int] {
            guard f.exists(name) else {
                throw DatasetError(.badFile, "So2Sat: \(f.path) has no '\(name)' dataset; a So2Sat LCZ42 file holds sen1 [N,32,32,8], sen2 [N,32,32,10] and label [N,17]")
            }
            return try f.shape(of: name)
        }
        let label = try shape("label")
        guard label.count == 2, label[1] == classNames.count else {
            throw DatasetError(.badFile, "So2Sat: 'label' in \(f.path) is \(label); expected [N, 17] one-hot")
        }
        let n = label[0]
        for (k, name, c) in [(0, "sen1", 8), (1, "sen2", 10)] where needs.contains(k) {
            let s = try shape(name)
            guard s == [n, 32, 32, c] else {
                throw DatasetError(.badFile, "So2Sat: '\(name)' in \(f.path) is \(s); expected [\(n), 32, 32, \(c)] (N rows like 'label')")
            }
        }
        return n
    }

    /// The class of every row (argmax of its one-hot label), read in blocks of rows.
    static func readClasses(_ f: HDF5File, rows n: Int) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(n)
        let block = 65_536, k = classNames.count
        var start = 0
        while start < n {
            let end = min(n, start + block)
            let v = try f.read("/label", rows: start..<end).doubles()
            for r in 0..<(end - start) {
                var best = 0, bestValue = v[r * k]
                for c in 1..<k where v[r * k + c] > bestValue { best = c; bestValue = v[r * k + c] }
                guard bestValue > 0 else {
                    throw DatasetError(.badFile, "So2Sat: row \(start + r) of 'label' in \(f.path) has no class set (all zeros)")
                }
                out.append(best)
            }
            start = end
        }
        return out
    }

    public func label(at index: Int) throws -> ChipLabel { try checkIndex(index); return .single(classIndices[index]) }
    public func id(at index: Int) -> String { index >= 0 && index < count ? "\(path)#\(rows[index])" : "#\(index)" }

    public func sample(at index: Int) throws -> ChipSample {
        try checkIndex(index)
        let row = rows[index]
        func channels(_ name: String, _ list: [Int]) throws -> Tensor? {
            guard !list.isEmpty else { return nil }
            let t: Tensor
            do { t = try file.read("/\(name)", rows: row..<(row + 1)) } catch let e as HDF5Error {
                throw DatasetError(.badFile, "So2Sat: cannot read row \(row) of '\(name)' in \(path): \(e)")
            }
            // [1, 32, 32, C] channels last → [C', 32, 32] with the chosen channels
            let chw = try t.squeeze(dim: 0).permute(2, 0, 1)
            return try chw.indexSelect(dim: 0, index: Tensor(list))
        }
        let s1 = try channels("sen1", sen1Channels), s2 = try channels("sen2", sen2Channels)
        var image: Tensor
        switch (s1, s2) {
        case let (a?, b?):
            // back into the requested order
            let both = try Tensor.cat([a, b])
            var pos: [Int] = [], i1 = 0, i2 = 0
            for (src, _) in channelSources {
                if src == 0 { pos.append(i1); i1 += 1 } else { pos.append(sen1Channels.count + i2); i2 += 1 }
            }
            image = try both.indexSelect(dim: 0, index: Tensor(pos))
        case let (a?, nil): image = a
        case let (nil, b?): image = b
        default: throw DatasetError(.invalidArgument, "So2Sat: no bands selected")
        }
        image = try image.to(.float32).contiguous()
        return ChipSample(image: image, label: .single(classIndices[index]), bandNames: bandNames, index: index,
                          id: id(at: index))
    }
}
