import Foundation
import StrataGeo
import StrataTensor

/// OSCD, the Onera Satellite Change Detection dataset (Daudt, Le Saux, Boulch, Gousseau 2018): 24 city-sized
/// Sentinel-2 L1C pairs (2015–2018), 13 single-band GeoTIFFs per date at their native 10/20/60 m, urban change
/// labelled per 10 m pixel. One sample = one city, the whole scene.
///
/// Layouts (both found under `root`):
/// - the official download (TorchGeo's `OSCD`): `Onera Satellite Change Detection dataset - Images/<city>/
///   imgs_{1,2}_rect/*.tif` (or `imgs_{1,2}`), with `train.txt` / `test.txt` there, and labels in
///   `Onera Satellite Change Detection dataset - {Train,Test} Labels/<city>/cm/cm.png`;
/// - the repackaging of `../shared/data/oscd`: `images/<city>/imgs_{1,2}/*.tif`, `images/{train,test}.txt`,
///   labels `train_labels/<city>/cm/<city>-cm.tif` (1 = no change, 2 = change) or `cm/cm.png` (0 / 255).
///
/// Samples (`ChangeSample`): `imageA` / `imageB` float32 `[13, H, W]` holding the stored UInt16 values, bands
/// `B01 B02 B03 B04 B05 B06 B07 B08 B8A B09 B10 B11 B12` (TorchGeo's order), every band read through GDAL's warper
/// onto the **first date's 10 m grid** (that of its B02) with nearest-neighbour resampling, so 20 m and 60 m pixels
/// are repeated, never interpolated. The second date goes onto the same grid: Hong Kong's date 2 is 2 px smaller
/// in each direction than date 1 over the same extent (a known OSCD quirk) and is resampled onto date 1's lattice.
/// `change` int64 `[H, W]` 0/1 (the label has no georeferencing; it must have date 1's 10 m size). CRS (the files'
/// EPSG:4326) and bounds of date 1's grid are kept in `georeference`.
///
/// Splits: `.train` / `.test` are the official lists (`train.txt`, `test.txt`: comma-separated city names); a city
/// of the list that is absent is an error naming it. `cities:` selects cities by name instead (the split-by-city
/// experiments on the 7 cities of `../shared/data/oscd`).
public final class OSCD: ChangeChipDataset, @unchecked Sendable {
    public static let bands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11",
                               "B12"]
    static let hint = "Download OSCD from https://rcdaudt.github.io/oscd/ (images and train/test labels) and unzip "
        + "them under one root"

    public struct City: Sendable {
        public let name: String
        /// Band files of each date, in `OSCD.bands` order.
        public let dateA: [String], dateB: [String]
        public let label: String
    }

    public let root: String
    public let cities: [City]
    public var count: Int { cities.count }
    public var bandNames: [String] { Self.bands }
    public func id(at index: Int) -> String { index >= 0 && index < count ? cities[index].name : "#\(index)" }

    /// - Parameters:
    ///   - split: `.train`, `.test` (official lists) or `.all` (every city with images and a label).
    ///   - cities: city names to take, in this order (overrides `split`).
    public init(root: String, split: DatasetSplit = .all, cities names: [String]? = nil) throws {
        self.root = root
        let fm = FileManager.default
        func dir(_ p: String) -> Bool {
            var d: ObjCBool = false
            return fm.fileExists(atPath: p, isDirectory: &d) && d.boolValue
        }
        let official = (root as NSString).appendingPathComponent("Onera Satellite Change Detection dataset - Images")
        let repackaged = (root as NSString).appendingPathComponent("images")
        guard let images = [official, repackaged].first(where: dir) else {
            throw DatasetError(.notFound, "OSCD: neither \(repackaged) nor \(official) exists. \(Self.hint)")
        }
        let labelRoots = ["Train", "Test"].map {
            (root as NSString).appendingPathComponent("Onera Satellite Change Detection dataset - \($0) Labels")
        } + ["train_labels", "test_labels"].map { (root as NSString).appendingPathComponent($0) }

        var wanted: [String]
        if let names {
            wanted = names
        } else if split == .all {
            wanted = try fm.contentsOfDirectory(atPath: images).filter {
                dir((images as NSString).appendingPathComponent($0))
            }.sorted()
        } else {
            guard split == .train || split == .test else {
                throw DatasetError(.invalidArgument, "OSCD has train and test lists only (no \(split.rawValue)); "
                    + "use split train, test or all, or choose cities")
            }
            let list = (images as NSString).appendingPathComponent("\(split.rawValue).txt")
            guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
                throw DatasetError(.notFound, "OSCD: split list \(list) not found. \(Self.hint)")
            }
            wanted = text.split(whereSeparator: { $0 == "," || $0.isNewline }).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
        var found: [City] = [], missing: [String] = []
        for name in wanted {
            let cityDir = (images as NSString).appendingPathComponent(name)
            guard dir(cityDir) else { missing.append(name); continue }
            let label = labelRoots.lazy.flatMap { r -> [String] in
                let cm = (r as NSString).appendingPathComponent("\(name)/cm")
                return ["\(cm)/\(name)-cm.tif", "\(cm)/cm.png"]
            }.first { fm.fileExists(atPath: $0) }
            guard let label else {
                if names != nil || split != .all { missing.append(name) }
                continue
            }
            found.append(City(name: name, dateA: try Self.bandFiles(cityDir, date: 1),
                              dateB: try Self.bandFiles(cityDir, date: 2), label: label))
        }
        guard missing.isEmpty else {
            throw DatasetError(.notFound, "OSCD: no images or no change label for \(missing.joined(separator: ", ")) "
                + "under \(root)\(names == nil ? " (cities of the \(split.rawValue) list)" : ""); choose the cities "
                + "that are present with cities: […], or add the missing ones. \(Self.hint)")
        }
        guard !found.isEmpty else { throw DatasetError(.notFound, "OSCD: no labelled city under \(root). \(Self.hint)") }
        cities = found
    }

    /// The 13 band files of `date` (1 or 2) in `bands` order, from `imgs_<date>_rect` or `imgs_<date>`.
    static func bandFiles(_ cityDir: String, date: Int) throws -> [String] {
        let fm = FileManager.default
        for sub in ["imgs_\(date)_rect", "imgs_\(date)"] {
            let d = (cityDir as NSString).appendingPathComponent(sub)
            guard let files = try? fm.contentsOfDirectory(atPath: d) else { continue }
            var out: [String] = [], absent: [String] = []
            for band in bands {
                if let f = files.first(where: { $0.uppercased().hasSuffix("_\(band).TIF") || $0.uppercased() == "\(band).TIF" }) {
                    out.append((d as NSString).appendingPathComponent(f))
                } else {
                    absent.append(band)
                }
            }
            guard absent.isEmpty else {
                throw DatasetError(.notFound, "OSCD: \(d) lacks band(s) \(absent.joined(separator: ", ")); each date "
                    + "needs the 13 Sentinel-2 bands as *_B01.tif … *_B12.tif")
            }
            return out
        }
        throw DatasetError(.notFound, "OSCD: \(cityDir) has no imgs_\(date)_rect or imgs_\(date) folder. \(hint)")
    }

    /// The first date's 10 m grid of city `index` (that of its B02 file).
    public func grid(at index: Int) throws -> GeoGrid { try Raster(path: cities[index].dateA[1]).grid }

    public func sample(at index: Int) throws -> ChangeSample {
        guard index >= 0 && index < count else {
            throw DatasetError(.invalidArgument, "OSCD: index \(index) is out of range 0..<\(count)")
        }
        let city = cities[index]
        let grid = try self.grid(at: index)
        func read(_ files: [String]) throws -> Tensor {
            try Tensor.cat(try files.map {
                try Raster(path: $0).read(onto: grid, bands: [1], resampling: .nearest, as: .float32, errorThreshold: 0)
            }, dim: 0)
        }
        let a = try read(city.dateA), b = try read(city.dateB)
        let change: Tensor
        let labelChip = try ChipFile.read(city.label, bands: [1], as: .uint8).image.squeeze(dim: 0)
        guard labelChip.shape == grid.shape else {
            throw DatasetError(.inconsistent, "OSCD: \(city.label) is \(labelChip.shape) but \(city.name)'s 10 m "
                + "bands are \(grid.shape); the change map must cover date 1's 10 m grid pixel for pixel")
        }
        if city.label.hasSuffix(".tif") {  // 1 = no change, 2 = change
            guard try labelChip.eq(1).logicalOr(labelChip.eq(2)).all().item() != 0 else {
                throw DatasetError(.badFile, "OSCD: \(city.label) holds values other than 1 (no change) and 2 (change)")
            }
            change = try labelChip.eq(2).to(.int64)
        } else {  // cm.png: 0 / 255 (TorchGeo clamps to 0/1)
            change = try labelChip.gt(0).to(.int64)
        }
        return ChangeSample(imageA: a, imageB: b, change: change,
                            georeference: ChipGeoreference(crs: grid.crs, bounds: grid.bounds),
                            bandNames: Self.bands, index: index, id: city.name)
    }
}
