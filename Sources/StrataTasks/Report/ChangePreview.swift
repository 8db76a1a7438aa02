import Foundation
import StrataGeo
import StrataTensor

/// Change-map previews for a change run's report: one row per validation pair — before, after (an RGB composite of
/// the model input), the reference change map and the predicted one (white = change, grey = unlabelled/padding) —
/// the composites show the normalised input from −2σ to +2σ; as a PNG embedded in the HTML (`<img src="data:image/png;base64,…">`), so report.html stays one file.
public enum ChangePreview {
    /// The input channels shown as red, green, blue: Sentinel-2 B04/B03/B02 or red/green/blue when the card has
    /// them, else the first three bands (or the first band as grey).
    static func rgbIndices(_ bands: [String]) -> [Int] {
        let up = bands.map { $0.uppercased() }
        for names in [["B04", "B03", "B02"], ["B4", "B3", "B2"], ["RED", "GREEN", "BLUE"]] {
            let idx = names.compactMap { up.firstIndex(of: $0) }
            if idx.count == 3 { return idx }
        }
        return bands.count >= 3 ? [0, 1, 2] : [0, 0, 0]
    }

    /// An `<img>` element for one pair: `input` `[2C, H, W]` (normalised model input), `target` `[H, W]` (0/1/255),
    /// `logits` `[K, H, W]`; `bands` names one date's C channels; at most `maxSide` pixels per panel side.
    public static func html(input: Tensor, target: Tensor, logits: Tensor, bands: [String], title: String,
                            maxSide: Int = 256) throws -> String {
        let c = bands.count
        let h = target.size(0), w = target.size(1)
        let step = max(1, (max(h, w) + maxSide - 1) / maxSide)
        let ph = (h + step - 1) / step, pw = (w + step - 1) / step
        let idx = try Tensor(rgbIndices(bands).map(Int64.init))
        func sub(_ t: Tensor) throws -> Tensor {   // [.., H, W] → every step-th pixel
            try t.slice(dim: -2, start: 0, end: h, step: step).slice(dim: -1, start: 0, end: w, step: step)
        }
        func rgb(_ date: Int) throws -> Tensor {   // [3, ph, pw] uint8: normalised values −2…2 (±2σ) → 0…255
            let x = try sub(input.narrow(dim: 0, start: date * c, length: c).indexSelect(dim: 0, index: idx))
                .to(.float32)
            return try ((x + 2) * (255.0 / 4)).clamp(min: 0, max: 255).to(.uint8)
        }
        func map(_ m: Tensor) throws -> Tensor {   // 0 black, 1 white, other grey → [3, ph, pw]
            let t = try sub(m)
            let v = try (t.eq(1).to(.float32) * 255 + (t.ne(0).logicalAnd(t.ne(1))).to(.float32) * 128).to(.uint8)
            return try Tensor.stack([v, v, v])
        }
        let pred = try logits.size(0) == 1 ? (logits.select(dim: 0, index: 0) .> 0).to(.int64) : logits.argmax(dim: 0)
        let gap = try Tensor.full([3, ph, 4], 255, .init(dtype: .uint8))
        let row = try Tensor.cat([rgb(0), gap, rgb(1), gap, map(target), gap, map(pred)], dim: 2).contiguous()
        let width = row.size(2)
        let bytes: [UInt8] = try row.toArray()
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                              appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("preview.png").path
        try ImageWriter.pngPending(planes: bytes, width: width, height: ph, bands: 3, to: path).commit()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return "<img alt=\"\(SVGChart.escape(title))\" title=\"\(SVGChart.escape(title)): before, after, reference, "
            + "predicted\" width=\"\(width)\" height=\"\(ph)\" src=\"data:image/png;base64,\(data.base64EncodedString())\">"
    }
}
