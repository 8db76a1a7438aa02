import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import StrataTestSupport
@testable import StrataTasks

@Suite struct ReportTests {
    /// Parses SVG/XHTML as XML and counts elements by name.
    final class Counter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) { counts[name, default: 0] += 1 }
    }
    func parse(_ s: String) -> (ok: Bool, counts: [String: Int]) {
        let p = XMLParser(data: Data(s.utf8)), c = Counter()
        p.delegate = c
        return (p.parse(), c.counts)
    }

    @Test func lineChartIsWellFormedWithOnePathPerSeries() {
        let svg = SVGChart.line([.init("train loss", [(1, 2.3), (2, 1.9), (3, 1.2)]), .init("val loss", [(1, 2.4), (2, 2.0), (3, .nan)])],
                                title: "Loss <&>")
        let r = parse(svg)
        #expect(r.ok)
        #expect(r.counts["path"] == 2)
        #expect(r.counts["circle"] == 5)  // the NaN point is dropped
        #expect(svg.contains("Loss &lt;&amp;&gt;"))
    }

    @Test func confusionMatrixHasOneCellPerEntry() {
        let m = [[5, 1, 0], [0, 7, 2], [1, 0, 9]]
        let svg = SVGChart.confusionMatrix(m, classNames: ["water", "forest", "urban"])
        let r = parse(svg)
        #expect(r.ok)
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 9)
        #expect(svg.contains(">forest<"))
    }

    @Test func metricLogWritesCSVAndJSONLAndReloads() throws {
        let dir = try SharedData.tempDir()
        let log = try MetricLog(directory: dir)
        try log.append(["epoch": 1, "train_loss": 2.0])
        try log.append(["epoch": 2, "train_loss": 1.5, "val_oa": 0.5])
        let csv = try String(contentsOf: log.csvURL, encoding: .utf8)
        #expect(csv.split(separator: "\n").first == "epoch,train_loss,val_oa")
        #expect(csv.contains("2,1.5,0.5"))
        let again = try MetricLog(directory: dir)
        try again.reload(upTo: 1)
        #expect(again.rows.count == 1)
        #expect(again.series("train_loss").map(\.1) == [2.0])
    }

    @Test func reportIsSelfContained() throws {
        var r = HTMLReport(title: "EuroSAT run")
        r.summary = [("OA", "0.91")]
        r.charts = [("loss", SVGChart.line([.init("loss", [(1, 1), (2, 0.5)])], title: "loss"))]
        r.tables = [("Per class", ["class", "F1"], [["water", "0.9"]])]
        let html = r.render()
        #expect(!html.contains("src=\"http"))
        #expect(!html.contains("<link"))
        #expect(html.contains("<svg"))
        let url = try SharedData.tempDir().appendingPathComponent("report.html")
        try r.write(to: url)
        #expect(FileManager.default.fileExists(atPath: url.path))
    }

    @Test func progressPrintsPlainLinesWithRateAndETA() {
        var out: [String] = []
        let p = Progress("train", total: 100, unit: "chips", interactive: false, minInterval: 0) { out.append($0) }
        for _ in 0..<4 { p.advance(25) }
        p.finish()
        #expect(out.count == 5)
        #expect(out[0].contains("25%"))
        #expect(out[0].contains("chips/s"))
        #expect(out[0].contains("ETA"))
        #expect(out.last!.contains(" in "))
        #expect(out.allSatisfy { !$0.contains("\u{1B}") })
    }
}
