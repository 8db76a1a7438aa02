import ArgumentParser
import Foundation
import StrataData
import StrataGeo
import StrataTasks

/// `strata lcz-standin`: builds an LCZC-GES2-layout stand-in from OSCD Sentinel-2 scenes, pseudo-labelled by the
/// So2Sat ResNet20 (see `LCZCGES2StandIn` for what stands in for what).
struct LCZStandInCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lcz-standin",
        abstract: "Build an LCZC-GES2-layout stand-in (DF4LCZ) from OSCD Sentinel-2 scenes.",
        discussion: """
            Cuts 32×32×10 Sentinel-2 patches from the OSCD scenes, labels them with the So2Sat ResNet20's prediction \
            (pseudo-labels), and pairs each with the segment graph of its own RGB resampled to 320×320 (a stand-in \
            for LCZC-GES2's 1 m Google Earth patches). The output's STANDIN.md says what is a stand-in. Train on it \
            with configs/lcz-fusion-standin.yaml.
            """)

    @Option(help: "The OSCD root (holding images/<city>/imgs_1/).") var oscd = "../shared/data/oscd"
    @Option(help: "The So2Sat LCZ42 ResNet20 Sentinel-2 Keras weights.")
    var weights = "../shared/data/weights/so2sat-lcz/S2_RESNET20_BS16_LR2e-4_IN32-32-10_PRO-52-0R12_2019-06-27.h5"
    @Option(help: "The output folder (must be new or empty).") var output: String
    @Option(name: .customLong("city"), help: "A city to use (repeatable; default: every city of the OSCD root).")
    var cities: [String] = []
    @Option(help: "OSCD date (1 or 2).") var date = 1
    @Option(help: "Resampling of the 20 m / 60 m bands onto 10 m (nearest, bilinear, cubic, …).")
    var resampling = "bilinear"
    @Option(help: "At most this many patches per city (row-major order).") var maxChipsPerCity: Int?
    @Option(help: "Felzenszwalb scale.") var scale = 100.0
    @Option(help: "Felzenszwalb sigma.") var sigma = 0.5
    @Option(help: "Felzenszwalb minimum segment size (px).") var minSize = 50
    @Option(help: "Validation share of the split.") var valFraction = 0.2
    @Option(help: "Test share of the split.") var testFraction = 0.2
    @Option(help: "Seed of the split.") var seed: UInt64 = 0

    func run() throws {
        guard let r = Resampling(rawValue: resampling) else {
            let known = Resampling.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--resampling: '\(resampling)' is not one of \(known)")
        }
        guard date == 1 || date == 2 else { throw ValidationError("--date must be 1 or 2") }
        do {
            var o = LCZCGES2StandIn.Options(oscdRoot: oscd, weights: weights, output: output)
            o.cities = cities.isEmpty ? nil : cities
            o.date = date
            o.resampling = r
            o.maxChipsPerCity = maxChipsPerCity
            o.scale = scale
            o.sigma = sigma
            o.minSize = minSize
            o.fractions = try SplitFractions(train: 1 - valFraction - testFraction, val: valFraction,
                                             test: testFraction)
            o.seed = seed
            try LCZCGES2StandIn.build(o)
        } catch {
            throw StrataCLIError(error)
        }
    }
}
