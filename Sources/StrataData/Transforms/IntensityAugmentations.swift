import StrataTensor

/// Random per-band brightness and contrast for each sample (the mask is untouched):
/// `x' = (x − μ) · c + μ + b` with μ the sample's band mean, `c ~ U(1 − contrast, 1 + contrast)` and
/// `b ~ U(−brightness, brightness)` drawn independently for every sample and band. `brightness` is in the units of
/// the data (apply after normalisation for a scale-free setting).
public struct RandomBrightnessContrast: BatchTransform {
    public let brightness: Double
    public let contrast: Double
    public init(brightness: Double = 0.1, contrast: Double = 0.1) throws {
        guard brightness >= 0, contrast >= 0, contrast <= 1 else {
            throw TransformError("RandomBrightnessContrast: need brightness ≥ 0 and 0 ≤ contrast ≤ 1, got \(brightness), \(contrast)")
        }
        self.brightness = brightness
        self.contrast = contrast
    }

    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        let (n, c) = (batch.batchSize, batch.channels)
        var gains = [Double](), offsets = [Double]()
        for _ in 0..<(n * c) {
            gains.append(rng.uniform(1 - contrast, 1 + contrast))
            offsets.append(rng.uniform(-brightness, brightness))
        }
        let x = try floatImage(batch.image)
        let g = try Tensor(gains, shape: [n, c, 1, 1]).to(x.device, dtype: x.dtype)
        let o = try Tensor(offsets, shape: [n, c, 1, 1]).to(x.device, dtype: x.dtype)
        let mu = try x.mean(dims: [2, 3], keepdim: true)
        var b = batch
        b.image = try (x - mu) * g + mu + o
        return b
    }
}

/// Adds Gaussian noise `N(0, std²)` to the image (the mask is untouched). The noise comes from the transform's
/// seeded generator, so it is reproducible.
public struct GaussianNoise: BatchTransform {
    public let std: Double
    public init(std: Double) throws {
        guard std >= 0 else { throw TransformError("GaussianNoise: std must be ≥ 0, got \(std)") }
        self.std = std
    }

    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        let x = try floatImage(batch.image)
        var noise = [Float](repeating: 0, count: x.count)
        for i in noise.indices { noise[i] = Float(rng.normal() * std) }
        var b = batch
        b.image = try x + Tensor(noise, shape: x.shape).to(x.device, dtype: x.dtype)
        return b
    }
}
