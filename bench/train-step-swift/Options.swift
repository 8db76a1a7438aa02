import Foundation

/// Command-line options `--name value` (flags without a value are "1").
struct Options {
    var values: [String: String] = [:]
    init(_ args: ArraySlice<String>) {
        var it = args.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else { continue }
            let key = String(a.dropFirst(2))
            if let eq = key.firstIndex(of: "=") {
                values[String(key[..<eq])] = String(key[key.index(after: eq)...])
            } else {
                values[key] = it.next() ?? "1"
            }
        }
    }
    func int(_ k: String, _ d: Int) -> Int { values[k].flatMap(Int.init) ?? d }
    func double(_ k: String, _ d: Double) -> Double { values[k].flatMap(Double.init) ?? d }
    func bool(_ k: String, _ d: Bool) -> Bool { values[k].map { $0 == "1" || $0 == "true" } ?? d }
    func string(_ k: String) -> String? { values[k] }
}
