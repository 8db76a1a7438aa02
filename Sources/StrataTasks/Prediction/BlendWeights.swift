// Compiled into the portable GPU benchmark too (scripts/build-portable): import nothing above Foundation.
import Foundation

/// Per-axis blending weights of a tile layout: the 2-D weight of a chip is `wy[row][i] · wx[col][j]`.
struct BlendWeights: Sendable {
    let wx: [[Float]], wy: [[Float]]

    init(window: BlendWindow, xs: [Int], chipW: Int, width: Int, ys: [Int], chipH: Int, height: Int) {
        wx = Self.axis(window, xs, chipW, width)
        wy = Self.axis(window, ys, chipH, height)
    }

    static func axis(_ window: BlendWindow, _ pos: [Int], _ chip: Int, _ length: Int) -> [[Float]] {
        pos.indices.map { i in
            switch window {
            case .uniform:
                return [Float](repeating: 1, count: chip)
            case .gaussian(let s):
                let sigma = max(1e-6, s * Double(chip)), mid = Double(chip - 1) / 2
                return (0..<chip).map { Float(exp(-pow(Double($0) - mid, 2) / (2 * sigma * sigma))) }
            case .cosine:
                // Overlaps with the neighbours (0 at the scene's edges: no taper there).
                let left = i > 0 ? max(0, pos[i - 1] + chip - pos[i]) : 0
                let right = i + 1 < pos.count ? max(0, pos[i] + chip - pos[i + 1]) : 0
                return (0..<chip).map { j in Float(ramp(j, left) * ramp(chip - 1 - j, right)) }
            }
        }
    }

    /// Raised-cosine ramp over an overlap of `v` pixels at distance `j` from the chip's border: sin²(π/2 · j/(v−1)),
    /// so ramp(j, v) + ramp(v−1−j, v) = 1 and the border pixel weighs 0; 1 beyond the overlap. A one-pixel overlap is
    /// shared equally.
    static func ramp(_ j: Int, _ v: Int) -> Double {
        if v <= 0 || j >= v { return 1 }
        if v == 1 { return 0.5 }
        let s = sin(Double.pi / 2 * Double(j) / Double(v - 1))
        return s * s
    }
}
