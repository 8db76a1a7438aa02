import Foundation

/// One parity suite's tolerance, stated once: a comparison passes when `max|actual − reference| ≤ rtol ·
/// max|reference|` — relative to the scale of the output, so it does not depend on how large the fixture's values
/// happen to be, and independent of the CPU kernels libtorch picks as long as the fixture is well-conditioned.
///
/// Every check prints one greppable line, `parity: <suite> max-rel <x> tol <rtol> <label>`; deliberately broken
/// variants (which must fail the tolerance) print `parity-broken: …` instead. `scripts/parity-summary` (run by
/// `make test-kernels`) keeps the worst value per suite across kernel settings.
public struct Parity: Sendable {
    public let suite: String
    public let rtol: Double

    public init(_ suite: String, rtol: Double) {
        self.suite = suite
        self.rtol = rtol
    }

    /// `maxAbsDiff / scale`; 0 when both are 0 (an all-zero reference matched exactly), ∞ for any error on it.
    public static func relative(maxAbsDiff: Double, scale: Double) -> Double {
        if maxAbsDiff.isNaN || scale.isNaN { return .infinity }
        if scale > 0 { return maxAbsDiff / scale }
        return maxAbsDiff == 0 ? 0 : .infinity
    }

    /// Largest |a − b| and largest |b| of two equally long value lists (NaN anywhere gives NaN).
    public static func maxima(_ a: [Double], _ b: [Double]) -> (maxAbsDiff: Double, scale: Double) {
        var d = 0.0, s = 0.0
        for (u, v) in zip(a, b) {
            let e = abs(u - v)
            if e.isNaN || v.isNaN { return (.nan, .nan) }
            d = max(d, e)
            s = max(s, abs(v))
        }
        return (d, s)
    }

    /// Prints this check's line and tells whether `relative` is within the tolerance.
    @discardableResult
    public func passes(_ relative: Double, _ label: String) -> Bool {
        print("parity: \(suite) max-rel \(Self.format(relative)) tol \(Self.format(rtol)) \(label)")
        return relative <= rtol
    }

    /// For a deliberately broken variant: prints its line and tells whether the tolerance catches it (fails).
    public func catches(_ relative: Double, _ label: String) -> Bool {
        print("parity-broken: \(suite) max-rel \(Self.format(relative)) tol \(Self.format(rtol)) \(label)")
        return !(relative <= rtol)
    }

    static func format(_ x: Double) -> String { String(format: "%.3e", x) }
}
