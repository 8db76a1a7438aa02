import Testing
@testable import StrataTasks

/// `--set` overrides and whole-number settings that used to trap (`Int(x)` on a double outside Int's range,
/// `keys.first!` on an empty key path) are clear `ConfigError`s naming the key.
@Suite struct OverrideTests {
    static func train(_ overrides: [String]) throws -> TrainConfig {
        var tree = try ConfigTree(yaml: "data: {dataset: eurosat}\n")
        try tree.apply(overrides: overrides)
        return try TrainConfig(tree, datasets: ["eurosat"], models: ["resnet18"])
    }

    @Test func infiniteAndHugeWholeNumbersAreErrors() throws {
        for v in [".inf", "-.inf", ".nan", "1e30", "-1e30", "9.3e18"] {
            let e = #expect(throws: ConfigError.self) { try Self.train(["trainer.epochs=\(v)"]) }
            #expect(e?.message.contains("trainer.epochs") == true, "\(v): \(e?.message ?? "")")
        }
        let e = #expect(throws: ConfigError.self) { try Self.train(["trainer.epochs=1e30"]) }
        #expect(e?.message.contains("out of range for a whole number") == true, "\(e?.message ?? "")")
        let inf = #expect(throws: ConfigError.self) { try Self.train(["data.batch_size=.inf"]) }
        #expect(inf?.message.contains("data.batch_size: expected a whole number, got inf") == true)
        // Whole numbers written as doubles still work.
        #expect(try Self.train(["trainer.epochs=3.0"]).trainer.epochs == 3)
        #expect(try Self.train(["trainer.epochs=1e2"]).trainer.epochs == 100)
    }

    @Test func emptyKeyPathsAreErrors() throws {
        for o in [".=1", "..=1", "trainer.=1", ".epochs=1", "trainer..epochs=1", " .x=1"] {
            var tree = ConfigTree()
            let e = #expect(throws: ConfigError.self) { try tree.apply(overrides: [o]) }
            #expect(e?.message.contains("has an empty part") == true, "\(o): \(e?.message ?? "")")
        }
        var tree = ConfigTree()
        let e = #expect(throws: ConfigError.self) { try tree.apply(overrides: ["=1"]) }
        #expect(e?.message.contains("must look like section.key=value") == true)
        // The programmatic setter skips empty parts instead of trapping.
        tree.set("", value: 1)
        tree.set("a..b", value: 2)
        #expect((tree.root["a"] as? [String: Any])?["b"] as? Int == 2)
        #expect(tree.root.count == 1)
    }

    @Test func nonFiniteListEntriesAreErrors() throws {
        let e = #expect(throws: ConfigError.self) { try Self.train(["trainer.class_weights=[1, .inf]"]) }
        #expect(e?.message.contains("trainer.class_weights: list entries must be finite") == true)
    }
}
