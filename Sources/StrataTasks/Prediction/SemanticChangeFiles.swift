import Foundation
import StrataGeo

/// Where a semantic-change prediction writes its from/to maps and transition table (the change map itself, its
/// probabilities, quick-look and summary are `PredictionOutputs.map` and its siblings).
public struct ChangeMapOutputs: Sendable {
    /// What the from/to maps hold.
    public enum Convention: String, Sendable, CaseIterable {
        /// SECOND / ClearSCD's published maps (the default): the semantic class where change is predicted, 0
        /// ("no change") elsewhere; values 1…K are the model's classes 0…K−1.
        case changedOnly = "changed-only"
        /// Each date's semantic class everywhere (values 0…K−1 = the model's classes), change or not.
        case everywhere
    }

    /// The date-1 (from) and date-2 (to) semantic maps (COG, uint8, colour table).
    public var from: String
    public var to: String
    /// The from→to table in hectares (`ChangeTransitions`), JSON and Markdown.
    public var transitionsJSON: String
    public var transitionsMarkdown: String
    public var convention: Convention

    public init(from: String, to: String, transitionsJSON: String, transitionsMarkdown: String,
                convention: Convention = .changedOnly) {
        self.from = from; self.to = to; self.transitionsJSON = transitionsJSON
        self.transitionsMarkdown = transitionsMarkdown; self.convention = convention
    }

    /// `change.tif` → `change_from.tif`, `change_to.tif`, `change_transitions.json`, `change_transitions.md`.
    public static func beside(_ map: String, convention: Convention = .changedOnly) -> ChangeMapOutputs {
        let stem = map.hasSuffix(".tif") || map.hasSuffix(".TIF") ? String(map.dropLast(4))
            : map.hasSuffix(".tiff") ? String(map.dropLast(5)) : map
        return ChangeMapOutputs(from: stem + "_from.tif", to: stem + "_to.tif",
                                transitionsJSON: stem + "_transitions.json",
                                transitionsMarkdown: stem + "_transitions.md", convention: convention)
    }
}

/// The file outputs of a prediction, whatever the model's kind: staged while predicting, finished, then committed.
protocol PredictionFileSink: ClassMapSink {
    func finish(model: String, kind: String, inputs: [String], settings: [String: String], seconds: Double,
                megapixels: Double) throws -> PredictionSummary
    func commit() throws
    func abort()
}

extension ClassMapFiles: PredictionFileSink {}

/// The outputs of a semantic-change model (`[B, 2K + 1, h, w]`: date-1 logits, date-2 logits, change logit, blended
/// as logits): decodes each pixel into
/// - the change map (`no change` / `change`: change probability sigmoid(logit) > 0.5) with its probabilities,
///   quick-look and summary, as `ClassMapFiles` writes them;
/// - the from- and to-maps: argmax of each date's logits, written as `ChangeMapOutputs.Convention` says (colour
///   tables and class names like every class map);
/// - the from→to table of the changed pixels in hectares (`ChangeTransitions`).
/// Files are staged under temporary names and published by `commit`, the change map last.
public final class SemanticChangeFiles: BlendedScoreSink, PredictionFileSink, @unchecked Sendable {
    public let classNames: [String]
    public let convention: ChangeMapOutputs.Convention
    public let nodata: UInt8
    let changeFiles: ClassMapFiles
    let fromFiles: ClassMapFiles, toFiles: ClassMapFiles
    let paths: ChangeMapOutputs
    private let area: PixelArea
    public private(set) var transitions: ChangeTransitions
    private var pending: [PendingFile] = []

    /// `colors`: one per semantic class.
    public init(grid: GeoGrid, classNames: [String], colors: [RGBA], nodata: UInt8, outputs: PredictionOutputs,
                change: ChangeMapOutputs) throws {
        let k = classNames.count
        guard colors.count >= k else { throw PredictionError("\(colors.count) colours for \(k) semantic classes") }
        let paths = [outputs.map, change.from, change.to, change.transitionsJSON, change.transitionsMarkdown]
            + [outputs.probabilities, outputs.quicklook, outputs.summaryJSON, outputs.summaryMarkdown].compactMap { $0 }
        guard Set(paths).count == paths.count else {
            throw PredictionError("the semantic-change outputs must be distinct files, got \(paths)")
        }
        self.classNames = classNames
        convention = change.convention
        self.nodata = nodata
        self.paths = change
        let noChange = RGBA(40, 40, 40)
        let mapNames = convention == .changedOnly ? ["no change"] + classNames : classNames
        let mapColors = convention == .changedOnly ? [noChange] + colors.prefix(k) : Array(colors.prefix(k))
        changeFiles = try ClassMapFiles(grid: grid, classNames: ["no change", "change"],
                                        colors: ClassPalette.colors(for: ["no change", "change"]), nodata: nodata,
                                        outputs: outputs)
        fromFiles = try ClassMapFiles(grid: grid, classNames: mapNames, colors: mapColors, nodata: nodata,
                                      outputs: PredictionOutputs(map: change.from))
        toFiles = try ClassMapFiles(grid: grid, classNames: mapNames, colors: mapColors, nodata: nodata,
                                    outputs: PredictionOutputs(map: change.to))
        for p in [change.transitionsJSON, change.transitionsMarkdown] { PendingFile.removeStale(for: p) }
        area = try PixelArea(grid: grid)
        let described = convention == .changedOnly
            ? "semantic class where change is predicted, 'no change' (0) elsewhere (SECOND/ClearSCD convention; "
                + "values 1…\(k) = classes 0…\(k - 1))"
            : "each date's semantic class everywhere (values 0…\(k - 1))"
        transitions = ChangeTransitions(classes: classNames, areaMethod: area.method.rawValue,
                                        areaExplanation: area.explanation, mapConvention: described)
    }

    public var wantsProbabilities: Bool { false }

    public func write(window: PixelWindow, classes: UnsafePointer<UInt8>, probabilities: UnsafePointer<Float>?) throws {
        throw PredictionError("a semantic-change map is decoded from blended scores, not classes (a bug in the caller)")
    }

    public func write(window: PixelWindow, scores: UnsafePointer<Float>, scoreCount: Int,
                      valid: UnsafePointer<UInt8>) throws {
        let k = classNames.count, plane = window.width * window.height
        guard scoreCount == 2 * k + 1 else {
            throw PredictionError("semantic change: \(scoreCount) scores per pixel for \(k) classes "
                + "(expected \(2 * k + 1))")
        }
        var change = [UInt8](repeating: nodata, count: plane)
        var from = change, to = change
        var prob = [Float](repeating: 0, count: changeFiles.wantsProbabilities ? 2 * plane : 0)
        let shift: UInt8 = convention == .changedOnly ? 1 : 0
        func argmax(_ first: Int, _ i: Int) -> Int {
            var best = scores[first * plane + i], arg = 0
            for c in 1..<k {
                let v = scores[(first + c) * plane + i]
                if v > best { best = v; arg = c }
            }
            return arg
        }
        for r in 0..<window.height {
            let a = area.squareMetres(row: window.y + r)
            for j in 0..<window.width {
                let i = r * window.width + j
                guard valid[i] != 0 else { continue }
                let z = scores[2 * k * plane + i]
                let changed = z > 0
                let f = argmax(0, i), t = argmax(k, i)
                change[i] = changed ? 1 : 0
                if !prob.isEmpty {
                    let p = 1 / (1 + Float.exp(-z))
                    prob[i] = 1 - p; prob[plane + i] = p
                }
                transitions.validPixels += 1
                transitions.validHectares += a / 10_000
                if changed {
                    from[i] = UInt8(f) + shift; to[i] = UInt8(t) + shift
                    transitions.pixels[f][t] += 1
                    transitions.hectares[f][t] += a / 10_000
                    transitions.changedPixels += 1
                    transitions.changedHectares += a / 10_000
                } else {
                    from[i] = convention == .changedOnly ? 0 : UInt8(f)
                    to[i] = convention == .changedOnly ? 0 : UInt8(t)
                }
            }
        }
        try prob.withUnsafeBufferPointer { p in
            try changeFiles.write(window: window, classes: change, probabilities: p.isEmpty ? nil : p.baseAddress)
        }
        try fromFiles.write(window: window, classes: from, probabilities: nil)
        try toFiles.write(window: window, classes: to, probabilities: nil)
    }

    func finish(model: String, kind: String, inputs: [String], settings: [String: String], seconds: Double,
                megapixels: Double) throws -> PredictionSummary {
        do {
            for f in [fromFiles, toFiles] {
                _ = try f.finish(model: model, kind: kind, inputs: inputs, settings: settings, seconds: seconds,
                                 megapixels: megapixels)
            }
            pending.append(try ClassMapFiles.stage(try transitions.json(), to: paths.transitionsJSON))
            pending.append(try ClassMapFiles.stage(Data(transitions.markdown().utf8), to: paths.transitionsMarkdown))
            return try changeFiles.finish(model: model, kind: kind, inputs: inputs, settings: settings,
                                          seconds: seconds, megapixels: megapixels)
        } catch {
            abort()
            throw error
        }
    }

    /// Publishes the from/to maps and the table, then the change files (the change map last).
    func commit() throws {
        try fromFiles.commit()
        try toFiles.commit()
        for p in pending { try p.commit() }
        pending.removeAll()
        try changeFiles.commit()
    }

    func abort() {
        for f in [changeFiles, fromFiles, toFiles] { f.abort() }
        for p in pending { p.discard() }
        pending.removeAll()
    }
}

extension Predictor {
    /// The sink of a semantic-change model: the change map at `outputs.map`, the from/to maps and the transitions at
    /// `outputs.change` (default: beside the map). Probabilities are not blended for these models (three groups of
    /// scores share one vector): logits are.
    func semanticChangeFiles(grid: GeoGrid, colors: [RGBA], outputs: PredictionOutputs) throws -> SemanticChangeFiles {
        guard !options.blendProbabilities else {
            throw PredictionError("semantic-change models blend logits (before, after and change logits share one "
                + "vector); turn off probability blending")
        }
        guard model.classNames.count + 1 < Int(options.nodata) else {
            throw PredictionError("\(model.classNames.count) semantic classes and 'no change' need values below the "
                + "nodata value \(options.nodata)")
        }
        return try SemanticChangeFiles(grid: grid, classNames: model.classNames, colors: colors,
                                       nodata: options.nodata, outputs: outputs,
                                       change: outputs.change ?? .beside(outputs.map))
    }
}
