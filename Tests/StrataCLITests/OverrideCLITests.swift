import Foundation
import StrataTestSupport
import Testing

/// `strata train --set` with values that used to trap the process (SIGILL/SIGTRAP from `Int(.inf)` or
/// `keys.first!`): the binary exits with status 1 and one error line naming the key.
@Suite struct OverrideCLITests {
    @Test func trappingOverridesAreErrors() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("c.yaml")
        let yaml = "data: {dataset: eurosat, root: \(dir.path)}\noutput: \(dir.path)/run\n"
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let cases = [("trainer.epochs=.inf", "trainer.epochs"), ("trainer.epochs=1e30", "trainer.epochs"),
                     (".=1", "has an empty part")]
        for (set, expected) in cases {
            let r = try StrataBinary.run(["train", "--config", config.path, "--set", set, "--no-progress"])
            #expect(r.status == 1, "--set \(set): status \(r.status), output \(r.output)")
            #expect(r.output.contains(expected), "--set \(set): \(r.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path))
    }
}
