import Foundation
import StrataGeo

/// The ground area of one pixel of a grid, row by row.
///
/// - Projected CRS: the planar area of the pixel in the CRS (|det| of the geotransform × metres per unit²). Exact
///   for equal-area projections; for conformal ones (UTM, …) it carries the projection's areal scale error (UTM:
///   within about ±0.1 % inside a zone).
/// - Geographic CRS (north-up): the exact area of each row's pixels on the CRS's ellipsoid — the area of an
///   ellipsoidal quadrangle between two parallels over the pixel's longitude span,
///   `A = (b²/2)·Δλ·[g(φ₂) − g(φ₁)]`, `g(φ) = sinφ/(1 − e²sin²φ) + (1/2e)·ln((1 + e·sinφ)/(1 − e·sinφ))`.
/// - Geographic, rotated grids: the local approximation `|det|·M(φ)·N(φ)·cosφ` at each row's first pixel centre.
public struct PixelArea: Sendable {
    public enum Method: String, Sendable, Codable {
        case planar
        case ellipsoidal
        case localEllipsoidal = "local-ellipsoidal"
    }
    public let method: Method
    /// One sentence for reports.
    public let explanation: String
    private let perRow: [Double]?
    private let constant: Double

    public init(grid: GeoGrid) throws {
        let c = grid.transform.coefficients
        let det = abs(c[1] * c[5] - c[2] * c[4])
        if !grid.crs.isGeographic {
            let m = grid.crs.metresPerUnit ?? 1
            method = .planar
            constant = det * m * m
            perRow = nil
            explanation = "planar pixel area in \(grid.crs) (\(String(format: "%.4g", constant)) m² per pixel); projections that are not equal-area carry their areal scale error"
            return
        }
        guard let (a, invF) = grid.crs.ellipsoid else {
            throw PredictionError("cannot read the ellipsoid of \(grid.crs) to compute areas")
        }
        let f = invF > 0 ? 1 / invF : 0
        let b = a * (1 - f)
        let e2 = f * (2 - f), e = e2.squareRoot()
        let rad = grid.crs.radiansPerAngularUnit
        constant = 0
        if grid.transform.isNorthUp {
            method = .ellipsoidal
            let dLon = abs(c[1]) * rad
            func g(_ phi: Double) -> Double {
                let s = sin(phi)
                if e < 1e-12 { return 2 * s }
                return s / (1 - e2 * s * s) + log((1 + e * s) / (1 - e * s)) / (2 * e)
            }
            perRow = (0..<grid.height).map { r in
                let p1 = (c[3] + Double(r) * c[5]) * rad, p2 = (c[3] + Double(r + 1) * c[5]) * rad
                return abs(b * b / 2 * dLon * (g(p1) - g(p2)))
            }
            explanation = "exact pixel area on the \(grid.crs) ellipsoid (a = \(a) m, 1/f = \(invF)), row by row between the pixel's parallels"
        } else {
            method = .localEllipsoidal
            perRow = (0..<grid.height).map { r in
                let phi = (c[3] + 0.5 * c[4] + (Double(r) + 0.5) * c[5]) * rad
                let s = sin(phi), w = 1 - e2 * s * s
                let n = a / w.squareRoot(), m = a * (1 - e2) / pow(w, 1.5)
                return det * rad * rad * m * n * cos(phi)
            }
            explanation = "pixel area from the local ellipsoidal scale (M·N·cosφ) at each row's centre latitude on \(grid.crs)'s ellipsoid"
        }
    }

    /// Square metres of one pixel in row `row`.
    public func squareMetres(row: Int) -> Double { perRow?[row] ?? constant }
}
