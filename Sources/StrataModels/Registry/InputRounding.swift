import StrataTensor

extension ModelCard {
    /// The `extra` key naming the precision a model's inputs were held in when it was trained.
    public static let inputRoundingKey = "input_rounding"

    /// Inputs held in a lower precision than float32 during training, reproduced at inference so the model sees
    /// the same values (the So2Sat LCZ42 demo keeps its Sentinel-2 bands in float16: skipping its rounding moves
    /// probabilities by up to 0.016).
    public enum InputRounding: String, Sendable, CaseIterable {
        /// The raw band values are rounded to float16, normalised (in float64), and rounded to float16 again:
        /// `Float16(Float64(Float16(x)) · scale + offset)`, as NumPy computes `np.float16(x) / 10000` in float16.
        case float16

        /// Applies the rounding around the card's per-band affine normalisation. `raw`: `[B, C, H, W]` raw band
        /// values (any float dtype); `scale`/`offset`: one per channel. Returns float32.
        public func normalize(_ raw: Tensor, scale: [Double], offset: [Double]) throws -> Tensor {
            let c = scale.count
            let s = try Tensor(scale, shape: [1, c, 1, 1]).to(raw.device)
            let o = try Tensor(offset, shape: [1, c, 1, 1]).to(raw.device)
            let x = try raw.to(.float16).to(.float64)
            return try (x * s + o).to(.float16).to(.float32)
        }
    }

    /// The card's input rounding (`extra["input_rounding"]`), nil when none; throws for an unknown value rather
    /// than ignoring it.
    public var inputRounding: InputRounding? {
        get throws {
            guard let v = extra[Self.inputRoundingKey] else { return nil }
            guard let r = InputRounding(rawValue: v.lowercased()) else {
                throw ModelError("model card: unknown \(Self.inputRoundingKey) '\(v)' (known: \(InputRounding.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return r
        }
    }
}
