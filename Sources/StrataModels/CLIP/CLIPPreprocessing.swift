import StrataTensor

/// Turns image chips into CLIP's input: `[N, 3, h, w]` raw values in R, G, B order (Sentinel-2 B04, B03, B02, as
/// digital numbers or reflectance) → scaled to 0–1 → resized to the model's size → normalised with the model's
/// mean and standard deviation → `[N, 3, size, size]`.
///
/// - Scaling: `.minMax` rescales each image to 0–1 by its own minimum and maximum over all three bands together
///   (SenCLIP's `cv2.normalize(NORM_MINMAX)` to 8 bits, before `ToTensor`, without the 8-bit rounding); `.fixed`
///   divides by a stated maximum and clips to 0–1 (`.fixed(max: 2750)` for Sentinel-2 digital numbers: reflectance
///   0.275 is white, the scaling of `../shared/data/eurosat-ms/derived_rgb_png`; `.fixed(max: 255)` for 8-bit RGB);
///   `.none` takes values already in 0–1.
/// - Fit: `.resize` stretches the whole chip to `size × size` (SenCLIP's EuroSAT protocol: `Resize(224)` on square
///   chips); `.centerCrop` resizes the shorter side to `size` and crops the centre (CLIP's own transform). Bicubic
///   with antialiasing (as PIL), clipped to 0–1 afterwards (as PIL's 8-bit output is).
/// - Mean/std: `.clip` (OpenAI CLIP's, used by CLIP, RemoteCLIP, GeoRSCLIP, SkyCLIP) or `.bing` (the statistics
///   SenCLIP normalises with, from Sat2Cap).
public struct CLIPPreprocessing: Sendable, Equatable {
    public enum Scaling: Sendable, Equatable {
        case minMax
        case fixed(max: Double)
        case none
    }

    public enum Fit: String, Sendable, Equatable {
        case resize, centerCrop = "center-crop"
    }

    /// Per-channel statistics (R, G, B) images are normalised with.
    public struct Statistics: Sendable, Equatable {
        public var name: String
        public var mean: [Double]
        public var std: [Double]
        public init(name: String, mean: [Double], std: [Double]) { self.name = name; self.mean = mean; self.std = std }

        /// OpenAI CLIP's (`OPENAI_DATASET_MEAN`/`STD` in open_clip).
        public static let clip = Statistics(name: "clip", mean: [0.48145466, 0.4578275, 0.40821073],
                                            std: [0.26862954, 0.26130258, 0.27577711])
        /// SenCLIP's (`dataset_sentinel.py`, Sat2Cap's "Bing" statistics).
        public static let bing = Statistics(name: "bing", mean: [0.347, 0.376, 0.296], std: [0.269, 0.261, 0.276])

        /// `clip` or `bing` by name.
        public static func named(_ name: String) -> Statistics? {
            switch name.lowercased() {
            case "clip", "openai": .clip
            case "bing", "senclip": .bing
            default: nil
            }
        }
    }

    public var size: Int
    public var scaling: Scaling
    public var fit: Fit
    public var statistics: Statistics

    public init(size: Int = 224, scaling: Scaling = .minMax, fit: Fit = .resize, statistics: Statistics = .clip) {
        self.size = size; self.scaling = scaling; self.fit = fit; self.statistics = statistics
    }

    /// Sentinel-2's RGB bands in channel order.
    public static let sentinel2RGB = ["B04", "B03", "B02"]

    /// `[N, 3, h, w]` (or one `[3, h, w]` image) of raw values → `[N, 3, size, size]` float32 model input.
    public func callAsFunction(_ images: Tensor) throws -> Tensor {
        var x = images.rank == 3 ? try images.unsqueeze(0) : images
        guard x.rank == 4, x.size(1) == 3 else {
            throw ModelError("CLIP preprocessing: expected RGB images [N, 3, H, W], got \(images.shape)")
        }
        guard size >= 1 else { throw ModelError("CLIP preprocessing: size must be ≥ 1, got \(size)") }
        x = try x.to(.float32)
        switch scaling {
        case .minMax:
            let lo = try x.amin(dims: [1, 2, 3], keepdim: true), hi = try x.amax(dims: [1, 2, 3], keepdim: true)
            x = try (x - lo) / (hi - lo).clamp(min: 1e-12)
        case .fixed(let m):
            guard m > 0, m.isFinite else {
                throw ModelError("CLIP preprocessing: scaling maximum must be > 0, got \(m)")
            }
            x = try (x / m).clamp(min: 0, max: 1)
        case .none:
            break
        }
        let h = x.size(2), w = x.size(3)
        switch fit {
        case .resize:
            if h != size || w != size {
                x = try x.interpolate(size: [size, size], mode: .bicubic, alignCorners: false, antialias: true)
            }
        case .centerCrop:
            let scale = Double(size) / Double(min(h, w))
            let nh = max(size, Int((Double(h) * scale).rounded())), nw = max(size, Int((Double(w) * scale).rounded()))
            if nh != h || nw != w {
                x = try x.interpolate(size: [nh, nw], mode: .bicubic, alignCorners: false, antialias: true)
            }
            x = try x.narrow(dim: 2, start: (nh - size) / 2, length: size)
                .narrow(dim: 3, start: (nw - size) / 2, length: size)
        }
        x = try x.clamp(min: 0, max: 1)
        let mean = try Tensor(statistics.mean.map(Float.init), shape: [1, 3, 1, 1])
        let std = try Tensor(statistics.std.map(Float.init), shape: [1, 3, 1, 1])
        return try ((x - mean.to(x.device)) / std.to(x.device)).contiguous()
    }
}
