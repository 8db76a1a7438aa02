import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
@testable import StrataTasks

/// GDAL's command-line tools as the oracle (never through StrataGeo).
enum GDALTool {
    struct Failed: Error, CustomStringConvertible { let description: String }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        try Subprocess.gdal(tool, args, pam: true)
    }

    static func info(_ path: String) throws -> [String: Any] {
        let text = try run("gdalinfo", ["-json", "-mdd", "IMAGE_STRUCTURE", path])
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }
}

/// Deterministic models built from seeded random weights, run through ATen directly.
enum TestModels {
    static let conv2d = Op("aten::conv2d")

    /// Reflectance-like normalisation for Sentinel-2 DN.
    static func norm(_ c: Int) -> ([Double], [Double]) { (Array(repeating: 1e-4, count: c), Array(repeating: -0.1, count: c)) }

    /// A pointwise (1×1 conv) model: each pixel's logits depend on that pixel alone, so any tiling must reproduce
    /// the single-pass output exactly.
    static func pointwise(channels c: Int, classes k: Int, seed: UInt64) throws -> PredictionModel {
        Runtime.manualSeed(seed)
        let w = try Tensor.randn([k, c, 1, 1]), b = try Tensor.randn([k])
        let (s, o) = norm(c)
        return PredictionModel(kind: .segmentation, classNames: (0..<k).map { "class \($0)" }, channels: c, scale: s, offset: o,
                               name: "pointwise") { x in
            try conv2d.tensor([.tensor(x), .tensor(w), .tensor(b), [1, 1], [0, 0]])
        }
    }

    /// conv3×3 (zero padding) → ReLU → conv1×1: a receptive field of one pixel each side.
    static func conv3(channels c: Int, classes k: Int, seed: UInt64) throws -> PredictionModel {
        Runtime.manualSeed(seed)
        let w1 = try Tensor.randn([8, c, 3, 3]) * 0.5, b1 = try Tensor.randn([8])
        let w2 = try Tensor.randn([k, 8, 1, 1]), b2 = try Tensor.randn([k])
        let (s, o) = norm(c)
        return PredictionModel(kind: .segmentation, classNames: (0..<k).map { "class \($0)" }, channels: c, scale: s, offset: o,
                               name: "conv3") { x in
            let h = try conv2d.tensor([.tensor(x), .tensor(w1), .tensor(b1), [1, 1], [1, 1]]).relu()
            return try conv2d.tensor([.tensor(h), .tensor(w2), .tensor(b2), [1, 1], [0, 0]])
        }
    }

    /// A scene classifier: per-band mean over the window → linear.
    static func meanLinear(channels c: Int, classes k: Int, window: Int, seed: UInt64) throws -> PredictionModel {
        Runtime.manualSeed(seed)
        let w = try Tensor.randn([k, c]) * 5, b = try Tensor.randn([k])
        let (s, o) = norm(c)
        return PredictionModel(kind: .classification, classNames: (0..<k).map { "lcz \($0)" }, channels: c, scale: s,
                               offset: o, inputSize: [window, window], name: "mean-linear") { x in
            let m = try x.mean(dims: [2, 3])
            return try m.matmul(w.t()) + b
        }
    }
}

/// Collects a small class map (and its probabilities) in memory.
final class MemorySink: ClassMapSink {
    let width: Int, height: Int, classes: Int
    var map: [UInt8]
    var probabilities: [Float]
    var written: [Int]
    let wantsProbabilities: Bool

    init(grid: GeoGrid, classes: Int, probabilities: Bool = true) {
        width = grid.width; height = grid.height; self.classes = classes
        map = [UInt8](repeating: 254, count: width * height)
        self.probabilities = [Float](repeating: -1, count: classes * width * height)
        written = [Int](repeating: 0, count: width * height)
        wantsProbabilities = probabilities
    }

    func write(window: PixelWindow, classes cls: UnsafePointer<UInt8>, probabilities p: UnsafePointer<Float>?) throws {
        let plane = window.width * window.height
        for r in 0..<window.height {
            for c in 0..<window.width {
                let i = (window.y + r) * width + window.x + c
                map[i] = cls[r * window.width + c]
                written[i] += 1
                if let p { for k in 0..<classes { probabilities[k * width * height + i] = p[k * plane + r * window.width + c] } }
            }
        }
    }
}

enum SinglePass {
    /// The model applied once to the whole scene (one window covering everything), with the reader's
    /// normalisation: softmax probabilities [K, H, W] and the top-2 margin per pixel.
    static func run(_ model: PredictionModel, path: String) throws -> (probs: [Float], classes: [UInt8], margin: [Float], w: Int, h: Int) {
        try run(model, paths: [path])
    }

    /// The same over a band stack of several files on one grid.
    static func run(_ model: PredictionModel, paths: [String]) throws -> (probs: [Float], classes: [UInt8], margin: [Float], w: Int, h: Int) {
        let x = try Tensor.cat(paths.map { p in
            let r = try Raster(path: p)
            return try r.read(window: PixelWindow(width: r.width, height: r.height), as: .float32)
        }, dim: 0)
        let c = x.size(0)
        let s = try Tensor(model.scale.map(Float.init), shape: [c, 1, 1]), o = try Tensor(model.offset.map(Float.init), shape: [c, 1, 1])
        let xn = try (x * s + o).unsqueeze(0)
        let logits = try Torch.inferenceMode { try model.forward(xn) }.squeeze(dim: 0)
        let probs = try logits.softmax(dim: 0)
        let top = try logits.topk(2, dim: 0).values
        let margin = try (top.select(dim: 0, index: 0) - top.select(dim: 0, index: 1)).floats()
        let classes = try logits.argmax(dim: 0).to(.uint8).toArray(UInt8.self)
        return (try probs.floats(), classes, margin, x.size(2), x.size(1))
    }
}

/// Reads a single-band raster's pixels as bytes.
func readBytes(_ path: String, band: Int = 1) throws -> [UInt8] {
    let r = try Raster(path: path)
    return try r.read(window: PixelWindow(width: r.width, height: r.height), bands: [band]).toArray(UInt8.self)
}
