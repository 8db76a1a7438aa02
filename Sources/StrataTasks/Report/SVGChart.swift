import Foundation

/// Small, dependency-free SVG charts for reports: line charts of metric curves and a confusion-matrix heatmap.
public enum SVGChart {
    public struct Series {
        public var name: String
        public var points: [(Double, Double)]
        public init(_ name: String, _ points: [(Double, Double)]) { self.name = name; self.points = points }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// A line chart with axes, ticks, labels and a legend. Non-finite values are skipped.
    public static func line(_ series: [Series], title: String, xLabel: String = "epoch", yLabel: String = "",
                            width: Int = 560, height: Int = 320) -> String {
        let pts = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
        let (ml, mr, mt, mb) = (60.0, 130.0, 34.0, 44.0)
        let pw = Double(width) - ml - mr, ph = Double(height) - mt - mb
        var xmin = pts.map(\.0).min() ?? 0, xmax = pts.map(\.0).max() ?? 1
        var ymin = pts.map(\.1).min() ?? 0, ymax = pts.map(\.1).max() ?? 1
        if xmax == xmin { xmin -= 0.5; xmax += 0.5 }
        if ymax == ymin { ymin -= 0.5; ymax += 0.5 }
        let pad = (ymax - ymin) * 0.05
        ymin -= pad; ymax += pad
        func sx(_ x: Double) -> Double { ml + (x - xmin) / (xmax - xmin) * pw }
        func sy(_ y: Double) -> Double { mt + (1 - (y - ymin) / (ymax - ymin)) * ph }

        var s = header(width, height)
        s += text(Double(width) / 2, 20, title, size: 14, anchor: "middle", weight: "bold")
        s += "<rect x=\"\(f(ml))\" y=\"\(f(mt))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#888\"/>\n"
        for t in ticks(ymin, ymax) {
            s += "<line x1=\"\(f(ml))\" x2=\"\(f(ml + pw))\" y1=\"\(f(sy(t)))\" y2=\"\(f(sy(t)))\" stroke=\"#eee\"/>\n"
            s += text(ml - 6, sy(t) + 4, label(t), size: 11, anchor: "end")
        }
        for t in ticks(xmin, xmax) {
            s += text(sx(t), mt + ph + 16, label(t), size: 11, anchor: "middle")
        }
        s += text(ml + pw / 2, Double(height) - 8, xLabel, size: 12, anchor: "middle")
        if !yLabel.isEmpty {
            s += "<text x=\"14\" y=\"\(f(mt + ph / 2))\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(mt + ph / 2)))\">\(escape(yLabel))</text>\n"
        }
        for (i, ser) in series.enumerated() {
            let color = palette[i % palette.count]
            let good = ser.points.filter { $0.0.isFinite && $0.1.isFinite }
            if good.count > 1 {
                let d = good.enumerated().map { j, p in (j == 0 ? "M" : "L") + "\(f(sx(p.0))),\(f(sy(p.1)))" }.joined(separator: " ")
                s += "<path class=\"series\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
            for p in good where good.count <= 60 {
                s += "<circle cx=\"\(f(sx(p.0)))\" cy=\"\(f(sy(p.1)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
            }
            let ly = mt + 10 + Double(i) * 18
            s += "<rect x=\"\(f(ml + pw + 12))\" y=\"\(f(ly - 8))\" width=\"12\" height=\"3\" fill=\"\(color)\"/>\n"
            s += text(ml + pw + 30, ly - 3, ser.name, size: 11, anchor: "start")
        }
        return s + "</svg>\n"
    }

    /// A confusion matrix (rows = true class, columns = predicted), cells shaded by row-normalised value and
    /// labelled with counts.
    public static func confusionMatrix(_ m: [[Int]], classNames: [String], title: String = "Confusion matrix") -> String {
        let n = m.count
        let cell = n <= 10 ? 40.0 : n <= 20 ? 28.0 : 18.0
        let labelW = min(160.0, Double(classNames.map(\.count).max() ?? 4) * 7 + 10)
        let left = labelW + 20, top = 40 + labelW
        let w = Int(left + cell * Double(n) + 20), h = Int(top + cell * Double(n) + 40)
        var s = header(w, h)
        s += text(Double(w) / 2, 18, title, size: 14, anchor: "middle", weight: "bold")
        for i in 0..<n {
            let rowSum = max(1, m[i].reduce(0, +))
            let y = top + Double(i) * cell
            s += text(left - 6, y + cell / 2 + 4, name(classNames, i), size: 11, anchor: "end")
            for j in 0..<n {
                let x = left + Double(j) * cell
                let v = Double(m[i][j]) / Double(rowSum)
                let shade = Int(255 - v * 200)
                let fill = i == j ? "rgb(\(shade),\(shade + (255 - shade) / 3),255)" : "rgb(255,\(shade),\(shade))"
                s += "<rect class=\"cell\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(m[i][j] == 0 ? "#fafafa" : fill)\" stroke=\"#ddd\"/>\n"
                if cell >= 24 && m[i][j] > 0 {
                    s += text(x + cell / 2, y + cell / 2 + 4, String(m[i][j]), size: 10, anchor: "middle")
                }
            }
        }
        for j in 0..<n {
            let x = left + Double(j) * cell + cell / 2
            s += "<text x=\"\(f(x))\" y=\"\(f(top - 6))\" font-size=\"11\" transform=\"rotate(-60 \(f(x)) \(f(top - 6)))\">\(escape(name(classNames, j)))</text>\n"
        }
        s += text(left + cell * Double(n) / 2, Double(h) - 12, "predicted", size: 12, anchor: "middle")
        return s + "</svg>\n"
    }

    // MARK: helpers

    static func name(_ names: [String], _ i: Int) -> String { i < names.count ? names[i] : String(i) }
    static func header(_ w: Int, _ h: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\">\n"
    }
    static func text(_ x: Double, _ y: Double, _ t: String, size: Int, anchor: String, weight: String = "normal") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\">\(escape(t))</text>\n"
    }
    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func label(_ v: Double) -> String {
        abs(v) >= 1000 || v == v.rounded() ? String(format: "%.0f", v) : abs(v) >= 1 ? String(format: "%.2g", v) : String(format: "%.3g", v)
    }
    /// About five "nice" tick values covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        let raw = (hi - lo) / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step) * step, out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(t); t += step }
        return out
    }
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
