import StrataGeo
import StrataTensor

/// Pair models (binary and semantic change detection) as prediction sees them.
///
/// A change model takes the two dates stacked on channels (`[B, 2C, h, w]`, the one-tensor convention of
/// `ChangeModel`): its `bands` are date 1's bands named `NAME@1` followed by date 2's `NAME@2` (as series models
/// name theirs), so `BandMatching.seriesSources` feeds channels `0..<C` from the inputs of date 1 (`--before`) and
/// `C..<2C` from date 2 (`--after`), each date resampled onto the output grid (by default the first date's).
/// - `.change`: the output is `[B, K, h, w]` like segmentation (`K == 1`: one sigmoid logit, `classNames`
///   `[no change, change]`; `K ≥ 2`: softmax over the change classes) and gives a change-class map.
/// - `.semanticChange`: the output is `[B, 2K + 1, h, w]` (date-1 logits, date-2 logits, change logit), `classNames`
///   the K semantic classes; the three are blended as logits and decoded by `SemanticChangeFiles` into a change map,
///   the from- and to-maps and a transition table.
extension PredictionModel {
    /// Scores per pixel the forward returns (and the blender accumulates).
    public var scoreChannels: Int { kind == .semanticChange ? 2 * classNames.count + 1 : classNames.count }

    /// A pair model from one date's metadata: bands (may be empty: then the dates' files are taken in order) and
    /// normalisation of one date, repeated for the second.
    public static func pair(kind: TaskKind, classNames: [String], channelsPerDate c: Int, bands: [String] = [],
                            scale: [Double]? = nil, offset: [Double]? = nil, inputSize: [Int]? = nil,
                            colors: [RGBA]? = nil, device: Device = .cpu, name: String = "model",
                            forward: @escaping (Tensor) throws -> Tensor) throws -> PredictionModel {
        guard kind == .change || kind == .semanticChange else {
            throw PredictionError("model \(name): PredictionModel.pair is for change and semantic-change models, "
                + "not \(kind.rawValue)")
        }
        guard bands.isEmpty || bands.count == c else {
            throw PredictionError("model \(name): \(bands.count) band names for \(c) bands per date")
        }
        let names = bands.isEmpty ? (1...max(1, c)).map { "band\($0)" } : bands
        let s = scale ?? Array(repeating: 1, count: c), o = offset ?? Array(repeating: 0, count: c)
        return PredictionModel(kind: kind, classNames: classNames, channels: 2 * c,
                               bands: names.map { "\($0)@1" } + names.map { "\($0)@2" }, scale: s + s, offset: o + o,
                               inputSize: inputSize, colors: colors, device: device, name: name, forward: forward)
    }

    /// Channels of one date.
    public var channelsPerDate: Int { channels / 2 }

    /// Checks a pair model's metadata: an even channel count with bands named per date, and its class names.
    func validatePair() throws {
        guard channels % 2 == 0, channels >= 2 else {
            throw PredictionError("model \(name): a \(kind.rawValue) model takes two dates stacked on channels, so an "
                + "even number of channels; got \(channels)")
        }
        guard !bands.isEmpty, bands.allSatisfy({ BandMatching.seriesBand($0) != nil }),
              Set(bands.compactMap { BandMatching.seriesBand($0)?.1 }) == [1, 2] else {
            throw PredictionError("model \(name): a \(kind.rawValue) model names its bands NAME@1 (before) and NAME@2 "
                + "(after); build it with PredictionModel.pair")
        }
        if kind == .change, classNames.count < 2 {
            throw PredictionError("model \(name): a change map needs at least two classes (e.g. [no change, change])")
        }
        if kind == .semanticChange, classNames.count < 2 || classNames.count > 254 {
            throw PredictionError("model \(name): \(classNames.count) semantic classes; the from/to maps hold 2…254 "
                + "(one value is kept for 'no change', 255 is nodata)")
        }
    }
}

extension Predictor {
    /// A semantic-change model's output must be `[count, 2K + 1, h, w]`.
    func checkSemanticChangeOutput(_ y: Tensor, count: Int, h: Int, w: Int) throws {
        let s = y.shape, k = model.classNames.count
        guard s.count == 4, s[0] == count, s[1] == 2 * k + 1, s[2] == h, s[3] == w else {
            throw PredictionError("the semantic-change model \(model.name) returned shape \(s) for a batch of "
                + "\(count) chips of \(h)×\(w); expected [\(count), \(2 * k + 1), \(h), \(w)] (before logits, after "
                + "logits, change logit for \(k) classes) — check the chip size and the class names")
        }
    }
}
