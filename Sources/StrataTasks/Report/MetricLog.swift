import Foundation
import StrataTensor

/// Appends one row per epoch/step to `metrics.csv` and `metrics.jsonl` in a run folder. The CSV header is the
/// union of keys seen so far; when a new key appears the CSV is rewritten with the wider header.
public final class MetricLog {
    public let csvURL: URL
    public let jsonlURL: URL
    public private(set) var rows: [[String: Double]] = []
    private var columns: [String] = []
    /// Whether rows reach the files (false on the ranks of a data-parallel run other than 0: rows kept in memory).
    public var writesFiles = true

    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        csvURL = directory.appendingPathComponent("metrics.csv")
        jsonlURL = directory.appendingPathComponent("metrics.jsonl")
    }

    /// Re-reads an existing JSONL log (used when a run resumes).
    public func reload(upTo epoch: Int? = nil) throws {
        rows = []
        columns = []
        guard let text = try? String(contentsOf: jsonlURL, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            var row: [String: Double] = [:]
            for (k, v) in obj { if let d = (v as? NSNumber)?.doubleValue { row[k] = d } }
            if let epoch, let e = row["epoch"], Int(e) > epoch { continue }
            append(row, write: false)
        }
        try rewrite()
    }

    public func append(_ row: [String: Double]) throws { append(row, write: true); try rewrite() }

    private func append(_ row: [String: Double], write: Bool) {
        rows.append(row)
        for k in row.keys.sorted() where !columns.contains(k) {
            if k == "epoch" { columns.insert(k, at: 0) } else { columns.append(k) }
        }
    }

    /// Writes both files (small: one row per epoch) to temporary names and renames them into place.
    private func rewrite() throws {
        guard writesFiles else { return }
        var csv = columns.joined(separator: ",") + "\n"
        var jsonl = ""
        for r in rows {
            csv += columns.map { r[$0].map(Self.format) ?? "" }.joined(separator: ",") + "\n"
            let pairs = r.keys.sorted().map { "\"\($0)\":\(Self.json(r[$0]!))" }
            jsonl += "{" + pairs.joined(separator: ",") + "}\n"
        }
        try AtomicFile.write(Data(csv.utf8), to: csvURL)
        try AtomicFile.write(Data(jsonl.utf8), to: jsonlURL)
    }

    /// The series of one metric in row order (rows without it are skipped), as (epoch or index, value).
    public func series(_ key: String) -> [(Double, Double)] {
        rows.enumerated().compactMap { i, r in r[key].map { (r["epoch"] ?? Double(i), $0) } }
    }

    static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.6g", v) }
    static func json(_ v: Double) -> String { v.isFinite ? format(v) : "null" }
}
