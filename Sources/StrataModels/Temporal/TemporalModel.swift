import StrataTensor

/// A model over a time series of images (a per-date encoder with shared weights, then pooling over time).
///
/// **One-tensor convention** (as `ChangeModel` for pairs): the trainer, evaluator and predictor move one tensor, so
/// `forward(_:)` takes the `T` dates stacked on the channel axis, date-major, `[B, T·C, H, W]` (date k = channels
/// `k·C ..< (k+1)·C`), or the series itself `[B, T, C, H, W]`. A date whose values are all exactly 0 is padding
/// (U-TAE's `pad_value = 0`: the input pipeline writes 0 into padded and missing dates after normalisation) and gets
/// no attention. The model card lists the `T·C` bands `NAME@k` (`SeriesDataset.bandNames`); `T` comes from the
/// card's `extra["series_dates"]`, else from the `@k` suffixes, else 1.
public protocol TemporalModel: Module {
    /// Dates per sample (`T`).
    var dates: Int { get }
    /// Bands per date (`C`).
    var channelsPerDate: Int { get }
    /// Output for a series `[B, T, C, H, W]` with `padding` `[B, T]` (true = padded date; nil: none).
    func forward(series: Tensor, padding: Tensor?) throws -> Tensor
}

extension TemporalModel {
    /// `[B, T·C, H, W]` or `[B, T, C, H, W]` → `[B, T, C, H, W]`, throwing with the expected shape otherwise.
    public func seriesView(_ x: Tensor) throws -> Tensor {
        let (t, c) = (dates, channelsPerDate)
        if x.rank == 5, x.shape[1] == t, x.shape[2] == c { return x }
        guard x.rank == 4, x.shape[1] == t * c else {
            throw ModelError("temporal model: expected \(t) dates × \(c) bands as [B, \(t * c), H, W] or "
                + "[B, \(t), \(c), H, W], got \(x.shape)")
        }
        return try x.view([x.shape[0], t, c, x.shape[2], x.shape[3]])
    }

    /// `[B, T]` bool: dates whose every value is exactly 0 (padding, see the protocol).
    public func paddingOf(_ series: Tensor) throws -> Tensor {
        let s = series.shape
        return try series.reshape([s[0], s[1], -1]).eq(0.0).all(dim: 2)
    }

    /// The one-tensor forward: the series view, padding derived from the values.
    public func temporalForward(_ x: Tensor) throws -> Tensor {
        let s = try seriesView(x)
        return try forward(series: s, padding: try paddingOf(s))
    }
}

/// `T` for a card-built temporal model: `extra["series_dates"]`, else the largest `@k` band suffix, else 1.
public enum SeriesShape {
    public static func dates(bands: [String], extra: [String: String]) throws -> Int {
        if let v = extra["series_dates"] {
            guard let t = Int(v), t >= 1, bands.count % t == 0 else {
                throw ModelError("model card: series_dates \"\(v)\" must be a positive divisor of the "
                    + "\(bands.count) bands")
            }
            return t
        }
        let ks = bands.compactMap { b -> Int? in
            guard let at = b.lastIndex(of: "@") else { return nil }
            return Int(b[b.index(after: at)...])
        }
        let t = ks.max() ?? 1
        guard bands.count % t == 0 else {
            throw ModelError("model card: \(bands.count) bands do not split into \(t) dates (bands NAME@k)")
        }
        return t
    }
}
