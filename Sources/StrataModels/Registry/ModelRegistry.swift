import StrataTensor

/// The architectures Strata builds by name (`strata train` configs, checkpoints and model cards use these names).
///
/// | name | architecture | input |
/// |---|---|---|
/// | `small-cnn` | `SmallCNN` | `[N, bands, H, W]`, any size |
/// | `resnet18`, `resnet34`, `resnet50` | torchvision `ResNet` | `[N, bands, H, W]`, any size ≥ 32 |
/// | `resnet11-3d` | DF4LCZ `ResNet11_3D` | `[N, bands, H, W]` as a 1-channel volume (32×32×10 in DF4LCZ) |
/// | `df4lcz-fusion` | `DF4LCZFusion` (card extra `fusion.alpha`, `fusion.training`) | chips + their segment graphs |
/// | `so2sat-resnet20` | So2Sat LCZ42 `So2SatResNetV2` (depth 20) | `[N, bands, H, W]`, 32×32 in So2Sat |
/// | `unet-resnet18`, `unet-resnet34`, `unet-resnet50` | `UNet` (smp layout) | `[N, bands, H, W]`, H and W multiples of 32 |
/// | `fc-ef`, `fc-siam-conc`, `fc-siam-diff` | `FCSiam` (Daudt 2018 as TorchGeo, smp names) | two dates `[N, 2·bands, H, W]`, multiples of 32 |
/// | `tinycd` | `TinyCD` (original checkpoint names) | two RGB dates `[N, 6, H, W]`, multiples of 8 |
///
/// Change models (task `.change`) read the card as one date's bands (`inChannels = C`, the input is `2C`) and the
/// change map's class names (`["no change", "change"]`: one logit; K ≥ 3 names: K logits, see
/// `ModelCard.changeOutputs`); `extra["encoder"]` picks the FC networks' ResNet (`resnet18`/`34`/`50`, default 34).
/// | `ltae-resnet18` | `TemporalResNet` | series `[N, T·C, H, W]` (`TemporalModel`) |
/// | `unet-ltae-resnet18` | `TemporalUNet` (U-TAE style) | series `[N, T·C, H, W]`, H and W multiples of 32 |
///
/// Models are built from a `ModelCard` (`make(card:)`): the card says the architecture, the task, the bands and the
/// classes, so a builder can read whatever it needs (an image-pair model its two inputs, an embedding model its
/// dimension in `extra`) without the registry growing a parameter per family.
///
/// ```swift
/// let model = try ModelRegistry.make(card: card)
/// let same = try ModelRegistry.make(name: "resnet18", inChannels: 13, numClasses: 10)  // card-less convenience
/// ```
public enum ModelRegistry {
    /// One buildable architecture.
    public struct Entry: Sendable {
        public let name: String
        /// The task the architecture's output serves (`.classification`: one score vector per sample, which
        /// also serves `.multilabel`; `.segmentation`: one per pixel).
        public let task: TaskKind
        public let summary: String
        let build: @Sendable (_ card: ModelCard) throws -> Module

        /// Whether a model of this entry can be trained or used for `task`.
        public func serves(_ task: TaskKind) -> Bool {
            task == self.task || (self.task == .classification && task == .multilabel)
        }
    }

    /// Every architecture, in listing order.
    public static let entries: [Entry] = [
        Entry(name: "small-cnn", task: .classification,
              summary: "3× conv3x3-BN-ReLU (32/64/128, strides 1/2/2), global average pool, linear") {
            try SmallCNN(inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "resnet18", task: .classification, summary: "ResNet-18, torchvision parameter names") {
            try ResNet(.resnet18, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "resnet34", task: .classification, summary: "ResNet-34, torchvision parameter names") {
            try ResNet(.resnet34, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "resnet50", task: .classification, summary: "ResNet-50, torchvision parameter names") {
            try ResNet(.resnet50, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "resnet11-3d", task: .classification,
              summary: "DF4LCZ Sentinel-2 stream: 3-D bottleneck ResNet over (bands, H, W)") {
            try ResNet11_3D(bands: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "df4lcz-fusion", task: .classification,
              summary: "DF4LCZ: ResNet11-3D Sentinel-2 stream + GCSConv segment-graph stream, late fusion") {
            let alpha = try $0.extra[DF4LCZFusion.alphaKey].map { v -> Double in
                guard let a = Double(v) else {
                    throw ModelError("model card: \(DF4LCZFusion.alphaKey) '\(v)' is not a number")
                }
                return a
            } ?? 0.6
            let t = $0.extra[DF4LCZFusion.trainingKey] ?? DF4LCZFusion.Training.late.rawValue
            guard let training = DF4LCZFusion.Training(rawValue: t) else {
                throw ModelError("model card: \(DF4LCZFusion.trainingKey) '\(t)' is not late or joint")
            }
            return try DF4LCZFusion(s2: ResNet11_3D(bands: $0.inChannels, numClasses: $0.numClasses),
                                    graph: DF4LCZGraphNet(numClasses: $0.numClasses), alpha: alpha, training: training)
        },
        Entry(name: So2SatResNetV2.architecture, task: .classification,
              summary: "So2Sat LCZ42 ResNet20-v2 (Keras resnet_v2, pre-activation bottlenecks); Keras .h5 weights load") {
            try So2SatResNetV2(inChannels: $0.inChannels, numClasses: $0.numClasses, depth: 20)
        },
        Entry(name: "unet-resnet18", task: .segmentation, summary: "UNet, ResNet-18 encoder, smp parameter names") {
            try UNet(encoder: .resnet18, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "unet-resnet34", task: .segmentation, summary: "UNet, ResNet-34 encoder, smp parameter names") {
            try UNet(encoder: .resnet34, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "unet-resnet50", task: .segmentation, summary: "UNet, ResNet-50 encoder, smp parameter names") {
            try UNet(encoder: .resnet50, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "fc-ef", task: .change, summary: "FC-EF: early-fusion UNet (TorchGeo 'unet' change model), smp names") {
            try FCSiam(.early, card: $0)
        },
        Entry(name: "fc-siam-conc", task: .change, summary: "FC-Siam-conc (TorchGeo FCSiamConc), smp names") {
            try FCSiam(.concatenation, card: $0)
        },
        Entry(name: "fc-siam-diff", task: .change, summary: "FC-Siam-diff (TorchGeo FCSiamDiff), smp names") {
            try FCSiam(.difference, card: $0)
        },
        Entry(name: "tinycd", task: .change, summary: "TinyCD (EfficientNet-B4 stem), original checkpoint names") {
            guard $0.inChannels == 3, try $0.changeOutputs() == 1 else {
                throw ModelError("tinycd takes RGB pairs (3 bands per date) and gives one change logit (class names "
                    + "[no change, change]); the card has \($0.inChannels) bands and \($0.numClasses) classes")
            }
            return try TinyCD()
        },
        Entry(name: "fpn-efficientnet-b0", task: .segmentation,
              summary: "FPN, EfficientNet-B0 encoder, smp / efficientnet-pytorch parameter names") {
            try FPN(encoder: .b0, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "fpn-efficientnet-b4", task: .segmentation,
              summary: "FPN, EfficientNet-B4 encoder, smp / efficientnet-pytorch parameter names") {
            try FPN(encoder: .b4, inChannels: $0.inChannels, numClasses: $0.numClasses)
        },
        Entry(name: "clearscd", task: .semanticChange,
              summary: "ClearSCD: Siamese EfficientNet-B0 + FPN, deep CVAPS change head, SACL queues (smp names)") {
            var config = ClearSCD.Config()
            config.channelsPerDate = $0.inChannels
            config.classes = $0.numClasses
            return try ClearSCD(config)
        },
        Entry(name: "senclip", task: .embedding,
              summary: "SenCLIP: CLIP image tower + projection head, InfoNCE against ground-image embeddings") {
            try SenCLIPModel(card: $0)
        },
        Entry(name: "ltae-resnet18", task: .classification,
              summary: "series: ResNet-18 per date (shared), L-TAE attention over dates, linear") {
            let t = try SeriesShape.dates(bands: $0.bands, extra: $0.extra)
            return try TemporalResNet(encoder: .resnet18, channelsPerDate: $0.inChannels / t, dates: t,
                                      numClasses: $0.numClasses)
        },
        Entry(name: "unet-ltae-resnet18", task: .segmentation,
              summary: "series: U-TAE-style UNet, ResNet-18 per date (shared), L-TAE at the deepest level") {
            let t = try SeriesShape.dates(bands: $0.bands, extra: $0.extra)
            return try TemporalUNet(encoder: .resnet18, channelsPerDate: $0.inChannels / t, dates: t,
                                    numClasses: $0.numClasses)
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

    /// Builds a freshly initialised model of the card's architecture for the card's bands and classes. Throws when
    /// the architecture does not serve the card's task (e.g. a ResNet classifier for a segmentation card).
    public static func make(card: ModelCard) throws -> Module {
        let e = try entry(card.architecture)
        try card.validate()
        guard e.serves(card.task) else {
            let fitting = entries.filter { $0.serves(card.task) }.map(\.name)
            throw ModelError("\(e.name) is a \(e.task.rawValue) model and cannot serve a \(card.task.rawValue) task; models for \(card.task.rawValue): \(fitting.isEmpty ? "none yet" : fitting.joined(separator: ", "))")
        }
        return try e.build(card)
    }

    /// Builds a freshly initialised model from counts only (a card with placeholder band and class names, of the
    /// entry's own task): the convenience for code and tests that have no card.
    public static func make(name: String, inChannels: Int, numClasses: Int) throws -> Module {
        let e = try entry(name)
        guard inChannels >= 1 else { throw ModelError("\(e.name): inChannels must be ≥ 1, got \(inChannels)") }
        guard numClasses >= 1 else { throw ModelError("\(e.name): numClasses must be ≥ 1, got \(numClasses)") }
        let card = try ModelCard(architecture: e.name, task: e.task, bands: (1...inChannels).map { "band \($0)" },
                                 classNames: (0..<numClasses).map { "class \($0)" })
        return try make(card: card)
    }
}
