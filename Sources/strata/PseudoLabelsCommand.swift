import ArgumentParser
import Foundation
import StrataTasks

/// `strata pseudo-labels`: land-cover pseudo-labels and their semantic change for a pair of scenes (see
/// `PseudoLabelExport`).
struct PseudoLabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudo-labels",
        abstract: "Derive water/vegetation/bare/built-up pseudo-labels and their change for two dates of a scene.",
        discussion: """
            Spectral-index thresholds (NDWI, NDVI, NDBI, BSI; see SpectralPseudoLabels) label each date; ambiguous, \
            cloudy and nodata pixels stay unlabelled; change = semantic change where both dates are labelled. \
            Writes class and change COGs on the first date's grid and tiles in the Hi-UCD and SECOND formats, for \
            training semantic-change models when no labelled data is at hand. These are NOT ground truth.
            """)

    @Option(help: "The first date (multispectral GeoTIFF/COG/VRT).") var before: String
    @Option(help: "The second date; read onto the first date's grid.") var after: String
    @Option(name: .shortAndLong, help: "Output folder.") var output: String
    @Option(help: "Comma-separated band names of the inputs (default: their band descriptions, or Sentinel-2's 13 bands).")
    var bands: String?
    @Option(help: "Reflectance = value × scale.") var scale = 1e-4
    @Option(help: "Tile size of the Hi-UCD/SECOND copies.") var tileSize = 128
    @Option(help: "Minimum labelled fraction of a tile.") var minLabelled = 0.5
    @Option(help: "Stem of the output names.") var name: String?
    @Option(help: "What to write: any of maps, hiucd, second (comma-separated).") var outputs = "maps,hiucd,second"

    func run() throws {
        var o = PseudoLabelExport.Options()
        o.bandNames = bands.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        o.scale = scale
        o.tileSize = tileSize
        o.minLabelled = minLabelled
        o.name = name
        var set = Set<PseudoLabelExport.Output>()
        for word in outputs.split(separator: ",") {
            guard let out = PseudoLabelExport.Output(rawValue: word.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--outputs: unknown '\(word)'; choose from maps, hiucd, second")
            }
            set.insert(out)
        }
        o.outputs = set
        let s = try PseudoLabelExport.run(before: before, after: after, to: output, options: o) { print($0) }
        for (i, f) in s.classFractions.enumerated() {
            let parts = f.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", 100 * $0.value)) %" }
            print("date \(i + 1): \(parts.joined(separator: ", "))")
        }
        print(String(format: "labelled on both dates: %.1f %%; of those changed: %.1f %%; tiles: %d",
                     100 * s.labelledFraction, 100 * s.changedFraction, s.tiles))
        print("pseudo-labels (a spectral rule, not ground truth) written to \(output)")
    }
}
