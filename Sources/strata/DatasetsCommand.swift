import ArgumentParser
import Foundation
import StrataData

/// `strata datasets`: the datasets Strata reads (layout, where to get them) and which of them lie under given folders.
struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "List the supported datasets and find them on disk.",
        discussion: "Searches each --root and its sub-folders (--depth levels) for EuroSAT, So2Sat LCZ42 and BigEarthNet in their published layouts. Without --root: the current folder and $STRATA_DATA.")

    @Option(name: .customLong("root"), help: "A folder to search (repeatable).") var roots: [String] = []
    @Option(help: "How many folder levels below each root to search.") var depth = 3
    @Flag(help: "Only list what is found.") var foundOnly = false

    func run() throws {
        var searched = roots
        if searched.isEmpty {
            searched = ["."]
            if let env = ProcessInfo.processInfo.environment["STRATA_DATA"], !env.isEmpty { searched.append(env) }
        }
        if !foundOnly {
            print("Supported datasets:")
            for d in Datasets.known {
                let classes = d.classCount > 0 ? "\(d.classCount) classes" : "classes from folders"
                let bands = d.bandNames.isEmpty ? "bands from files" : "\(d.bandNames.count) bands"
                let size = d.chipSize.map { ", \($0)×\($0)" } ?? ""
                print("  \(d.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(d.title) — \(d.task.rawValue), \(classes), \(bands)\(size)")
                print("               \(d.summary)")
                print("               layout:  \(d.layout)")
                print("               get it:  \(d.download)")
            }
            print("")
        }
        let found = Datasets.find(under: searched, maxDepth: depth)
        let missing = searched.filter { !FileManager.default.fileExists(atPath: $0) }
        print("Found under \(searched.joined(separator: ", ")):")
        if found.isEmpty { print("  nothing") }
        for f in found {
            print("  \(f.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(f.path)")
            print("               \(f.detail)")
        }
        for m in missing { print("  (\(m) does not exist)") }
    }
}
