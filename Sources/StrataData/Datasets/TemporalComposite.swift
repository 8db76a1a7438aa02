import StrataTensor

/// Per-pixel compositing of a stack of dated layers, with libtorch ops only (argmax, gather, sort, where).
///
/// Inputs are a stack `x` of shape [T, C, H, W] (any real dtype) and its validity `valid` [T, H, W] (bool: the
/// pixel was observed — covered, not nodata, not NaN, not cloud). Layers are composited along T in the order given:
/// `.first` takes each pixel from the first valid layer, `.last` from the last, `.median` is the median of the
/// valid layers per band (the mean of the two middle values for an even count, as `numpy.nanmedian`). Pixels with
/// no valid layer get `fill`. The result is float64 [C, H, W].
public enum TemporalComposite {
    public enum Rule: String, Sendable, CaseIterable { case first, last, median }

    public static func composite(_ x: Tensor, valid: Tensor, rule: Rule, fill: Double) throws -> Tensor {
        let s = x.shape
        guard s.count == 4, valid.shape == [s[0], s[2], s[3]] else {
            throw DataError("compositing needs a [T, C, H, W] stack and a [T, H, W] validity mask, "
                + "got \(s) and \(valid.shape)")
        }
        let (t, c, h, w) = (s[0], s[1], s[2], s[3])
        let xd = try x.to(.float64)
        let v = try valid.to(.bool)
        let none = try v.any(dim: 0).logicalNot()            // [H, W]
        let out: Tensor
        switch rule {
        case .first, .last:
            // Rank the valid layers so argmax picks the wanted one: T…1 for first, 1…T for last; invalid → 0.
            let steps = try Tensor.arange(t)
            let rank = rule == .first ? try steps.neg() + t : try steps + 1
            let score = try v.to(.int64).mul(try rank.view([t, 1, 1]))
            let pick = try score.argmax(dim: 0)                // [H, W]
            let index = try pick.view([1, 1, h, w]).expand([1, c, h, w])
            out = try xd.gather(dim: 0, index: index).squeeze(dim: 0)
        case .median:
            let invalid = try v.logicalNot().unsqueeze(1).expand([t, c, h, w])
            let nan = try xd.maskedFill(invalid, .nan)
            let sorted = try nan.sort(dim: 0).values            // NaN (invalid) sort last
            let n = try v.sum(dim: 0, dtype: .int64)           // valid layers per pixel
            let lo = try (try n - 1).clamp(min: 0).floorDivide(2.0)
            let hi = try n.floorDivide(2.0).clamp(min: nil, max: Double(t - 1))
            func at(_ k: Tensor) throws -> Tensor {
                let index = try k.to(.int64).view([1, 1, h, w]).expand([1, c, h, w])
                return try sorted.gather(dim: 0, index: index).squeeze(dim: 0)
            }
            out = try (try at(lo) + at(hi)) * 0.5
        }
        return try out.maskedFill(try none.unsqueeze(0).expand([c, h, w]), fill)
    }
}
