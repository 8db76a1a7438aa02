import Foundation
import Yams

extension ConfigTree {
    /// The tree as YAML (keys sorted), e.g. a run's resolved config after `--set` overrides: parsing the text again
    /// gives the same tree.
    public func yamlString() throws -> String {
        do {
            return try Yams.dump(object: root, sortKeys: true)
        } catch {
            throw ConfigError("cannot write the config as YAML: \(error)")
        }
    }
}
