import Foundation
import StrataTensor

/// What batch transforms act on: images `[B, C, H, W]`, an optional mask kept geometrically consistent with them
/// (`[B, H, W]` or `[B, K, H, W]`), and the names of the image channels (spectral indices find bands by name and
/// append their own names).
public struct TransformBatch: Sendable {
    public var image: Tensor
    public var mask: Tensor?
    public var bandNames: [String]

    /// Throws when the image is not 4-D, the band names do not match its channels, or the mask's batch and
    /// spatial size differ from the image's.
    public init(image: Tensor, mask: Tensor? = nil, bandNames: [String] = []) throws {
        guard image.rank == 4 else {
            throw TransformError("transforms work on batches: image must be [B, C, H, W], got \(image.shape) (add a batch dimension with unsqueeze(0))")
        }
        guard bandNames.isEmpty || bandNames.count == image.size(1) else {
            throw TransformError("\(bandNames.count) band names \(bandNames) for an image with \(image.size(1)) channels")
        }
        if let m = mask {
            let ms = m.shape
            guard (m.rank == 3 || m.rank == 4), ms[0] == image.size(0), Array(ms.suffix(2)) == Array(image.shape.suffix(2)) else {
                throw TransformError("mask \(ms) does not match image \(image.shape): expected [B, H, W] or [B, K, H, W] with the same B, H, W")
            }
        }
        self.image = image
        self.mask = mask
        self.bandNames = bandNames
    }

    public var batchSize: Int { image.size(0) }
    public var channels: Int { image.size(1) }
    public var height: Int { image.size(2) }
    public var width: Int { image.size(3) }
}

/// A bad transform configuration or input, with what to change.
public struct TransformError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A transform of a batch. Random transforms draw every random number from `rng`, so a seeded generator makes
/// the whole pipeline reproducible (independently of libtorch's global generator and of other threads).
public protocol BatchTransform: Sendable {
    func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch
}

extension BatchTransform {
    /// Applies the transform with a generator seeded by `seed`.
    public func apply(_ batch: TransformBatch, seed: UInt64 = 0) throws -> TransformBatch {
        var rng = TransformRNG(seed: seed)
        return try apply(batch, rng: &rng)
    }
}

/// Applies transforms in order (`Compose([SpectralIndices([.ndvi]), Normalize(...), RandomFlip()])`).
public struct Compose: BatchTransform {
    public let transforms: [any BatchTransform]
    public init(_ transforms: [any BatchTransform]) { self.transforms = transforms }
    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        var b = batch
        for t in transforms { b = try t.apply(b, rng: &rng) }
        return b
    }
}

/// Applies `transform` to the whole batch with probability `p` (one draw per batch).
public struct RandomApply: BatchTransform {
    public let p: Double
    public let transform: any BatchTransform
    public init(_ transform: any BatchTransform, p: Double) throws {
        guard (0...1).contains(p) else { throw TransformError("RandomApply: p must be in [0, 1], got \(p)") }
        self.p = p
        self.transform = transform
    }
    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        rng.uniform() < p ? try transform.apply(batch, rng: &rng) : batch
    }
}

/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64) for augmentation parameters and
/// noise. `TransformRNG(seed: s, stream: batchIndex)` gives independent, reproducible streams per batch, so worker
/// threads produce the same augmentations whatever order they run in.
public struct TransformRNG: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64, stream: UInt64 = 0) {
        var x = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(&x), splitmix(&x), splitmix(&x), splitmix(&x))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }
    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1.0p-60), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    /// Integer in 0..<n.
    public mutating func int(_ n: Int) -> Int { Int(next(upperBound: UInt64(n))) }
}


extension TransformBatch {
    /// The mask as `[B, K, H, W]` (a 3-D mask gets K = 1) and a function restoring its original rank.
    func mask4D() throws -> (Tensor, (Tensor) throws -> Tensor)? {
        guard let m = mask else { return nil }
        if m.rank == 4 { return (m, { $0 }) }
        return (try m.unsqueeze(1), { try $0.squeeze(dim: 1) })
    }
}
