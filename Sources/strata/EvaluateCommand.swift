import ArgumentParser
import Foundation
import StrataData
import StrataModels
import StrataTasks
import StrataTensor

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on a data split, or a predicted map against reference polygons.",
        discussion: """
        Examples:
          strata evaluate --checkpoint runs/eurosat/best.ckpt --split val
          strata evaluate --map demo-output/map.tif --labels polygons.gpkg --attribute name
          strata evaluate --weights levir_best.pth --model tinycd --dataset levir-cd --root data/LEVIR-CD --split test
        """)

    @Option(help: "A checkpoint written by `strata train` (best.ckpt / last.ckpt).") var checkpoint: String?
    @Option(help: "Split to evaluate: train, val or test.") var split = "val"
    @Option(name: .customLong("set"), help: "Override a key of the training config stored in the checkpoint (e.g. data.root=…).")
    var overrides: [String] = []
    @Option(help: "Published change-model weights (with --model tinycd, --dataset, --root) instead of a checkpoint.")
    var weights: String?
    @Option(help: "The registry model of --weights (tinycd).") var model: String?
    @Option(help: "The change dataset of --weights (levir-cd, levir-cd+, dsifn, whu-cd, oscd).") var dataset: String?
    @Option(help: "The folder of --dataset.") var root: String?
    @Option(help: "A class map (GeoTIFF/COG) to assess against --labels.") var map: String?
    @Option(help: "Reference polygons (any OGR format).") var labels: String?
    @Option(help: "Attribute of --labels holding the class name.") var attribute: String?
    @Option(help: DeviceOption.deviceHelp) var device = "cpu"
    @Option(help: DeviceOption.precisionHelp) var precision = "32"
    @Option(help: "Write the metrics as JSON here too (metrics without a value, e.g. the F1 of an absent class, are null).")
    var json: String?

    func run() throws {
        do {
            if let map {
                guard let labels, let attribute else { throw ValidationError("--map needs --labels and --attribute") }
                let r = try MapAccuracy.assess(map: map, labels: labels, attribute: attribute)
                try report(r.confusion.summaryForMaps, confusion: r.confusion, names: r.classNames,
                           header: "\(r.labelledPixels) labelled pixels")
                return
            }
            let dev = try DeviceOption.parse(device), autocast = try DeviceOption.precision(precision)
            if let weights {
                guard let model, let dataset, let root else {
                    throw ValidationError("--weights needs --model, --dataset and --root")
                }
                guard let s = DatasetSplit(name: split) else { throw ValidationError("--split must be train, val, test or all") }
                let r = try CheckpointEvaluation.changeWeights(weights, model: model, dataset: dataset, root: root,
                                                               split: s, device: dev, precision: autocast)
                try report(r.result.metrics.merging(["loss": r.result.loss]) { a, _ in a },
                           confusion: r.result.accumulator.confusion, names: r.classNames,
                           header: "\(r.samples) \(split) pairs")
                return
            }
            guard let checkpoint else { throw ValidationError("give --checkpoint (or --map with --labels and --attribute)") }
            guard let s = DatasetSplit(name: split), s != .all else { throw ValidationError("--split must be train, val or test") }
            let ev = try CheckpointEvaluation.run(checkpoint: checkpoint, split: s, overrides: overrides, device: dev,
                                                  precision: autocast)
            let names = ev.classNames
            try report(ev.result.metrics.merging(["loss": ev.result.loss]) { a, _ in a },
                       confusion: ev.result.accumulator.confusion, names: names,
                       header: "\(ev.samples) \(split) samples")
        } catch let e as ValidationError {
            throw e
        } catch {
            throw StrataCLIError(error)
        }
    }

    func report(_ metrics: [String: Double], confusion: ConfusionMatrix?, names: [String], header: String) throws {
        print(header)
        for k in metrics.keys.sorted() { print(k.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: " %.4f", metrics[k]!)) }
        if let cm = confusion {
            print("\nclass                     precision  recall      F1     IoU  support")
            let p = cm.precision, r = cm.recall, f = cm.f1, iou = cm.iou, s = cm.support
            for i in 0..<cm.numClasses {
                let n = i < names.count ? names[i] : String(i)
                print(n.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %9.4f %7.4f %7.4f %7.4f %8d", p[i], r[i], f[i], iou[i], s[i]))
            }
        }
        if let json { try Self.writeJSON(metrics, to: json) }
    }

    /// Writes the metrics as a JSON object; a metric without a finite value is `null` (never a made-up 0). Throws
    /// naming the path when the file cannot be written.
    static func writeJSON(_ metrics: [String: Double], to path: String) throws {
        let object = metrics.mapValues { $0.isFinite ? $0 as Any : NSNull() }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("--json: cannot write the metrics to \(path): \(error); check that its folder exists and is writable")
        }
    }
}

extension ConfusionMatrix {
    /// The figures reported for maps: OA, kappa, mIoU, macro F1.
    var summaryForMaps: [String: Double] { ["oa": overallAccuracy, "kappa": kappa, "miou": meanIoU, "f1_macro": macroF1] }
}
