import Foundation
import StrataTensor

/// Writes a zero-shot evaluation into a folder: `summary.json` (settings and metrics), `report.md` (the same for
/// people), `predictions.csv` (chip, truth, prediction, score per class) and, with labels, `per_class.csv` and
/// `confusion_matrix.csv` (single-label: rows = truth, columns = prediction) or `per_class.csv` with AP
/// (multi-label). Each file is written under a temporary name and renamed.
public enum ZeroShotReport {
    /// The metrics as `name: value` pairs (for the summary and the printed lines).
    public static func metrics(_ r: ZeroShotEvaluation.Result) -> [(String, Double)] {
        var out: [(String, Double)] = [("chips", Double(r.ids.count))]
        if let cm = r.confusion {
            out += [("accuracy", cm.overallAccuracy), ("kappa", cm.kappa), ("average_accuracy", cm.averageAccuracy),
                    ("f1_macro", cm.macroF1)]
        }
        if let h = r.topKHits {
            out.append(("top_k_hit_rate", h.labels > 0 ? Double(h.hits) / Double(h.labels) : .nan))
        }
        if let ml = r.multiLabel { out.append(("mean_average_precision", ml.meanAveragePrecision)) }
        return out
    }

    /// Writes the files; `settings` (weights, prompts, preprocessing, …) go into the summary as given.
    @discardableResult
    public static func write(_ r: ZeroShotEvaluation.Result, settings: [(String, String)], to dir: String) throws
        -> [String]
    {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let names = r.classNames, k = names.count
        var written: [String] = []
        func put(_ name: String, _ text: String) throws {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            try AtomicFile.write(Data(text.utf8), to: url)
            written.append(url.path)
        }
        func csv(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        func num(_ v: Double) -> String { v.isFinite ? String(format: "%.6f", v) : "null" }

        let scores = try r.scores.contiguous().floats()
        var pred = "chip,truth,prediction," + names.map(csv).joined(separator: ",") + "\n"
        for (i, id) in r.ids.enumerated() {
            let truth = r.labels.map { $0[i].classes.map { names[$0] }.joined(separator: ";") } ?? ""
            pred += "\(csv(id)),\(csv(truth)),\(csv(names[r.predictions[i]])),"
                + scores[(i * k)..<((i + 1) * k)].map { String(format: "%.6f", $0) }.joined(separator: ",") + "\n"
        }
        try put("predictions.csv", pred)

        var md = "# Zero-shot classification\n\n| setting | value |\n|---|---|\n"
        for (key, v) in settings { md += "| \(key) | \(v) |\n" }
        md += "| calibration | \(r.calibrated ? "per-class mean (SenCLIP)" : "none") |\n\n## Metrics\n\n"
        md += "| metric | value |\n|---|---|\n"
        for (key, v) in metrics(r) { md += "| \(key) | \(key == "chips" ? String(Int(v)) : num(v)) |\n" }

        var perClass: [[String: Any]] = []
        if let cm = r.confusion {
            let p = cm.precision, rc = cm.recall, f = cm.f1, s = cm.support
            var pc = "class,support,precision,recall,f1\n"
            md += "\n## Per class\n\n| class | support | precision | recall | F1 |\n|---|---|---|---|---|\n"
            for c in 0..<k {
                pc += "\(csv(names[c])),\(s[c]),\(num(p[c])),\(num(rc[c])),\(num(f[c]))\n"
                md += "| \(names[c]) | \(s[c]) | \(num(p[c])) | \(num(rc[c])) | \(num(f[c])) |\n"
                perClass.append(["class": names[c], "support": s[c], "precision": p[c], "recall": rc[c], "f1": f[c]])
            }
            try put("per_class.csv", pc)
            var conf = "truth\\prediction," + names.map(csv).joined(separator: ",") + "\n"
            md += "\n## Confusion matrix (rows = truth)\n\n| | " + names.joined(separator: " | ") + " |\n|"
                + String(repeating: "---|", count: k + 1) + "\n"
            for (c, row) in cm.rows.enumerated() {
                conf += csv(names[c]) + "," + row.map(String.init).joined(separator: ",") + "\n"
                md += "| \(names[c]) | " + row.map(String.init).joined(separator: " | ") + " |\n"
            }
            try put("confusion_matrix.csv", conf)
        } else if let ml = r.multiLabel {
            let ap = ml.averagePrecision
            let support = (0..<k).map { c in r.labels?.filter { $0.classes.contains(c) }.count ?? 0 }
            var pc = "class,support,average_precision\n"
            md += "\n## Per class\n\n| class | support | AP |\n|---|---|---|\n"
            for c in 0..<k {
                pc += "\(csv(names[c])),\(support[c]),\(num(ap[c]))\n"
                md += "| \(names[c]) | \(support[c]) | \(num(ap[c])) |\n"
                perClass.append(["class": names[c], "support": support[c], "average_precision": ap[c]])
            }
            try put("per_class.csv", pc)
        }
        if r.labels == nil { md += "\nNo labels: the dataset's classes are not the classifier's; predictions only.\n" }
        try put("report.md", md)

        var summary: [String: Any] = [
            "classes": names, "calibrated": r.calibrated, "seconds": r.seconds,
            "settings": Dictionary(settings, uniquingKeysWith: { a, _ in a }),
            "metrics": Dictionary(metrics(r).map { ($0.0, $0.1.isFinite ? $0.1 as Any : NSNull()) },
                                  uniquingKeysWith: { a, _ in a }),
        ]
        if !perClass.isEmpty {
            summary["per_class"] = perClass.map { e in e.mapValues { v -> Any in
                if let d = v as? Double, !d.isFinite { return NSNull() }
                return v
            } }
        }
        if let cm = r.confusion { summary["confusion_matrix"] = cm.rows }
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
        try put("summary.json", String(decoding: data, as: UTF8.self) + "\n")
        return written
    }
}
