import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Parity with PyTorch: each case of scripts/fixtures/ops.py is recomputed with Strata's API from the same inputs;
/// outputs and the gradients of `L = Σ_j sum(out_j * w_j)` with respect to every floating input must match.
///
/// Tolerance (`OpsParity.parity`, stated once): `max|a − b| ≤ 1e-5 · max|b|` over the finite elements of each
/// tensor — relative to the output's scale, so near-zero elements do not demand impossible relative accuracy and
/// large ones get no looser bound than the rest; one float32 op (or its gradient) on O(1) inputs differs between
/// CPU kernels by a few ulps (`make test-kernels` saw at most 5.9e-7). NaN must match NaN and infinities must
/// match exactly. Integer and bool outputs must match exactly. Shapes and dtypes must match exactly.
@Suite struct OpsParityTests {
    @Test(arguments: OpsParityCases.all.keys.sorted())
    func parity(op: String) throws {
        let fixture = try OpsParity.fixture.get()
        var worst = 0.0
        defer { OpsParity.parity.passes(worst, op) }
        let body = try #require(OpsParityCases.all[op])
        let inputs = try OpsParity.inputs(op, in: fixture)
        let outputs = try body(inputs.map(\.tensor))
        let expectedCount = fixture.keys.filter { $0.hasPrefix("\(op).out") }.count
        #expect(outputs.count == expectedCount, "\(op): \(outputs.count) outputs, PyTorch gave \(expectedCount)")

        var loss: Tensor?
        for (j, out) in outputs.enumerated() {
            let expected = try #require(fixture["\(op).out\(j)"], "\(op).out\(j) missing")
            worst = max(worst, try OpsParity.expectClose(out, expected, "\(op) output \(j)"))
            if let w = fixture["\(op).w\(j)"] {
                let term = try (out * w).sum()
                loss = try loss.map { try $0 + term } ?? term
            }
        }
        let wanted = inputs.filter(\.wantsGrad)
        guard !wanted.isEmpty else { return }
        let l = try #require(loss, "\(op): inputs need gradients but no output has weights")
        let grads = try Autograd.grad(of: [l], wrt: wanted.map(\.tensor))
        for (input, grad) in zip(wanted, grads) {
            let expected = fixture["\(op).grad\(input.index)"]!
            worst = max(worst, try OpsParity.expectClose(grad ?? Tensor.zerosLike(input.tensor), expected,
                                                         "\(op) gradient of input \(input.index)"))
        }
    }

    /// Every fixture case has a Swift counterpart (and vice versa), and the suite covers at least 45 ops.
    @Test func casesMatchFixture() throws {
        let fixture = try SafeTensors.read(OpsParity.path)
        let names = try #require(fixture.metadata["cases"]).split(separator: ",").map(String.init)
        #expect(Set(names) == Set(OpsParityCases.all.keys))
        #expect(names.count >= 45)
        let withGradients = Set(fixture.names.filter { $0.contains(".grad") }.map { String($0.split(separator: ".")[0]) })
        #expect(withGradients.count >= 40, "only \(withGradients.count) cases check gradients")
    }
}

enum OpsParity {
    static let path = SharedData.fixtures("StrataTensorTests").appendingPathComponent("ops.safetensors").path
    static let fixture: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path) }

    struct Input {
        let index: Int
        let tensor: Tensor
        let wantsGrad: Bool
    }

    /// The case's inputs; those with a stored gradient become fresh leaves that require grad.
    static func inputs(_ op: String, in fixture: [String: Tensor]) throws -> [Input] {
        var out: [Input] = []
        var i = 0
        while let t = fixture["\(op).in\(i)"] {
            let wants = fixture["\(op).grad\(i)"] != nil
            out.append(Input(index: i, tensor: wants ? try t.clone().setRequiresGrad() : t, wantsGrad: wants))
            i += 1
        }
        return out
    }

    static let parity = Parity("OpsParity", rtol: 1e-5)

    /// Checks one tensor; returns `max|a − b| / max|b|` over its finite elements (0 for non-float tensors).
    @discardableResult
    static func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
        #expect(actual.dtype == expected.dtype, "\(what): dtype \(actual.dtype) vs \(expected.dtype)", sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return .infinity }
        let a = try actual.doubles(), b = try expected.doubles()
        guard expected.dtype.isFloatingPoint else {
            let same = a == b
            #expect(same, "\(what): values differ: \(a) vs \(b)", sourceLocation: sourceLocation)
            return 0
        }
        let special = zip(a, b).enumerated().filter { !$0.element.1.isFinite || !$0.element.0.isFinite }
        let badSpecial = special.filter { e in !(e.element.0.isNaN && e.element.1.isNaN) && e.element.0 != e.element.1 }
        #expect(badSpecial.isEmpty, "\(what): NaN/infinity mismatch at index \(badSpecial.first?.offset ?? 0)",
                sourceLocation: sourceLocation)
        let finite = zip(a, b).filter { $0.0.isFinite && $0.1.isFinite }
        let m = Parity.maxima(finite.map(\.0), finite.map(\.1))
        let rel = Parity.relative(maxAbsDiff: m.maxAbsDiff, scale: m.scale)
        #expect(rel <= parity.rtol, "\(what): max |Δ| / max |expected| = \(rel) exceeds \(parity.rtol)",
                sourceLocation: sourceLocation)
        return rel
    }
}
