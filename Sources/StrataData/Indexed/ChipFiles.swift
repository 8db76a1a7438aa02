import Foundation
import StrataGeo
import StrataTensor

/// Reading chip files (GeoTIFF, PNG, JPEG — anything GDAL opens) and listing class folders. Every read opens its
/// own GDAL handle, so reads are safe from any number of threads.
enum ChipFiles {
    /// Reads bands (1-based; nil = all) of a whole file as `[C, H, W]`, with its georeference when it has one (the
    /// CRS resolved lazily, see `ChipGeoreference`).
    /// The fast path (`ChipFile`) reads only what a chip needs; `applyScale` takes `Raster`'s path, which applies
    /// each band's scale and offset for `.float32`.
    static func read(_ path: String, bands: [Int]?, as type: PixelType, dataset: String, applyScale: Bool = false) throws
        -> (image: Tensor, georeference: ChipGeoreference?) {
        do {
            if applyScale {
                let r = try Raster(path: path)
                let image = try r.read(window: PixelWindow(width: r.width, height: r.height), bands: bands, as: type)
                let geo = r.geoTransform != nil ? ChipGeoreference(bounds: r.bounds, crsOf: path) : nil
                return (image, geo)
            }
            let dtype: DType? = switch type {
            case .float32: .float32
            case .native: nil
            case .dtype(let d): d
            }
            let c = try ChipFile.read(path, bands: bands, as: dtype)
            return (c.image, c.bounds.map { ChipGeoreference(bounds: $0, crsOf: path) })
        } catch let e as GeoError {
            throw DatasetError(.badFile, "\(dataset): cannot read chip \(path): \(e)")
        }
    }

    /// Band names a file carries: its band descriptions when every band has one, else its colour interpretation
    /// (`red`, `green`, `blue`, …) when those are distinct, else `band1`, `band2`, ….
    static func bandNames(of r: Raster) -> [String] {
        let desc = r.bands.map { $0.description.trimmingCharacters(in: .whitespaces) }
        if desc.allSatisfy({ !$0.isEmpty }) && Set(desc).count == desc.count { return desc }
        let interp = r.bands.map { $0.colorInterpretation.lowercased() }
        let meaningful: Set<String> = ["red", "green", "blue", "alpha", "gray"]
        if interp.allSatisfy(meaningful.contains) && Set(interp).count == interp.count { return interp }
        return (1...r.bandCount).map { "band\($0)" }
    }

    /// Resolves band names to 1-based band numbers; a name that is not offered throws, listing the ones that are.
    static func bandIndices(_ requested: [String]?, available: [String], dataset: String) throws -> (names: [String], indices: [Int]) {
        guard let requested else { return (available, Array(1...available.count)) }
        guard !requested.isEmpty else {
            throw DatasetError(.invalidArgument, "\(dataset): no bands requested; choose from \(available.joined(separator: ", ")) (or pass nil for all)")
        }
        var out: [Int] = []
        for name in requested {
            guard let i = available.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
                throw DatasetError(.invalidArgument, "\(dataset): unknown band '\(name)'; the bands are \(available.joined(separator: ", "))")
            }
            out.append(i + 1)
        }
        return (out.map { available[$0 - 1] }, out)
    }

    /// Files directly in `dir` whose extension (case-insensitive) is one of `extensions`, in natural order
    /// (`x_2` before `x_10`). Hidden files are skipped.
    static func files(in dir: String, extensions: Set<String>) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted(by: naturalLess)
            .map { (dir as NSString).appendingPathComponent($0) }
    }

    /// Sub-directories of `dir`, sorted, hidden ones skipped.
    static func subdirectories(of dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") && isDirectory((dir as NSString).appendingPathComponent($0)) }.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    static func isFile(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && !d.boolValue
    }

    /// "a2" < "a10": digit runs compare by value.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }

    /// The absolute, standardised form of a path (relative paths start at the current directory).
    static func absolute(_ path: String) -> String {
        let p = (path as NSString).expandingTildeInPath
        let abs = p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)
        return (abs as NSString).standardizingPath
    }
}

/// Chooses a split's items: official split files when present, else a seeded stratified split.
enum SplitSelection {
    /// Where the split came from.
    static func select(_ split: DatasetSplit, keys: [(relative: String, stem: String)], strata: [Int],
                       fileNames: [DatasetSplit: String], searchIn dirs: [String], explicitDirectory: String?,
                       fractions: SplitFractions, seed: UInt64, dataset: String) throws -> (indices: [Int], source: String) {
        if split == .all { return (Array(keys.indices), "all chips") }
        let candidates = explicitDirectory.map { [ChipFiles.absolute($0)] } ?? dirs
        for dir in candidates {
            let present = fileNames.filter { ChipFiles.isFile((dir as NSString).appendingPathComponent($0.value)) }
            if present.isEmpty { continue }
            guard let name = present[split] else {
                throw DatasetError(.notFound, "\(dataset): \(dir) has split files \(present.values.sorted().joined(separator: ", ")) but no \(fileNames[split]!); add it, or remove the split files to use a seeded stratified split")
            }
            let path = (dir as NSString).appendingPathComponent(name)
            return (try indices(listedIn: path, keys: keys, dataset: dataset), "split file \(path)")
        }
        if let explicitDirectory {
            throw DatasetError(.notFound, "\(dataset): no split files (\(fileNames.values.sorted().joined(separator: ", "))) in \(explicitDirectory)")
        }
        let idx = StratifiedSplit.indices(of: split, strata: strata, fractions: fractions, seed: seed)
        return (idx, "seeded stratified split (seed \(seed), \(fractions))")
    }

    /// Items named in a split file (one per line: a file name, a relative path, or a name without extension;
    /// blank lines and `#` comments skipped), in the file's order. Lines naming nothing present are skipped (a
    /// partial copy of a dataset keeps working with the official split); a file naming nothing present throws.
    static func indices(listedIn path: String, keys: [(relative: String, stem: String)], dataset: String) throws -> [Int] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DatasetError(.badFile, "\(dataset): cannot read split file \(path) as UTF-8 text")
        }
        var byRelative: [String: Int] = [:], byStem: [String: [Int]] = [:]
        for (i, k) in keys.enumerated() {
            byRelative[k.relative] = i
            byStem[k.stem, default: []].append(i)
        }
        var out: [Int] = [], seen = Set<Int>(), lines = 0
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            lines += 1
            let first = line.split(separator: ",").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? line
            let noExt = stripExtension(first)
            var hit: Int? = byRelative[noExt]
            if hit == nil, let cands = byStem[(noExt as NSString).lastPathComponent] {
                guard cands.count == 1 else {
                    throw DatasetError(.inconsistent, "\(dataset): split file \(path) names '\(first)', which matches \(cands.count) chips; write it as <class>/<file> to disambiguate")
                }
                hit = cands[0]
            }
            if let h = hit, seen.insert(h).inserted { out.append(h) }
        }
        if out.isEmpty {
            throw DatasetError(.inconsistent, "\(dataset): none of the \(lines) entries of split file \(path) names a chip found on disk; check that the split file belongs to this dataset")
        }
        return out
    }

    /// `a/b.tif` → `a/b` (only a short alphanumeric extension is removed).
    static func stripExtension(_ s: String) -> String {
        let ext = (s as NSString).pathExtension
        guard !ext.isEmpty, ext.count <= 5, ext.allSatisfy({ $0.isLetter || $0.isNumber }) else { return s }
        return (s as NSString).deletingPathExtension
    }
}
