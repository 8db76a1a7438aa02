import StrataGeo

/// A small picture of the class map: the map sampled down to at most `maxSize` pixels on its longer side (nearest,
/// kept while the map streams past, so the full map is never in memory), drawn with the class colours, over a
/// legend of coloured boxes and class names in `BitmapFont`.
struct QuickLook {
    let factor: Int
    let width: Int, height: Int
    private(set) var classes: [UInt8]
    let nodata: UInt8

    init(gridWidth: Int, gridHeight: Int, maxSize: Int, nodata: UInt8) {
        let f = max(1, (max(gridWidth, gridHeight) + max(1, maxSize) - 1) / max(1, maxSize))
        factor = f
        width = (gridWidth + f - 1) / f
        height = (gridHeight + f - 1) / f
        self.nodata = nodata
        classes = [UInt8](repeating: nodata, count: width * height)
    }

    /// Keeps the sampled pixels of a window of the map (pixels whose row and column are multiples of `factor`).
    mutating func take(window: PixelWindow, classes cls: UnsafePointer<UInt8>) {
        let f = factor
        var y = ((window.y + f - 1) / f) * f
        while y < window.maxY {
            var x = ((window.x + f - 1) / f) * f
            let row = (y - window.y) * window.width
            while x < window.maxX {
                classes[(y / f) * width + x / f] = cls[row + x - window.x]
                x += f
            }
            y += f
        }
    }

    /// RGB planes (3 × w × h bytes) and the image size: the map (enlarged by a whole factor when tiny) above the
    /// legend.
    func render(colors: [RGBA], names: [String], title: String) -> (planes: [UInt8], width: Int, height: Int) {
        let up = max(1, min(8, 384 / max(width, height)))
        let mw = width * up, mh = height * up
        let scale = 2, line = 20, margin = 8
        let shown = Array(names.prefix(64).enumerated())
        let more = names.count - shown.count
        let labels = shown.map { "\($0.offset) \($0.element)" } + (more > 0 ? ["+\(more) MORE CLASSES"] : [])
        let textW = (labels + [title]).map { BitmapFont.textWidth($0, scale: scale) }.max() ?? 0
        let legendW = margin + 16 + 6 + textW + margin
        let w = max(mw, legendW)
        let h = mh + margin + line + labels.count * line + margin
        var planes = [UInt8](repeating: 255, count: 3 * w * h)
        func put(_ x: Int, _ y: Int, _ c: RGBA) {
            let i = y * w + x
            planes[i] = c.r; planes[w * h + i] = c.g; planes[2 * w * h + i] = c.b
        }
        let none = RGBA(235, 235, 235)
        for y in 0..<mh {
            for x in 0..<mw {
                let k = classes[(y / up) * width + x / up]
                put(x, y, k == nodata || Int(k) >= colors.count ? none : colors[Int(k)])
            }
        }
        BitmapFont.draw(title, x: margin, y: mh + margin, scale: scale, color: (0, 0, 0), into: &planes, width: w, height: h)
        for (i, label) in labels.enumerated() {
            let top = mh + margin + line * (i + 1)
            if i < shown.count {
                for y in top..<(top + 14) {
                    for x in margin..<(margin + 16) {
                        let edge = y == top || y == top + 13 || x == margin || x == margin + 15
                        put(x, y, edge ? RGBA(0, 0, 0) : colors[i])
                    }
                }
            }
            BitmapFont.draw(label, x: margin + 22, y: top, scale: scale, color: (0, 0, 0), into: &planes, width: w, height: h)
        }
        return (planes, w, h)
    }
}
