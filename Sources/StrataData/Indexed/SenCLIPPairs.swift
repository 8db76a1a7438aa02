import Foundation
import StrataGeo
import StrataTensor

/// Satellite chips paired with precomputed embeddings of ground-level photos of the same place: SenCLIP's training
/// data (Sentinel-2 patches at LUCAS points, each with the frozen CLIP embeddings of its 4 directional photos).
///
/// On disk (one folder, `root`):
/// ```
/// pairs.csv      header `image,split`; one row per location: the chip's path (relative to `chipsRoot`, which
///                defaults to `root`; absolute paths are taken as they are) and `train` or `val`
/// ground.npy     float32 (or float16) [N, V, D]: row i holds the V view embeddings (SenCLIP: 4, W/E/N/S) of
///                the location in data row i of pairs.csv; D = the CLIP model's embedding size
/// ```
/// A chip is read with the requested bands (names as the files offer them: their band descriptions, else
/// `band1`, `band2`, …), scaled min–max over all its bands jointly to [0, 1] (the authors' `cv2.normalize(…,
/// NORM_MINMAX)`; they also quantise to 8 bits, which is not done here), centre-cropped to `crop` pixels (when
/// the chip is larger) and resized to `imageSize` (bilinear, `align_corners=False`, as torchvision's `Resize` on
/// an upsampling). The sample's label is `.single(row)`: the row of `ground.npy` it pairs with (collated as int64
/// row indices); `ground(rows:)` gives the embeddings.
public final class SenCLIPPairs: ChipDataset, @unchecked Sendable {
    public let root: String
    public let split: DatasetSplit
    public let bandNames: [String]
    let bandIndices: [Int]
    /// Chip files of this split, absolute, and their rows in `ground.npy`.
    public let files: [String]
    public let rows: [Int]
    /// All embeddings `[N, V, D]` (float32), every split.
    public let embeddings: Tensor
    public let crop: Int?
    public let imageSize: Int
    public var classNames: [String] { [] }
    public var task: TaskKind { .embedding }
    public var count: Int { files.count }
    public var views: Int { embeddings.shape[1] }
    public var embedDim: Int { embeddings.shape[2] }

    public init(root: String, split: DatasetSplit, bands: [String]?, chipsRoot: String? = nil, crop: Int? = 32,
                imageSize: Int) throws {
        let name = "senclip pairs"
        self.root = root
        self.split = split
        self.crop = crop
        self.imageSize = imageSize
        let index = URL(fileURLWithPath: root).appendingPathComponent("pairs.csv").path
        let npy = URL(fileURLWithPath: root).appendingPathComponent("ground.npy").path
        for p in [index, npy] where !FileManager.default.fileExists(atPath: p) {
            throw DatasetError(.notFound, "\(name): no \(URL(fileURLWithPath: p).lastPathComponent) in '\(root)'; a "
                + "pair folder holds pairs.csv (image,split) and ground.npy [N, views, dim] (docs/clip.md, training)")
        }
        do { embeddings = try NPY.read(npy).to(.float32) } catch {
            throw DatasetError(.badFile, "\(name): cannot read \(npy): \(error)")
        }
        guard embeddings.rank == 3, embeddings.shape[1] >= 1 else {
            throw DatasetError(.inconsistent,
                               "\(name): \(npy) must be [locations, views, dim], got \(embeddings.shape)")
        }
        let text: String
        do { text = try String(contentsOfFile: index, encoding: .utf8) } catch {
            throw DatasetError(.badFile, "\(name): cannot read \(index): \(error.localizedDescription)")
        }
        var lines = text.split(whereSeparator: \.isNewline).map { String($0) }.filter { !$0.isEmpty }
        let header = lines.isEmpty ? [] : lines.removeFirst().split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let imageCol = header.firstIndex(of: "image") else {
            throw DatasetError(.inconsistent, "\(name): \(index) needs a header with an 'image' column (and 'split')")
        }
        let splitCol = header.firstIndex(of: "split")
        guard lines.count == embeddings.shape[0] else {
            throw DatasetError(.inconsistent, "\(name): \(index) has \(lines.count) rows but \(npy) has "
                + "\(embeddings.shape[0]) locations; row i of one must be location i of the other")
        }
        let base = URL(fileURLWithPath: chipsRoot ?? root)
        var files: [String] = [], rows: [Int] = []
        for (i, line) in lines.enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard imageCol < f.count, !f[imageCol].isEmpty else {
                throw DatasetError(.inconsistent, "\(name): \(index) row \(i + 2) has no image path")
            }
            let s = splitCol.flatMap { $0 < f.count ? f[$0].lowercased() : nil } ?? "train"
            guard ["train", "val", "test"].contains(s) else {
                throw DatasetError(.inconsistent, "\(name): \(index) row \(i + 2): split '\(s)' (use train, val, test)")
            }
            let keep = switch split {
            case .all: true
            case .train: s == "train"
            case .val: s == "val"
            case .test: s == "test"
            }
            guard keep else { continue }
            let p = f[imageCol]
            files.append(p.hasPrefix("/") ? p : base.appendingPathComponent(p).path)
            rows.append(i)
        }
        self.files = files
        self.rows = rows
        let probe = files.first ?? ""
        guard !probe.isEmpty, FileManager.default.fileExists(atPath: probe) else {
            throw DatasetError(.notFound, "\(name): the \(split) split of \(index) is empty or its first chip "
                + "'\(probe)' does not exist (image paths are relative to \(base.path))")
        }
        let available: [String]
        do { available = ChipFiles.bandNames(of: try Raster(path: probe)) } catch {
            throw DatasetError(.badFile, "\(name): cannot open \(probe): \(error)")
        }
        (bandNames, bandIndices) = try ChipFiles.bandIndices(bands, available: available, dataset: name)
    }

    public func label(at index: Int) throws -> ChipLabel { .single(rows[index]) }
    public func id(at index: Int) -> String { files[index] }

    public func sample(at index: Int) throws -> ChipSample {
        let (raw, geo) = try ChipFiles.read(files[index], bands: bandIndices, as: .float32, dataset: "senclip pairs")
        let image = try Self.preprocess(raw, crop: crop, size: imageSize)
        return ChipSample(image: image, label: .single(rows[index]), georeference: geo, bandNames: bandNames,
                          index: index, id: files[index])
    }

    /// Min–max over all bands to [0, 1], centre crop to `crop` (when smaller than the chip), bilinear resize to
    /// `size`: `[C, H, W]` → `[C, size, size]`.
    public static func preprocess(_ x: Tensor, crop: Int?, size: Int) throws -> Tensor {
        let lo = try x.min().item(), hi = try x.max().item()
        var y = try (x - lo) / Swift.max(hi - lo, 1e-12)
        let h = y.shape[1], w = y.shape[2]
        if let crop, crop < h || crop < w {
            let ch = Swift.min(crop, h), cw = Swift.min(crop, w)
            // torchvision's CenterCrop: top = round((h - ch) / 2).
            let top = Int((Double(h - ch) / 2).rounded()), left = Int((Double(w - cw) / 2).rounded())
            y = try y.narrow(dim: 1, start: top, length: ch).narrow(dim: 2, start: left, length: cw)
        }
        if y.shape[1] != size || y.shape[2] != size {
            y = try y.unsqueeze(0).interpolate(size: [size, size], mode: .bilinear, alignCorners: false).squeeze(dim: 0)
        }
        return try y.contiguous()
    }

    /// The embeddings `[B, V, D]` of ground rows `[B]` (int64, as collated from the labels).
    public func ground(rows: Tensor) throws -> Tensor { try embeddings.indexSelect(dim: 0, index: rows) }
}
