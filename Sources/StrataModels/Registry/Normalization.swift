/// How raw band values are turned into model inputs, recorded in a `ModelCard`. Every form is a per-band affine
/// map `y = x·scale + offset` (`affine(bands:)`), so any consumer can apply it without knowing the cases.
///
/// JSON forms: `{"kind": "none"}`, `{"kind": "scale", "factor": 0.0001}`,
/// `{"kind": "mean-std", "mean": […], "std": […]}` (`(x − mean) / std`), and
/// `{"kind": "min-max", "min": […], "max": […]}` (`(x − min) / (max − min)`), lists with one value per band.
public enum Normalization: Codable, Sendable, Equatable {
    case none
    /// `x · factor` for every band (e.g. 1/10000 for Sentinel-2 reflectance).
    case scale(Double)
    /// `(x − mean) / std` per band.
    case meanStd(mean: [Double], std: [Double])
    /// `(x − min) / (max − min)` per band.
    case minMax(min: [Double], max: [Double])

    enum CodingKeys: String, CodingKey { case kind, factor, mean, std, min, max }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "none": self = .none
        case "scale": self = .scale(try c.decode(Double.self, forKey: .factor))
        case "mean-std": self = .meanStd(mean: try c.decode([Double].self, forKey: .mean), std: try c.decode([Double].self, forKey: .std))
        case "min-max": self = .minMax(min: try c.decode([Double].self, forKey: .min), max: try c.decode([Double].self, forKey: .max))
        default:
            throw ModelError("model card: unknown normalization kind '\(kind)' (known: none, scale, mean-std, min-max)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .none: try c.encode("none", forKey: .kind)
        case .scale(let f):
            try c.encode("scale", forKey: .kind)
            try c.encode(f, forKey: .factor)
        case .meanStd(let m, let s):
            try c.encode("mean-std", forKey: .kind)
            try c.encode(m, forKey: .mean)
            try c.encode(s, forKey: .std)
        case .minMax(let lo, let hi):
            try c.encode("min-max", forKey: .kind)
            try c.encode(lo, forKey: .min)
            try c.encode(hi, forKey: .max)
        }
    }

    /// Checks one finite value per band and no zero divisor.
    public func validate(bands: Int) throws {
        func check(_ name: String, _ v: [Double]) throws {
            guard v.count == bands else {
                throw ModelError("normalization: \(v.count) \(name) values for \(bands) bands (give one per band)")
            }
            guard v.allSatisfy(\.isFinite) else { throw ModelError("normalization: \(name) values must be finite, got \(v)") }
        }
        switch self {
        case .none: break
        case .scale(let f):
            guard f.isFinite, f != 0 else { throw ModelError("normalization: scale factor must be finite and non-zero, got \(f)") }
        case .meanStd(let m, let s):
            try check("mean", m)
            try check("std", s)
            guard s.allSatisfy({ $0 > 0 }) else { throw ModelError("normalization: std values must be > 0, got \(s)") }
        case .minMax(let lo, let hi):
            try check("min", lo)
            try check("max", hi)
            guard zip(lo, hi).allSatisfy({ $1 > $0 }) else {
                throw ModelError("normalization: every max must exceed its min, got min \(lo), max \(hi)")
            }
        }
    }

    /// Per-band `(scale, offset)` with `y = x·scale + offset`.
    public func affine(bands: Int) throws -> (scale: [Double], offset: [Double]) {
        try validate(bands: bands)
        switch self {
        case .none: return (Array(repeating: 1, count: bands), Array(repeating: 0, count: bands))
        case .scale(let f): return (Array(repeating: f, count: bands), Array(repeating: 0, count: bands))
        case .meanStd(let m, let s): return (s.map { 1 / $0 }, zip(m, s).map { -$0 / $1 })
        case .minMax(let lo, let hi): return (zip(lo, hi).map { 1 / ($1 - $0) }, zip(lo, hi).map { -$0 / ($1 - $0) })
        }
    }
}
