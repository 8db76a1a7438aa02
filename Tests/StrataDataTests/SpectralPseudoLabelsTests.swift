import Foundation
import Testing
import StrataData
import StrataTensor
import StrataTestSupport

/// The pseudo-label rule on hand-made spectra (one pixel per case, values worked out from the documented
/// thresholds) and the change map's unlabelled handling.
struct SpectralPseudoLabelsTests {
    /// Bands in order blue, green, red, nir, swir1.
    static let rule = SpectralPseudoLabels(bands: .init(blue: 0, green: 1, red: 2, nir: 3, swir1: 4))

    static func classify(_ pixels: [[Float]]) throws -> [Int64] {
        // [C, 1, N]
        let n = pixels.count
        var flat = [Float](repeating: 0, count: 5 * n)
        for (i, p) in pixels.enumerated() { for c in 0..<5 { flat[c * n + i] = p[c] } }
        return try rule.classify(Tensor(flat, shape: [5, 1, n])).toArray(Int64.self)
    }

    @Test func handMadeSpectra() throws {
        let u = SpectralPseudoLabels.unlabelled
        let cases: [([Float], Int64, String)] = [
            // MNDWI (0.06-0.01)/0.07 = 0.71, NDVI (0.02-0.04)/0.06 < 0, NIR 0.02: water
            ([0.08, 0.06, 0.04, 0.02, 0.01], 0, "water"),
            // NDVI (0.35-0.05)/0.40 = 0.75: vegetation
            ([0.04, 0.07, 0.05, 0.35, 0.18], 1, "vegetation"),
            // BSI ((0.30+0.20)-(0.25+0.10))/0.85 = 0.18 > 0, NDVI 0.11, NDBI 0.09, MNDWI < 0: bare
            ([0.10, 0.15, 0.20, 0.25, 0.30], 2, "bare"),
            // NDBI (0.20-0.18)/0.38 = 0.05, NDVI (0.18-0.14)/0.32 = 0.125, BSI (0.34-0.34)/0.68 = 0, MNDWI < 0: built-up
            ([0.16, 0.15, 0.14, 0.18, 0.20], 3, "built-up"),
            // bright blue: cloud screen
            ([0.40, 0.38, 0.37, 0.40, 0.30], u, "cloud"),
            // a band at 0: nodata
            ([0.0, 0.06, 0.04, 0.02, 0.01], u, "nodata"),
            // NDVI 0.2 and BSI < 0 and NDBI < -0.1: no rule holds
            ([0.05, 0.08, 0.10, 0.15, 0.10], u, "ambiguous"),
        ]
        let got = try Self.classify(cases.map(\.0))
        for (i, c) in cases.enumerated() { #expect(got[i] == c.1, "\(c.2): got \(got[i])") }
    }

    @Test func changeIsUnlabelledWhereEitherDateIs() throws {
        let u = Double(SpectralPseudoLabels.unlabelled)
        let a = try Tensor([0.0, 1, 2, u, 3] as [Double]).to(.int64)
        let b = try Tensor([0.0, 2, 2, 1, u] as [Double]).to(.int64)
        let c = try SpectralPseudoLabels.change(a, b).toArray(Int64.self)
        #expect(c == [0, 1, 0, SpectralPseudoLabels.unlabelled, SpectralPseudoLabels.unlabelled])
    }

    @Test func bandsByName() throws {
        let b = try SpectralPseudoLabels.Bands(names: ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A",
                                                       "B09", "B10", "B11", "B12"])
        #expect(b == .sentinel2L1C)
        #expect(throws: DatasetError.self) { try SpectralPseudoLabels.Bands(names: ["B02", "B03", "B04"]) }
    }

    @Test func secondColoursRoundTrip() throws {
        let classes: [Int64] = [0, 1, 2, 3, SpectralPseudoLabels.unlabelled]
        let change: [Int64] = [1, 1, 0, 1, 1]
        let rgb = SCDLabelFormats.secondPlanes(classes: classes, change: change)
        let idx = try SCDLabelFormats.secondIndices(rgb: rgb, pixels: 5)
        #expect(idx == [1, 3, 0, 5, 0])
        let hi = SCDLabelFormats.hiUCDPlanes(before: classes, after: [0, 0, 2, 3, 0], change: [1, 1, 0, 0, 255])
        #expect(Array(hi[0..<5]) == [1, 2, 8, 3, 0] && Array(hi[5..<10]) == [1, 1, 8, 3, 1])
        #expect(Array(hi[10..<15]) == [2, 2, 1, 1, 0])
    }
}
