import StrataTensor

/// torchvision's ResNet-18/34/50 for any number of input bands.
///
/// Parameter names and shapes are exactly torchvision's (`conv1.weight`, `bn1.running_mean`,
/// `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `fc.bias`, …), so a state dict saved from
/// `torchvision.models.resnet18()` — or from TorchGeo's ResNet weights, which use the same layout — loads with
/// `load(stateDict:)`, and `stateDict()` loads back into PyTorch. With 3 bands, `Runtime.manualSeed(s)` followed
/// by `ResNet(.resnet18)` gives the same initial weights as `torch.manual_seed(s); torchvision.models.resnet18()`.
///
/// Initialisation is torchvision's default: convolutions Kaiming-normal (fan_out, ReLU gain), BatchNorm weight 1
/// and bias 0, the classifier PyTorch's default Linear init; no zero-init of the last BN in each residual branch.
///
/// ```swift
/// let model = try ResNet(.resnet18, inChannels: 13, numClasses: 10)
/// let logits = try model(x)                    // x: [N, 13, H, W] → [N, 10]
/// let stages = try model.features(x)           // strides 2, 4, 8, 16, 32
/// ```
public final class ResNet: Module {
    /// The three depths torchvision defines with these blocks.
    public enum Depth: Int, Sendable, CaseIterable {
        case resnet18 = 18, resnet34 = 34, resnet50 = 50
        /// Blocks per stage.
        public var layers: [Int] {
            switch self {
            case .resnet18: [2, 2, 2, 2]
            case .resnet34, .resnet50: [3, 4, 6, 3]
            }
        }
        /// Channel multiplier of the last convolution in a block (1 basic, 4 bottleneck).
        public var expansion: Int { self == .resnet50 ? Bottleneck.expansion : BasicBlock.expansion }
    }

    public let depth: Depth
    public let inChannels: Int
    /// Classes of the `fc` head; nil when the model is a feature extractor (no `fc`, forward returns the pooled
    /// features `[N, featureDimension]`).
    public let numClasses: Int?
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let maxpool: MaxPool2d
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    public let avgpool: AdaptiveAvgPool2d
    public let fc: Linear?

    /// Channels of the five outputs of `features(_:)`: stem, layer1…layer4.
    public var featureChannels: [Int] { [64] + [64, 128, 256, 512].map { $0 * depth.expansion } }
    /// Length of the pooled feature vector fed to `fc`.
    public var featureDimension: Int { 512 * depth.expansion }

    /// - Parameters:
    ///   - inChannels: input bands (torchvision's 3 for RGB; 13 for Sentinel-2 L1C, …).
    ///   - numClasses: size of the `fc` head, or nil for a headless encoder.
    public init(_ depth: Depth, inChannels: Int = 3, numClasses: Int? = 1000) throws {
        guard inChannels > 0 else { throw ModelError("ResNet: inChannels must be ≥ 1, got \(inChannels)") }
        if let numClasses, numClasses < 1 {
            throw ModelError("ResNet: numClasses must be ≥ 1 (or nil for a feature extractor), got \(numClasses)")
        }
        self.depth = depth
        self.inChannels = inChannels
        self.numClasses = numClasses
        // Built in torchvision's order so seeded random draws match it.
        conv1 = try Conv2d(inChannels, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = try BatchNorm2d(64)
        maxpool = try MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        var inplanes = 64
        func stage(_ planes: Int, _ blocks: Int, _ stride: Int) throws -> Sequential {
            let out = planes * depth.expansion
            let down = (stride != 1 || inplanes != out) ? try makeDownsample(inplanes, out, stride: stride) : nil
            var layers: [Module] = []
            for i in 0..<blocks {
                let (cin, s, d) = i == 0 ? (inplanes, stride, down) : (out, 1, nil)
                layers.append(depth == .resnet50
                    ? try Bottleneck(cin, planes, stride: s, downsample: d)
                    : try BasicBlock(cin, planes, stride: s, downsample: d))
            }
            inplanes = out
            return Sequential(layers)
        }
        layer1 = try stage(64, depth.layers[0], 1)
        layer2 = try stage(128, depth.layers[1], 2)
        layer3 = try stage(256, depth.layers[2], 2)
        layer4 = try stage(512, depth.layers[3], 2)
        avgpool = try AdaptiveAvgPool2d(1)
        fc = try numClasses.map { try Linear(512 * depth.expansion, $0) }
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("maxpool", maxpool)
        registerModule("layer1", layer1)
        registerModule("layer2", layer2)
        registerModule("layer3", layer3)
        registerModule("layer4", layer4)
        registerModule("avgpool", avgpool)
        if let fc { registerModule("fc", fc) }
        try Self.torchvisionInit(self)
    }

    /// torchvision's ResNet initialisation over `module` and its descendants (pre-order): every `Conv2d` weight
    /// Kaiming-normal with fan_out and ReLU gain, every BatchNorm weight 1 and bias 0. Linear layers keep
    /// PyTorch's default.
    static func torchvisionInit(_ module: Module) throws {
        for m in module.modules() {
            if let c = m as? Conv2d {
                try Init.kaimingNormal(c.weight, mode: .fanOut, nonlinearity: .relu)
            } else if let bn = m as? BatchNormNd {
                if let w = bn.weight { try Init.ones(w) }
                if let b = bn.bias { try Init.zeros(b) }
            }
        }
    }

    /// Zeroes the weight of the last BatchNorm in every residual block (`bn2` of basic blocks, `bn3` of
    /// bottlenecks), so each block starts as the identity: torchvision's `zero_init_residual=True` and timm's default
    /// (`zero_init_last`, which TorchGeo's `ClassificationTask` models use). Helps training from scratch.
    public func zeroInitResiduals() throws {
        for stage in [layer1, layer2, layer3, layer4] {
            for m in stage.modules() {
                if let b = m as? Bottleneck, let w = b.bn3.weight { try Init.zeros(w) }
                else if let b = m as? BasicBlock, let w = b.bn2.weight { try Init.zeros(w) }
            }
        }
    }

    func checkInput(_ x: Tensor) throws {
        guard x.rank == 4 else {
            throw ModelError("\(depth): expected a 4-D input [N, \(inChannels), H, W], got shape \(x.shape)")
        }
        guard x.shape[1] == inChannels else {
            throw ModelError("\(depth): the model takes \(inChannels) bands but the input has \(x.shape[1]) (shape \(x.shape)); select the bands the model was built for or build it with inChannels: \(x.shape[1])")
        }
    }

    /// The stem (`conv1`-`bn1`-ReLU, stride 2) and the outputs of `layer1`…`layer4` (strides 4, 8, 16, 32), for
    /// encoders. Channels are `featureChannels`.
    public func features(_ x: Tensor) throws -> [Tensor] {
        try checkInput(x)
        let stem = try ModelOps.reluInPlace(bn1(conv1(x)))
        let f1 = try layer1(maxpool(stem))
        let f2 = try layer2(f1)
        let f3 = try layer3(f2)
        let f4 = try layer4(f3)
        return [stem, f1, f2, f3, f4]
    }

    /// Logits `[N, numClasses]`, or the pooled features `[N, featureDimension]` when there is no `fc`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        let last = try features(x)[4]
        let pooled = try ModelOps.flatten(avgpool(last))
        return try fc?.forward(pooled) ?? pooled
    }

    public override var extraDescription: String { "\(depth), in_channels=\(inChannels)" }
}

extension ResNet.Depth: CustomStringConvertible {
    public var description: String { "ResNet-\(rawValue)" }
}
