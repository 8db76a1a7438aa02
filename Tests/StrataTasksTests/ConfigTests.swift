import Testing
@testable import StrataTasks

@Suite struct ConfigTests {
    let yaml = """
    trainer:
      epochs: 3
      optimizer: {name: adamw, lr: 1.0e-3}
    data:
      bands: [B02, B03, B04]
    """

    @Test func readsTypedValuesAndOverrides() throws {
        var tree = try ConfigTree(yaml: yaml)
        try tree.apply(overrides: ["trainer.epochs=7", "trainer.optimizer.lr=0.01", "model.name=resnet18"])
        let r = tree.reader()
        let t = try r.section("trainer")
        #expect(try t.int("epochs") == 7)
        let o = try t.section("optimizer")
        #expect(try o.string("name", allowed: ["sgd", "adamw"]) == "adamw")
        #expect(try o.double("lr") == 0.01)
        #expect(try r.section("data").strings("bands") == ["B02", "B03", "B04"])
        #expect(try r.section("model").string("name") == "resnet18")
    }

    @Test func unknownKeyNamesTheKeyAndTheAllowedOnes() throws {
        let tree = try ConfigTree(yaml: "trainer:\n  epoch: 3\n")
        let t = try tree.reader().section("trainer")
        _ = try t.int("epochs", default: 10)
        _ = try t.double("lr", default: 0.1)
        let e = #expect(throws: ConfigError.self) { try t.finish() }
        #expect(e?.message.contains("trainer.epoch") == true)
        #expect(e?.message.contains("did you mean 'epochs'") == true)
        #expect(e?.message.contains("epochs, lr") == true)
    }

    @Test func badValuesNameTheKeyAndAllowedValues() throws {
        let tree = try ConfigTree(yaml: "trainer:\n  optimizer: {name: adamx}\n  epochs: -1\n  lr: fast\n")
        let t = try tree.reader().section("trainer")
        let e1 = #expect(throws: ConfigError.self) { try t.section("optimizer").string("name", allowed: ["sgd", "adam", "adamw"]) }
        #expect(e1?.message == "trainer.optimizer.name: 'adamx' is not allowed; allowed values: sgd, adam, adamw")
        let e2 = #expect(throws: ConfigError.self) { try t.int("epochs", min: 1) }
        #expect(e2?.message.contains("trainer.epochs") == true)
        let e3 = #expect(throws: ConfigError.self) { try t.double("lr") }
        #expect(e3?.message.contains("expected a number") == true)
    }

    @Test func invalidYAMLAndMissingFileAreClearErrors() {
        #expect(throws: ConfigError.self) { try ConfigTree(yaml: "a: [1, 2\n") }
        #expect(throws: ConfigError.self) { try ConfigTree(file: "/nonexistent/x.yaml") }
        #expect(throws: ConfigError.self) { var t = ConfigTree(); try t.apply(overrides: ["noequals"]) }
    }
}
