import StrataTensor

/// The label encodings of the two public semantic-change datasets, for writing pseudo-labelled copies in their exact
/// formats (`PseudoLabelExport`) and for reading them.
///
/// - **Hi-UCD** (and Hi-UCD mini): one 3-channel PNG per tile — channel 0 the first date's class, channel 1 the
///   second's, channel 2 the change; raw codes 0 unlabelled, 1 water, 2 grass, 3 building, 4 greenhouse, 5 road,
///   6 bridge, 7 others, 8 bare land, 9 woodland; change 0 unlabelled, 1 unchanged, 2 changed. (ClearSCD trains on
///   `code − 1` with unlabelled 9, change `code − 1` with unlabelled 255.)
/// - **SECOND**: per date an RGB PNG coloured by class where the pixel changed and white where it did not:
///   0 no change (255,255,255), 1 water (0,0,255), 2 non-vegetated ground surface (128,128,128), 3 low vegetation
///   (0,128,0), 4 tree (0,255,0), 5 building (128,0,0), 6 playground (255,0,0). SECOND has no "unlabelled": an
///   unlabelled pixel is written as no change (white), so a SECOND copy loses that distinction.
public enum SCDLabelFormats {
    public static let hiUCDClasses = ["unlabeled", "water", "grass", "building", "greenhouse", "road", "bridge",
                                      "others", "bare land", "woodland"]
    public static let secondClasses = ["no change", "water", "ground", "low vegetation", "tree", "building",
                                       "playground"]
    public static let secondPalette: [(UInt8, UInt8, UInt8)] = [
        (255, 255, 255), (0, 0, 255), (128, 128, 128), (0, 128, 0), (0, 255, 0), (128, 0, 0), (255, 0, 0),
    ]

    /// Hi-UCD raw code of each pseudo-label class (water → water, vegetation → grass, bare → bare land,
    /// built-up → building).
    public static func hiUCDCode(_ c: SpectralPseudoLabels.LandClass) -> UInt8 {
        switch c {
        case .water: 1
        case .vegetation: 2
        case .bare: 8
        case .builtUp: 3
        }
    }

    /// SECOND class index of each pseudo-label class (bare → non-vegetated ground surface, vegetation → low
    /// vegetation, built-up → building).
    public static func secondIndex(_ c: SpectralPseudoLabels.LandClass) -> Int {
        switch c {
        case .water: 1
        case .vegetation: 3
        case .bare: 2
        case .builtUp: 5
        }
    }

    /// Hi-UCD label planes (3 × H × W bytes, band-sequential) from pseudo-label class maps (`LandClass` raw values,
    /// `SpectralPseudoLabels.unlabelled` elsewhere) and their change map (0/1, unlabelled elsewhere).
    public static func hiUCDPlanes(before: [Int64], after: [Int64], change: [Int64]) -> [UInt8] {
        func code(_ v: Int64) -> UInt8 {
            SpectralPseudoLabels.LandClass(rawValue: Int(v)).map(hiUCDCode) ?? 0
        }
        let changeCode: (Int64) -> UInt8 = { $0 == 0 ? 1 : $0 == 1 ? 2 : 0 }
        return before.map(code) + after.map(code) + change.map(changeCode)
    }

    /// SECOND label planes (RGB, 3 × H × W bytes) of one date: the class colour where `change` is 1, white elsewhere.
    public static func secondPlanes(classes: [Int64], change: [Int64]) -> [UInt8] {
        let n = classes.count
        var out = [UInt8](repeating: 255, count: 3 * n)
        for i in 0..<n where change[i] == 1 {
            guard let c = SpectralPseudoLabels.LandClass(rawValue: Int(classes[i])) else { continue }
            let (r, g, b) = secondPalette[secondIndex(c)]
            out[i] = r; out[n + i] = g; out[2 * n + i] = b
        }
        return out
    }

    /// SECOND class indices from RGB planes (3 × H × W bytes); a colour outside the palette is an error naming it.
    public static func secondIndices(rgb: [UInt8], pixels n: Int) throws -> [UInt8] {
        guard rgb.count == 3 * n else {
            throw DatasetError(.badFile, "SECOND label: \(rgb.count) bytes for \(n) RGB pixels")
        }
        var lookup: [UInt32: UInt8] = [:]
        for (i, (r, g, b)) in secondPalette.enumerated() {
            lookup[UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)] = UInt8(i)
        }
        return try (0..<n).map { i in
            let key = UInt32(rgb[i]) << 16 | UInt32(rgb[n + i]) << 8 | UInt32(rgb[2 * n + i])
            guard let k = lookup[key] else {
                throw DatasetError(.badFile, "SECOND label: colour (\(rgb[i]), \(rgb[n + i]), \(rgb[2 * n + i])) is not one of SECOND's 7 class colours")
            }
            return k
        }
    }
}
