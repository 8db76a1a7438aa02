// No imports: compiled into the portable GPU benchmark too (scripts/build-portable), which has no StrataGeo.

/// Where chips go along one axis of a scene.
public enum TileAxis {
    /// Chip origins along an axis of `length` pixels: every `stride` from 0, then one last chip aligned to the far
    /// edge (`length − chip`), so no chip sticks out of the scene. A scene shorter than a chip gets one chip at 0
    /// (read padded, output cropped).
    public static func positions(length: Int, chip: Int, stride: Int) -> [Int] {
        guard length > chip else { return [0] }
        var out: [Int] = []
        var p = 0
        while p + chip < length { out.append(p); p += stride }
        out.append(length - chip)
        return out
    }
}
