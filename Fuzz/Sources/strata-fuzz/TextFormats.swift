import Foundation
import StrataModels
import StrataTasks

/// YAML configs: the text before the first NUL byte is the config file, each line after it one `--set` override;
/// then TrainConfig validates the tree as `strata train` does.
enum ConfigHarness: Harness {
    static let name = "config"
    static func run(_ data: Data) throws {
        let parts = data.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        var tree = try ConfigTree(yaml: String(decoding: parts[0], as: UTF8.self), source: "fuzz")
        if parts.count > 1 {
            let lines = String(decoding: parts[1], as: UTF8.self).split(separator: "\n").map(String.init)
            try tree.apply(overrides: lines)
        }
        _ = try TrainConfig(tree, datasets: ["eurosat", "so2sat", "raster"], models: ["resnet18", "unet-resnet34"])
    }
}

/// Model-card JSON → ModelCard(json:), then the calls a loader makes with it.
enum ModelCardHarness: Harness {
    static let name = "model-card"
    static func run(_ data: Data) throws {
        let card = try ModelCard(json: String(decoding: data, as: UTF8.self))
        _ = try card.jsonString()
        _ = try card.normalization.affine(bands: card.inChannels)
        _ = try card.bandIndices(in: card.bands)
        try card.checkBands(card.bands.reversed())
    }
}
