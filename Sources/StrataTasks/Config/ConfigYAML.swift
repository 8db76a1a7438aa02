import Foundation
import Yams

extension ConfigTree {
    /// The tree as YAML (keys sorted), e.g. a run's resolved config after `--set` overrides: parsing the text again
    /// gives the same tree. Numbers keep their plain decimal form (`0.75`, `0.001`), not Yams' exponent form.
    public func yamlString() throws -> String {
        do {
            return try Yams.dump(object: Self.representable(root), sortKeys: true)
        } catch {
            throw ConfigError("cannot write the config as YAML: \(error)")
        }
    }

    /// The value with every floating-point number as a plain YAML scalar (`String(describing:)` of the double).
    static func representable(_ v: Any) -> Any {
        switch v {
        case let m as [String: Any]: return m.mapValues(representable)
        case let a as [Any]: return a.map(representable)
        case let d as Double:
            let text = d.isNaN ? ".nan" : d.isInfinite ? (d > 0 ? ".inf" : "-.inf") : "\(d)"
            return Node.scalar(Node.Scalar(text))
        default: return v
        }
    }
}
