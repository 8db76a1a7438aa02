import Foundation
import StrataTensor

/// A self-contained `report.html` for a run: curves and confusion matrix as inline SVG, a per-class table, the
/// run's configuration and environment. No external assets, so it can be mailed or archived as one file.
public struct HTMLReport {
    public var title: String
    public var summary: [(String, String)] = []
    public var charts: [(String, String)] = []          // (caption, svg)
    public var tables: [(String, [String], [[String]])] = []  // (caption, header, rows)
    public var config: [(String, String)] = []
    public var environment: [(String, String)] = HTMLReport.defaultEnvironment()

    public init(title: String) { self.title = title }

    public static func defaultEnvironment() -> [(String, String)] {
        let p = ProcessInfo.processInfo
        return [("Strata", StrataVersion.string), ("libtorch", Runtime.version), ("threads", String(Runtime.threads)),
                ("host", p.hostName), ("OS", p.operatingSystemVersionString), ("cores", String(p.activeProcessorCount)),
                ("date", ISO8601DateFormatter().string(from: Date()))]
    }

    public func render() -> String {
        let e = SVGChart.escape
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}
        h1{font-size:1.5em} h2{font-size:1.15em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
        table{border-collapse:collapse;font-size:.9em} td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}
        th{background:#f4f4f4} td:first-child,th:first-child{text-align:left}
        .charts{display:flex;flex-wrap:wrap;gap:1em} figure{margin:0} figcaption{font-size:.85em;color:#555}
        </style></head><body>
        <h1>\(e(title))</h1>

        """
        if !summary.isEmpty { h += "<h2>Summary</h2>\n" + kv(summary) }
        if !charts.isEmpty {
            h += "<h2>Curves and matrices</h2>\n<div class=\"charts\">\n"
            for (cap, svg) in charts { h += "<figure>\(svg)<figcaption>\(e(cap))</figcaption></figure>\n" }
            h += "</div>\n"
        }
        for (cap, header, rows) in tables {
            h += "<h2>\(e(cap))</h2>\n<table><tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
            for r in rows { h += "<tr>" + r.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n" }
            h += "</table>\n"
        }
        if !config.isEmpty { h += "<h2>Configuration</h2>\n" + kv(config) }
        h += "<h2>Environment</h2>\n" + kv(environment)
        return h + "</body></html>\n"
    }

    func kv(_ pairs: [(String, String)]) -> String {
        "<table>\n" + pairs.map { "<tr><th>\(SVGChart.escape($0.0))</th><td>\(SVGChart.escape($0.1))</td></tr>" }
            .joined(separator: "\n") + "\n</table>\n"
    }

    /// Writes the report atomically.
    public func write(to url: URL) throws { try AtomicFile.write(Data(render().utf8), to: url) }
}
