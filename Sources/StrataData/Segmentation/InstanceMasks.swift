import Foundation
import StrataGeo
import StrataTensor

/// Instance masks of one image, as a mask source returns them: a label image (one mask per label value ≥ 0) or a
/// stack of possibly overlapping masks.
public enum InstanceMaskSet: @unchecked Sendable {
    /// `[H, W]` int64; negative values belong to no mask.
    case labels(Tensor)
    /// `[M, H, W]` bool.
    case stack(Tensor)

    /// The masks' height and width.
    public var size: (height: Int, width: Int) {
        switch self {
        case .labels(let t): (t.size(0), t.size(1))
        case .stack(let t): (t.size(1), t.size(2))
        }
    }

    /// The DF4LCZ graph of these masks over `image` `[3, H, W]` (see `SegmentGraph`).
    public func graph(image: Tensor, label: Int? = nil,
                      options: SegmentGraph.Options = .init()) throws -> SegmentGraph {
        switch self {
        case .labels(let t): try SegmentGraph(image: image, labels: t, label: label, options: options)
        case .stack(let t): try SegmentGraph(image: image, masks: t, label: label, options: options)
        }
    }
}

/// Where the high-resolution stream's instance masks come from — the one source `SegmentGraph`s are built from:
///
/// - `.files(directory:)`: masks computed elsewhere, one entry per image key in the folder:
///   `<key>.png` / `<key>.tif` / `<key>.tiff` (a label image: one mask per value; `background` — default 0 — and the
///   file's nodata are no mask), `<key>.json` (SAM's automatic mask generator output with
///   `output_mode="coco_rle"`: a list of records, or `{"annotations": […]}`, each with a COCO RLE
///   `segmentation`; decoded by `COCORLE`), or a folder `<key>/` of binary mask PNGs (`0.png`, `1.png`, … as SAM's
///   `amg.py` writes them; non-zero = inside).
/// - `.model(_:)`: a TorchScript segmentation model run through libtorch (`InstanceMaskModel`), e.g. an exported
///   SAM/MobileSAM mask generator.
/// - `.felzenszwalb(_:)`: the default when neither is given — Felzenszwalb–Huttenlocher graph segmentation
///   (scikit-image's, with its scale/sigma/min-size), so the pipeline runs without any foundation model.
///
/// ```swift
/// let source = InstanceMasks.files(directory: "sam-masks")          // or .model(try InstanceMaskModel(path: "sam.pt"))
/// let graph = try source.graph(image: rgb, key: "patch_0042", label: 3)
/// ```
public enum InstanceMasks: @unchecked Sendable {
    case felzenszwalb(Felzenszwalb)
    case files(directory: String, background: Int? = 0)
    case model(InstanceMaskModel)

    /// The default source: Felzenszwalb with scale 100, sigma 0.5, min size 50 (DF4LCZ's 50 px minimum mask area).
    public static var `default`: InstanceMasks {
        // Valid constants: the initialiser cannot throw for them.
        .felzenszwalb(try! Felzenszwalb(scale: 100, sigma: 0.5, minSize: 50))
    }

    /// The masks of `image` (`[3, H, W]` uint8 or float); `key` names the image's entry for `.files` (required
    /// there; the other sources compute masks from the pixels alone). Masks must match the image's size.
    public func masks(image: Tensor, key: String? = nil) throws -> InstanceMaskSet {
        guard image.rank == 3 else {
            throw DatasetError(.invalidArgument, "instance masks: the image must be [C, H, W], got \(image.shape)")
        }
        let set: InstanceMaskSet
        switch self {
        case .felzenszwalb(let f): set = .labels(try f.segment(image))
        case .model(let m): set = try m.masks(image: image)
        case .files(let dir, let background):
            guard let key else {
                throw DatasetError(.invalidArgument, "instance masks from files in \(dir): no image key given (the file name without extension)")
            }
            set = try InstanceMaskFiles.read(directory: dir, key: key, background: background)
        }
        let (h, w) = set.size
        guard h == image.size(1), w == image.size(2) else {
            throw DatasetError(.invalidArgument, "instance masks\(key.map { " for \($0)" } ?? ""): masks are \(h)×\(w) but the image is \(image.size(1))×\(image.size(2)); masks must be made on the image as it is given (DF4LCZ resizes to 320×320 first)")
        }
        return set
    }

    /// The DF4LCZ graph of `image`'s masks (see `SegmentGraph`).
    public func graph(image: Tensor, key: String? = nil, label: Int? = nil,
                      options: SegmentGraph.Options = .init()) throws -> SegmentGraph {
        try masks(image: image, key: key).graph(image: image, label: label, options: options)
    }
}

/// Reading mask files (see `InstanceMasks.files`).
public enum InstanceMaskFiles {
    /// The masks stored for `key` in `directory`; throws naming the files looked for when there is none.
    public static func read(directory: String, key: String, background: Int? = 0) throws -> InstanceMaskSet {
        let base = URL(fileURLWithPath: directory).appendingPathComponent(key)
        let fm = FileManager.default
        for ext in ["json", "png", "tif", "tiff"] {
            let p = base.appendingPathExtension(ext).path
            guard fm.fileExists(atPath: p) else { continue }
            return ext == "json" ? try readSAMJSON(p) : try readLabelImage(p, background: background)
        }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: base.path, isDirectory: &isDir), isDir.boolValue {
            return try readMaskFolder(base.path)
        }
        throw DatasetError(.notFound, "instance masks: none for \(key) in \(directory) (looked for \(key).json, \(key).png, \(key).tif, \(key).tiff and a folder \(key)/ of mask PNGs)")
    }

    /// A single-band integer label image (PNG, GeoTIFF, anything GDAL reads): one mask per value, except
    /// `background` and the band's nodata.
    public static func readLabelImage(_ path: String, background: Int? = 0) throws -> InstanceMaskSet {
        let r = try Raster(path: path)
        guard r.bandCount == 1 else {
            throw DatasetError(.badFile, "instance masks: \(path) has \(r.bandCount) bands; a label image has one (a mask id per pixel)")
        }
        let band = r.bands[0]
        guard !band.dtype.isFloatingPoint else {
            throw DatasetError(.badFile, "instance masks: \(path) holds \(band.dtype) values; a label image holds integer mask ids")
        }
        var labels = try r.read(window: PixelWindow(width: r.width, height: r.height)).to(.int64)[0]
        for none in [background.map(Double.init), band.nodata].compactMap({ $0 }) {
            labels = try Tensor.where(labels.eq(none), -1.0, labels).to(.int64)
        }
        return .labels(try labels.contiguous())
    }

    /// SAM's automatic mask generator JSON (`coco_rle` output mode): the records' `segmentation` RLEs, in file
    /// order.
    public static func readSAMJSON(_ path: String) throws -> InstanceMaskSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.notFound, "instance masks: cannot read \(path)")
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw DatasetError(.badFile, "instance masks: \(path) is not JSON: \(error)")
        }
        let records: [Any]
        if let list = json as? [Any] {
            records = list
        } else if let d = json as? [String: Any], let list = d["annotations"] as? [Any] {
            records = list
        } else {
            throw DatasetError(.badFile, "instance masks: \(path) is neither a list of SAM mask records nor {\"annotations\": […]}")
        }
        guard !records.isEmpty else {
            throw DatasetError(.badFile, "instance masks: \(path) holds no masks (an image without masks has no graph)")
        }
        var bytes: [UInt8] = []
        var size: (Int, Int)? = nil
        for (i, rec) in records.enumerated() {
            guard let seg = (rec as? [String: Any])?["segmentation"] else {
                throw DatasetError(.badFile, "instance masks: record \(i) of \(path) has no \"segmentation\" (write SAM's output with output_mode=\"coco_rle\")")
            }
            let m: (mask: [UInt8], height: Int, width: Int)
            do { m = try COCORLE.decode(seg) } catch let e as DatasetError {
                throw DatasetError(e.kind, "\(path), record \(i): \(e.message)")
            }
            if let s = size, s != (m.height, m.width) {
                throw DatasetError(.badFile, "instance masks: record \(i) of \(path) is \(m.height)×\(m.width), the others \(s.0)×\(s.1)")
            }
            size = (m.height, m.width)
            guard bytes.count + m.mask.count <= COCORLE.maxPixels * 4 else {
                throw DatasetError(.badFile, "instance masks: \(path) holds more mask pixels than \(COCORLE.maxPixels * 4) (\(records.count) masks of \(m.height)×\(m.width))")
            }
            bytes += m.mask
        }
        let (h, w) = size!
        return .stack(try Tensor(bytes, shape: [records.count, h, w]).to(.bool))
    }

    /// A folder of binary mask images `0.png`, `1.png`, … (numeric order; non-zero pixels are inside).
    public static func readMaskFolder(_ dir: String) throws -> InstanceMaskSet {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            .compactMap { n -> (Int, String)? in
                let u = URL(fileURLWithPath: n)
                guard u.pathExtension.lowercased() == "png", let i = Int(u.deletingPathExtension().lastPathComponent) else { return nil }
                return (i, n)
            }.sorted { $0.0 < $1.0 }
        guard !names.isEmpty else {
            throw DatasetError(.notFound, "instance masks: no numbered mask PNGs (0.png, 1.png, …) in \(dir)")
        }
        let masks = try names.map { _, n -> Tensor in
            let r = try Raster(path: URL(fileURLWithPath: dir).appendingPathComponent(n).path)
            return try r.read(window: PixelWindow(width: r.width, height: r.height), bands: [1]).ne(0.0)[0]
        }
        guard Set(masks.map(\.shape)).count == 1 else {
            throw DatasetError(.badFile, "instance masks: the mask PNGs in \(dir) differ in size")
        }
        return .stack(try Tensor.stack(masks, dim: 0))
    }
}

/// A TorchScript segmentation model as a mask source (`InstanceMasks.model`), run through libtorch.
///
/// The model's `forward` takes one float32 image `[1, 3, H, W]` (uint8 images divided by 255 first when
/// `divideUInt8` is set, float images as given) and returns a tensor or a tuple/list whose **first** tensor is read
/// as `output` says: `.masks(threshold:)` — `[M, H, W]` or `[1, M, H, W]` mask logits/probabilities (or bool masks),
/// inside where the value is > `threshold` (SAM's mask threshold is 0 on logits); `.classScores` — `[1, K, H, W]`
/// class scores, one mask per class present in the argmax.
public struct InstanceMaskModel: @unchecked Sendable {
    public enum Output: Sendable, Equatable {
        case masks(threshold: Double)
        case classScores
    }
    public let module: TorchScriptModule
    public let output: Output
    public let divideUInt8: Bool

    public init(path: String, output: Output = .masks(threshold: 0), divideUInt8: Bool = true,
                device: Device = .cpu) throws {
        module = try TorchScriptModule(path: path, device: device)
        self.output = output
        self.divideUInt8 = divideUInt8
    }

    public func masks(image: Tensor) throws -> InstanceMaskSet {
        var x = try image.to(.float32)
        if image.dtype == .uint8 && divideUInt8 { x = try x / 255.0 }
        x = try x.unsqueeze(0).to(module.device)
        guard let y0 = try Torch.inferenceMode({ try module.forward([x]) }).first else {
            throw DatasetError(.badFile, "instance masks: \(module.path) returned no tensor")
        }
        let y = try y0.to(.cpu)
        let (h, w) = (image.size(1), image.size(2))
        switch output {
        case .masks(let threshold):
            var m = y
            if m.rank == 4, m.size(0) == 1 { m = try m.squeeze(dim: 0) }
            guard m.rank == 3, m.size(1) == h, m.size(2) == w else {
                throw DatasetError(.badFile, "instance masks: \(module.path) returned \(y.shape); expected masks [M, \(h), \(w)] or [1, M, \(h), \(w)]")
            }
            return .stack(try m.dtype == .bool ? m.contiguous() : m.to(.float64).gt(threshold).contiguous())
        case .classScores:
            guard y.rank == 4, y.size(0) == 1, y.size(2) == h, y.size(3) == w else {
                throw DatasetError(.badFile, "instance masks: \(module.path) returned \(y.shape); expected class scores [1, K, \(h), \(w)]")
            }
            return .labels(try y[0].argmax(dim: 0).to(.int64).contiguous())
        }
    }
}
