import ArgumentParser
import Foundation
import StrataTasks

/// `strata predict --before A.tif --after B.tif`: whole-scene change maps with change and semantic-change models,
/// through the same predictor (chips, blending, readers, COG writing) as other models. The output is on the first
/// date's grid (or --grid); the second date is resampled onto it on the fly, whatever its CRS or resolution.
struct PairInputOptions: ParsableArguments {
    @Option(name: .customLong("before"),
            help: ArgumentHelp("Change models: a raster of the first date (repeat for a band stack of several "
                + "files). The map is on its grid."))
    var before: [String] = []
    @Option(name: .customLong("after"), help: "Change models: a raster of the second date (repeat for a band stack).")
    var after: [String] = []
    @Option(name: .customLong("before-bands"), help: "Comma-separated band names of the --before at the same position.")
    var beforeBands: [String] = []
    @Option(name: .customLong("after-bands"), help: "Comma-separated band names of the --after at the same position.")
    var afterBands: [String] = []
    @Option(name: .customLong("semantic-maps"),
            help: ArgumentHelp("Semantic-change models: changed-only (SECOND/ClearSCD: class where change is "
                + "predicted, 'no change' elsewhere) or everywhere (each date's class everywhere)."))
    var semanticMaps = "changed-only"

    var given: Bool { !before.isEmpty || !after.isEmpty }

    /// The dated inputs (date 1 = --before, 2 = --after); errors for a missing date or misplaced band lists.
    func inputs(plain: [String], nodata: Double?) throws -> [PredictionInput] {
        guard plain.isEmpty else {
            throw ValidationError("--input cannot be combined with --before/--after: a change model reads the first "
                + "date from --before and the second from --after")
        }
        guard !before.isEmpty, !after.isEmpty else {
            throw ValidationError("a change map needs both dates: pass \(before.isEmpty ? "--before" : "--after") "
                + "as well (--before FIRST.tif --after SECOND.tif)")
        }
        func dated(_ paths: [String], _ names: [String], _ date: Int, _ flag: String) throws -> [PredictionInput] {
            guard names.isEmpty || names.count == paths.count else {
                throw ValidationError("\(names.count) \(flag)-bands for \(paths.count) \(flag) files: give one list "
                    + "per file, in the same order")
            }
            return paths.enumerated().map { i, p in
                PredictionInput(path: p, bandNames: names.isEmpty ? nil : names[i].split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }, nodata: nodata, date: date)
            }
        }
        return try dated(before, beforeBands, 1, "--before") + dated(after, afterBands, 2, "--after")
    }

    /// Refuses --before/--after for single-date models, and plain --input for change models.
    func check(model: PredictionModel) throws {
        let pair = model.kind == .change || model.kind == .semanticChange
        if given && !pair {
            throw ValidationError("the model \(model.name) is a \(model.kindName) model, not a change model: "
                + "--before/--after are for change and semantic-change models; pass its scene with --input")
        }
        if !given && pair {
            throw ValidationError("the model \(model.name) is a \(model.kind.rawValue) model: pass the first date "
                + "with --before and the second with --after (not --input)")
        }
    }

    func convention() throws -> ChangeMapOutputs.Convention {
        guard let c = ChangeMapOutputs.Convention(rawValue: semanticMaps.lowercased()) else {
            throw ValidationError("--semantic-maps must be changed-only or everywhere, got \(semanticMaps)")
        }
        return c
    }

    /// Prints what a change prediction wrote beyond the class map.
    static func report(_ run: PredictionRun, outputs: PredictionOutputs, model: PredictionModel) {
        if model.kind == .change, let s = run.summary, s.classes.count == 2 {
            print(String(format: "changed: %.2f ha (%.2f %% of the pixels with data)", s.classes[1].hectares,
                         s.classes[1].percent))
        }
        if let c = outputs.change, let t = run.transitions {
            print("from/to maps: \(c.from), \(c.to) (\(c.convention.rawValue))")
            print("transitions: \(c.transitionsJSON), \(c.transitionsMarkdown)")
            print(String(format: "changed: %.2f ha of %.2f ha with data", t.changedHectares, t.validHectares))
        }
    }
}
