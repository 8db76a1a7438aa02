import StrataTensor

/// The feature layers of torchvision's EfficientNet-B0…B4 (`torchvision.models.efficientnet_bN().features`), whole
/// or cut after a given stage, as an encoder.
///
/// The module *is* the `features` `Sequential`: its children are `0` (stem conv3×3/2-BN-SiLU), `1`…`7` (the MBConv
/// stages) and `8` (the last conv1×1-BN-SiLU), and parameter names are torchvision's relative to `features`
/// (`0.0.weight`, `1.0.block.0.0.weight`, `2.1.block.2.fc1.bias`, `3.0.block.3.1.running_var`, …). Register it
/// as `features` to get torchvision's full names, or under another name where a model embeds it (TinyCD's
/// `_backbone` holds `features[0...3]`). A torchvision state dict loads with
/// `load(stateDict: sd.scoped("features"), strict: false)` when the model is cut short, strictly when whole.
///
/// Widths and depths follow torchvision exactly: stage channels `_make_divisible(c · width, 8)`, block counts
/// `ceil(n · depth)`, stochastic-depth probability `0.2 · blockIndex / totalBlocks` counted over the whole network
/// (also when cut short), BatchNorm eps 1e-5 and momentum 0.1 (B0–B4; torchvision's B5–B7 use eps 1e-3 and are
/// not offered). Initialisation is torchvision's: convolutions Kaiming-normal (fan_out), conv biases 0, BN 1/0.
///
/// ```swift
/// let stem = try EfficientNet(.b4, stages: 4)      // TinyCD's backbone: strides 2, 2, 4, 8; widths 48, 24, 32, 56
/// let maps = try stem.features(x)                  // one map per stage
/// ```
public final class EfficientNet: Module {
    /// The compound-scaled variants with BatchNorm eps 1e-5.
    public enum Variant: String, Sendable, CaseIterable {
        case b0, b1, b2, b3, b4
        /// (width, depth) multipliers, as torchvision's `efficientnet_bN`.
        public var multipliers: (width: Double, depth: Double) {
            switch self {
            case .b0: (1.0, 1.0)
            case .b1: (1.0, 1.1)
            case .b2: (1.1, 1.2)
            case .b3: (1.2, 1.4)
            case .b4: (1.4, 1.8)
            }
        }
    }

    /// One row of EfficientNet's stage table (B0 widths and depths before scaling).
    struct StageSetting {
        let expandRatio: Int, kernel: Int, stride: Int, inChannels: Int, outChannels: Int, layers: Int
    }
    static let baseStages: [StageSetting] = [
        .init(expandRatio: 1, kernel: 3, stride: 1, inChannels: 32, outChannels: 16, layers: 1),
        .init(expandRatio: 6, kernel: 3, stride: 2, inChannels: 16, outChannels: 24, layers: 2),
        .init(expandRatio: 6, kernel: 5, stride: 2, inChannels: 24, outChannels: 40, layers: 2),
        .init(expandRatio: 6, kernel: 3, stride: 2, inChannels: 40, outChannels: 80, layers: 3),
        .init(expandRatio: 6, kernel: 5, stride: 1, inChannels: 80, outChannels: 112, layers: 3),
        .init(expandRatio: 6, kernel: 5, stride: 2, inChannels: 112, outChannels: 192, layers: 4),
        .init(expandRatio: 6, kernel: 3, stride: 1, inChannels: 192, outChannels: 320, layers: 1),
    ]
    /// Number of children of a whole `features` (stem, 7 stages, last conv).
    public static let fullStageCount = 9

    /// torchvision's `_make_divisible(v, 8)`: nearest multiple of 8, at least 8, not below 90 % of `v`.
    static func makeDivisible(_ v: Double, divisor: Int = 8) -> Int {
        var out = max(divisor, Int(v + Double(divisor) / 2) / divisor * divisor)
        if Double(out) < 0.9 * v { out += divisor }
        return out
    }

    public let variant: Variant
    /// Children kept (1…9): `features[0..<stageCount]`.
    public let stageCount: Int
    /// Output channels of each kept child.
    public let stageChannels: [Int]
    /// Downsampling factor of each kept child's output relative to the input.
    public let stageStrides: [Int]
    public let stages: [Module]

    /// - Parameters:
    ///   - stages: how many children of `features` to build (9 = all; TinyCD uses 4).
    ///   - stochasticDepth: torchvision's `stochastic_depth_prob` (0.2).
    public init(_ variant: Variant, stages: Int = EfficientNet.fullStageCount, stochasticDepth: Double = 0.2) throws {
        guard (1...Self.fullStageCount).contains(stages) else {
            throw ModelError(
                "EfficientNet: stages must be 1…\(Self.fullStageCount) (children of features), got \(stages)")
        }
        self.variant = variant
        stageCount = stages
        let (width, depth) = variant.multipliers
        let settings = Self.baseStages.map {
            StageSetting(expandRatio: $0.expandRatio, kernel: $0.kernel, stride: $0.stride,
                         inChannels: Self.makeDivisible(Double($0.inChannels) * width),
                         outChannels: Self.makeDivisible(Double($0.outChannels) * width),
                         layers: Int((Double($0.layers) * depth).rounded(.up)))
        }
        let totalBlocks = settings.reduce(0) { $0 + $1.layers }
        var built: [Module] = [try convNormSiLU(3, settings[0].inChannels, kernel: 3, stride: 2)]
        var channels = [settings[0].inChannels], strides = [2]
        var blockIndex = 0
        for s in settings where built.count < stages {
            var blocks: [Module] = []
            for i in 0..<s.layers {
                let p = stochasticDepth * Double(blockIndex) / Double(totalBlocks)
                blocks.append(try MBConv(inChannels: i == 0 ? s.inChannels : s.outChannels, outChannels: s.outChannels,
                                         expandRatio: s.expandRatio, kernel: s.kernel, stride: i == 0 ? s.stride : 1,
                                         stochasticDepthProbability: p))
                blockIndex += 1
            }
            built.append(Sequential(blocks))
            channels.append(s.outChannels)
            strides.append(strides.last! * s.stride)
        }
        if stages == Self.fullStageCount {
            let last = settings.last!.outChannels
            built.append(try convNormSiLU(last, 4 * last, kernel: 1))
            channels.append(4 * last)
            strides.append(strides.last!)
        }
        self.stages = built
        stageChannels = channels
        stageStrides = strides
        super.init()
        for (i, m) in built.enumerated() { registerModule(String(i), m) }
        for m in modules() {
            if let c = m as? Conv2d {
                try Init.kaimingNormal(c.weight, mode: .fanOut)
                if let b = c.bias { try Init.zeros(b) }
            } else if let bn = m as? BatchNormNd {
                if let w = bn.weight { try Init.ones(w) }
                if let b = bn.bias { try Init.zeros(b) }
            }
        }
    }

    /// The output of every kept child, in order (`stageChannels`, `stageStrides`).
    public func features(_ x: Tensor) throws -> [Tensor] {
        guard x.rank == 4, x.shape[1] == 3 else {
            throw ModelError("EfficientNet-\(variant.rawValue.uppercased()): expected an RGB batch [N, 3, H, W], "
                             + "got shape \(x.shape)")
        }
        var out: [Tensor] = []
        var y = x
        for stage in stages {
            y = try stage(y)
            out.append(y)
        }
        return out
    }

    /// The last kept child's output.
    public override func forward(_ x: Tensor) throws -> Tensor { try features(x).last! }

    public override var extraDescription: String { "efficientnet_\(variant.rawValue), stages=\(stageCount)" }
}
