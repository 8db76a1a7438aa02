import Foundation
import StrataModels
import StrataTensor

/// `predict`: whole-scene segmentation throughput in megapixels per second. A UNet (smp layout, ResNet encoder)
/// runs over a synthetic float32 scene of fixed seed held in host memory, cut into overlapping chips exactly as
/// `strata predict` places them (`TileAxis.positions`: stride = chip − overlap, last chip flush with the far edge)
/// and blended with the predictor's raised-cosine weights (`BlendWeights`, logits blended as its default): per batch,
/// chips are sliced from the host scene, stacked, copied to the device, run under inference mode (and autocast),
/// weighted and added into a `[classes, H, W]` accumulator on the device; the class map (argmax) is copied back
/// to the host at the end. Tiles are visited row by row (the predictor's column blocks only bound its host-side
/// strip memory; here the accumulator lives on the device). Timed from the first chip to the class map on the host,
/// after one untimed warm-up batch. `--save-weights`/`--save-map` write the model's state dict and the class map as
/// torch.save files (Python's torch.load reads them) for the PyTorch side's agreement check.
enum SceneBench {
    static let keys = BenchOptions.commonKeys.union(["scene", "bands", "classes", "chip", "overlap", "batch", "encoder",
                                                     "save-weights", "save-map"])

    static func run(_ o: BenchOptions) throws {
        let s = try o.common()
        s.apply()
        let side = try o.int("scene", 8192), bands = try o.int("bands", 3), classes = try o.int("classes", 6)
        let chip = try o.int("chip", 512), overlap = try o.int("overlap", 64, min: 0), batch = try o.int("batch", 16)
        let encoderName = try o.string("encoder", "50", oneOf: ["18", "34", "50"])
        guard chip % 32 == 0 else { throw BenchError("predict: --chip must be a multiple of 32 (UNet), got \(chip)") }
        guard overlap < chip else {
            throw BenchError("predict: --overlap \(overlap) must be smaller than --chip \(chip)")
        }
        guard side >= chip else { throw BenchError("predict: --scene \(side) must be at least --chip \(chip)") }

        // The scene is drawn first after seeding (the PyTorch side draws the same numbers), then the model.
        Runtime.manualSeed(s.seed)
        let scene = try Tensor.randn([bands, side, side])
        let depth = ResNet.Depth(rawValue: Int(encoderName)!)!
        let model = try UNet(encoder: depth, inChannels: bands, numClasses: classes)
        if let path = o.path("save-weights") { try TorchPickle.save(model.stateDict(), to: path) }  // CPU, NCHW
        try model.to(s.device).eval()
        if s.channelsLast { try model.toMemoryFormat(.channelsLast) }

        let xs = TileAxis.positions(length: side, chip: chip, stride: chip - overlap)
        let ys = TileAxis.positions(length: side, chip: chip, stride: chip - overlap)
        let w = BlendWeights(window: .cosine, xs: xs, chipW: chip, width: side, ys: ys, chipH: chip, height: side)
        let tiles = ys.indices.flatMap { r in xs.indices.map { c in (r, c) } }

        let (seconds, map) = try Torch.inferenceMode { () throws -> (Double, Tensor) in
            let wx = try w.wx.map { try Tensor($0, shape: [1, 1, 1, chip]).to(s.device) }
            let wy = try w.wy.map { try Tensor($0, shape: [1, 1, chip, 1]).to(s.device) }
            func forward(_ part: ArraySlice<(Int, Int)>) throws -> Tensor {
                let chips = try part.map { (r, c) in
                    try scene.narrow(dim: 1, start: ys[r], length: chip).narrow(dim: 2, start: xs[c], length: chip)
                }
                var x = try Tensor.stack(chips).to(s.device)
                if s.channelsLast { x = try x.contiguous(.channelsLast) }
                return try s.autocast { try model(x) }.to(.float32)
            }
            _ = try forward(tiles.prefix(batch))  // warm-up (cuDNN algorithm choice, allocator)
            try s.synchronize()
            let t0 = now()
            let acc = try Tensor.zeros([1, classes, side, side], .init(device: s.device))
            for start in stride(from: 0, to: tiles.count, by: batch) {
                let part = tiles[start..<min(start + batch, tiles.count)]
                let logits = try forward(part)
                for (i, (r, c)) in part.enumerated() {
                    let weighted = try logits.narrow(dim: 0, start: i, length: 1) * wy[r] * wx[c]
                    let target = try acc.narrow(dim: 2, start: ys[r], length: chip).narrow(dim: 3, start: xs[c], length: chip)
                    try target.add_(weighted)
                }
            }
            let map = try acc.argmax(dim: 1).to(.cpu, dtype: .uint8).contiguous()
            return (now() - t0, map)
        }
        if let path = o.path("save-map") { try TorchPickle.save(["map": map], to: path) }
        let mp = Double(side * side) / 1e6
        print("model: unet-resnet\(encoderName)")
        print("device: \(s.deviceName)")
        print("scene: \(side)x\(side)x\(bands)")
        print("chip: \(chip)")
        print("overlap: \(overlap)")
        print("batch: \(batch)")
        print("chips: \(tiles.count)")
        print("amp: \(s.ampName)")
        print("channels-last: \(s.channelsLast ? 1 : 0)")
        print(String(format: "predict-seconds: %.4f", seconds))
        print(String(format: "predict-mp-per-s: %.4f", mp / seconds))
    }
}
