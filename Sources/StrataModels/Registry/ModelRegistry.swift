import StrataTensor

/// What a model predicts: one class per chip (scene classification) or one class per pixel.
public enum ModelKind: String, Codable, Sendable {
    case classifier, segmenter
}

/// The architectures Strata builds by name (`strata train` configs, checkpoints and model cards use these names).
///
/// | name | architecture | input |
/// |---|---|---|
/// | `small-cnn` | `SmallCNN` | `[N, bands, H, W]`, any size |
/// | `resnet18`, `resnet34`, `resnet50` | torchvision `ResNet` | `[N, bands, H, W]`, any size ≥ 32 |
/// | `resnet11-3d` | DF4LCZ `ResNet11_3D` | `[N, bands, H, W]` as a 1-channel volume (32×32×10 in DF4LCZ) |
/// | `unet-resnet18`, `unet-resnet34`, `unet-resnet50` | `UNet` (smp layout) | `[N, bands, H, W]`, H and W multiples of 32 |
///
/// ```swift
/// let model = try ModelRegistry.make(name: "resnet18", inChannels: 13, numClasses: 10)
/// ```
public enum ModelRegistry {
    /// One buildable architecture.
    public struct Entry: Sendable {
        public let name: String
        public let kind: ModelKind
        public let summary: String
        let build: @Sendable (_ inChannels: Int, _ numClasses: Int) throws -> Module
    }

    /// Every architecture, in listing order.
    public static let entries: [Entry] = [
        Entry(name: "small-cnn", kind: .classifier,
              summary: "3× conv3x3-BN-ReLU (32/64/128, strides 1/2/2), global average pool, linear") {
            try SmallCNN(inChannels: $0, numClasses: $1)
        },
        Entry(name: "resnet18", kind: .classifier, summary: "ResNet-18, torchvision parameter names") {
            try ResNet(.resnet18, inChannels: $0, numClasses: $1)
        },
        Entry(name: "resnet34", kind: .classifier, summary: "ResNet-34, torchvision parameter names") {
            try ResNet(.resnet34, inChannels: $0, numClasses: $1)
        },
        Entry(name: "resnet50", kind: .classifier, summary: "ResNet-50, torchvision parameter names") {
            try ResNet(.resnet50, inChannels: $0, numClasses: $1)
        },
        Entry(name: "resnet11-3d", kind: .classifier,
              summary: "DF4LCZ Sentinel-2 stream: 3-D bottleneck ResNet over (bands, H, W)") {
            try ResNet11_3D(bands: $0, numClasses: $1)
        },
        Entry(name: "unet-resnet18", kind: .segmenter, summary: "UNet, ResNet-18 encoder, smp parameter names") {
            try UNet(encoder: .resnet18, inChannels: $0, numClasses: $1)
        },
        Entry(name: "unet-resnet34", kind: .segmenter, summary: "UNet, ResNet-34 encoder, smp parameter names") {
            try UNet(encoder: .resnet34, inChannels: $0, numClasses: $1)
        },
        Entry(name: "unet-resnet50", kind: .segmenter, summary: "UNet, ResNet-50 encoder, smp parameter names") {
            try UNet(encoder: .resnet50, inChannels: $0, numClasses: $1)
        },
    ]

    /// The registered names, in listing order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry called `name` (case-insensitive; `_` may stand for `-`). Unknown names throw an error that lists
    /// the known ones.
    public static func entry(_ name: String) throws -> Entry {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        guard let e = entries.first(where: { $0.name == key }) else {
            throw ModelError("unknown model '\(name)'; known models: \(names.joined(separator: ", "))")
        }
        return e
    }

    /// Builds a freshly initialised model.
    public static func make(name: String, inChannels: Int, numClasses: Int) throws -> Module {
        let e = try entry(name)
        guard inChannels >= 1 else { throw ModelError("\(e.name): inChannels must be ≥ 1, got \(inChannels)") }
        guard numClasses >= 1 else { throw ModelError("\(e.name): numClasses must be ≥ 1, got \(numClasses)") }
        return try e.build(inChannels, numClasses)
    }
}
