import Foundation
import StrataTestSupport
import Testing
@testable import StrataTasks

/// Replays the config inputs that once hung or crashed the `config` fuzz harness (Fuzz/regressions/config/): as
/// the harness does, the text before the first NUL byte is the YAML file and each later line one `--set` override.
@Suite struct ConfigFuzzRegressionTests {
    @Test func configInputsAreErrors() throws {
        for url in try FuzzRegressions.inputs("config") {
            let data = try Data(contentsOf: url)
            let parts = data.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
            #expect(throws: ConfigError.self, "\(url.lastPathComponent)") {
                var tree = try ConfigTree(yaml: String(decoding: parts[0], as: UTF8.self), source: "fuzz")
                if parts.count > 1 {
                    let lines = String(decoding: parts[1], as: UTF8.self).split(separator: "\n").map(String.init)
                    try tree.apply(overrides: lines)
                }
                _ = try TrainConfig(tree, datasets: ["eurosat", "so2sat", "raster"],
                                    models: ["resnet18", "unet-resnet34"])
            }
        }
    }

    /// Anchors repeating anchors (9^10 values) are refused before Yams builds them; ordinary aliases still work.
    @Test func aliasExpansionIsBounded() throws {
        let url = SharedData.repoRoot.appendingPathComponent("Fuzz/regressions/config/billion-laughs.yaml")
        let e = #expect(throws: ConfigError.self) {
            try ConfigTree(yaml: try String(contentsOf: url, encoding: .utf8))
        }
        #expect(e?.message.contains("expands to more than \(ConfigTree.maxValues) values") == true)
        // The same text as a --set value.
        var o = ConfigTree()
        let laughs = try String(contentsOf: url, encoding: .utf8)
        let e2 = #expect(throws: ConfigError.self) { try o.apply(overrides: ["data.x=" + laughs]) }
        #expect(e2?.message.contains("expands to more than") == true)
        let t = try ConfigTree(yaml: "a: &b [1, 2]\nc: *b\n")
        #expect(t.root["c"] as? [Int] == [1, 2])
    }

    /// Yams force-unwraps mapping keys as strings: a list, mapping or alias as a key is refused first.
    @Test func nonScalarKeysAreErrors() throws {
        for text in ["? [a, b]\n: 1\n", "? {x: 1}\n: 2\n"] {
            let e = #expect(throws: ConfigError.self, "\(text)") { try ConfigTree(yaml: text) }
            #expect(e?.message.contains("must be a plain name") == true, "\(text)")
        }
    }
}
