import StrataTensor

/// segmentation_models_pytorch's `FPNDecoder` (smp 0.2…0.6 layout and arithmetic), parameter names as smp's:
/// `p5.{weight,bias}` (1×1 lateral of the deepest feature), `p4|p3|p2.skip_conv.{weight,bias}` (1×1 laterals),
/// `seg_blocks.{i}.block.{j}.block.{0,1}` (conv3×3 without bias, GroupNorm(32)).
///
/// Top-down path: `p5 = conv1×1(c5)`, `p_k = nearest×2(p_{k+1}) + conv1×1(c_k)` for k = 4, 3, 2. Each `p_k` goes
/// through a segmentation block of conv3×3-GN-ReLU units with bilinear ×2 upsampling (**align_corners=True**, as
/// smp) after each unit while it is above stride 4 (3, 2, 1, 0 upsamplings for p5…p2; p2 gets one unit without
/// upsampling). The four maps are merged by sum (`merge: .add`, output `segmentationChannels`) or concatenation
/// (`.cat`, 4 × that), then `Dropout2d(dropout)` (training only). Output stride 4.
public final class FPNDecoder: Module {
    public enum Merge: String, Sendable { case add, cat }

    public let p5: Conv2d
    public let laterals: [FPNLateral]
    public let segBlocks: [FPNSegmentationBlock]
    public let merge: Merge
    public let dropout: Dropout2d
    /// Channels of the output (`segmentationChannels`, × 4 for `.cat`).
    public let outChannels: Int

    /// - Parameter encoderChannels: the encoder's feature channels, shallowest first (smp's `out_channels`,
    ///   e.g. `[3, 32, 24, 40, 112, 320]`); the last four are used (strides 4, 8, 16, 32).
    public init(encoderChannels: [Int], pyramidChannels: Int = 256, segmentationChannels: Int = 128,
                dropout: Double = 0.2, merge: Merge = .add) throws {
        guard encoderChannels.count >= 4 else {
            throw ModelError("FPNDecoder: needs at least 4 encoder feature widths, got \(encoderChannels)")
        }
        guard segmentationChannels % 32 == 0 else {
            throw ModelError("FPNDecoder: segmentationChannels must be a multiple of 32 (GroupNorm(32)), "
                             + "got \(segmentationChannels)")
        }
        let c = Array(encoderChannels.suffix(4).reversed())   // c5, c4, c3, c2
        p5 = try Conv2d(c[0], pyramidChannels, kernelSize: 1)
        laterals = try (1...3).map { try FPNLateral(pyramidChannels: pyramidChannels, skipChannels: c[$0]) }
        segBlocks = try [3, 2, 1, 0].map {
            try FPNSegmentationBlock(pyramidChannels, segmentationChannels, upsamplings: $0)
        }
        self.merge = merge
        self.dropout = try Dropout2d(dropout)
        outChannels = merge == .add ? segmentationChannels : 4 * segmentationChannels
        super.init()
        registerModule("p5", p5)
        registerModule("p4", laterals[0])
        registerModule("p3", laterals[1])
        registerModule("p2", laterals[2])
        registerModule("seg_blocks", ModuleList(segBlocks))
        registerModule("dropout", self.dropout)
    }

    /// Decodes encoder features (shallowest first; the last four at strides 4, 8, 16, 32) to one stride-4 map.
    public func decode(_ features: [Tensor]) throws -> Tensor {
        guard features.count >= 4 else {
            throw ModelError("FPNDecoder: expected ≥ 4 feature maps, got \(features.count)")
        }
        let f = Array(features.suffix(4))
        let p5v = try p5(f[3])
        let p4v = try laterals[0](p5v, skip: f[2])
        let p3v = try laterals[1](p4v, skip: f[1])
        let p2v = try laterals[2](p3v, skip: f[0])
        let maps = try zip(segBlocks, [p5v, p4v, p3v, p2v]).map { try $0.0($0.1) }
        let merged: Tensor
        switch merge {
        case .add: merged = try Tensor.stack(maps).sum(dim: 0)
        case .cat: merged = try Tensor.cat(maps, dim: 1)
        }
        return try dropout(merged)
    }
}

/// smp's `FPNBlock`: `nearest×2(x) + skip_conv(skip)` (`skip_conv`: 1×1 with bias).
public final class FPNLateral: Module {
    public let skipConv: Conv2d

    init(pyramidChannels: Int, skipChannels: Int) throws {
        skipConv = try Conv2d(skipChannels, pyramidChannels, kernelSize: 1)
        super.init()
        registerModule("skip_conv", skipConv)
    }

    func callAsFunction(_ x: Tensor, skip: Tensor) throws -> Tensor {
        try x.interpolate(scaleFactor: 2, mode: .nearest) + skipConv(skip)
    }
}

/// smp's `SegmentationBlock`: `block.{j}` = `Conv3x3GNReLU` units (`block.0` conv3×3 no bias, `block.1`
/// GroupNorm(32), ReLU, then bilinear ×2 with align_corners=True when the unit upsamples).
public final class FPNSegmentationBlock: Module {
    public let units: [Sequential]
    public let upsamples: [Bool]

    init(_ cin: Int, _ cout: Int, upsamplings n: Int) throws {
        var units: [Sequential] = [], ups: [Bool] = []
        for j in 0..<max(1, n) {
            units.append(Sequential([
                try Conv2d(j == 0 ? cin : cout, cout, kernelSize: 3, padding: 1, bias: false),
                try GroupNorm(numGroups: 32, numChannels: cout),
                ReLU(),
            ]))
            ups.append(n > 0)
        }
        self.units = units
        upsamples = ups
        super.init()
        let wrapped: [Module] = units.map { u in
            let m = Module()
            m.registerModule("block", u)
            return m
        }
        registerModule("block", Sequential(wrapped))
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var y = x
        for (u, up) in zip(units, upsamples) {
            y = try u(y)
            if up { y = try y.interpolate(scaleFactor: 2, mode: .bilinear, alignCorners: true) }
        }
        return y
    }
}
