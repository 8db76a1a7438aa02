import Foundation
import StrataTensor
import StrataTestSupport
@testable import StrataModels

/// The fixtures written by scripts/fixtures/models.py and the formula it fills weights and inputs with.
enum ModelFixtures {
    static let dir = SharedData.fixtures("StrataModelsTests")

    /// Outputs, seeded-init statistics and adaptations from PyTorch.
    static func parity() throws -> [String: Tensor] {
        try SafeTensors.load(dir.appendingPathComponent("models_parity.safetensors").path)
    }

    /// Per architecture: the reference state dict's `[key, shape]` list in order.
    static func keys() throws -> [String: [(String, [Int])]] {
        let data = try Data(contentsOf: dir.appendingPathComponent("models_keys.json"))
        let raw = try JSONSerialization.jsonObject(with: data) as! [String: [[Any]]]
        return raw.mapValues { list in list.map { ($0[0] as! String, ($0[1] as! [Any]).map { ($0 as! NSNumber).intValue }) } }
    }

    private static let mulS = Op("aten::mul", "Scalar"), addS = Op("aten::add", "Scalar"), sinOp = Op("aten::sin")
    private static let subT = Op("aten::sub", "Tensor"), absOp = Op("aten::abs"), maxOp = Op("aten::max")

    static let chirp = 65521
    private static let mulT = Op("aten::mul", "Tensor"), addT = Op("aten::add", "Tensor")
    private static let remS = Op("aten::remainder", "Scalar")

    /// `sin(2π·(j² mod 65521)/65521 + (j·a + i·b))` for j in 0..<n, float64 — the same aten operators in the
    /// same order as the Python side (models.py `formula` says why the quadratic phase is there).
    static func formula(_ n: Int, _ i: Int, a: Double = 0.731, b: Double = 0.917) throws -> Tensor {
        let j = try Tensor.arange(0, Double(n), step: 1, .init(dtype: .int64))
        let square = try remS.tensor([.tensor(mulT.tensor([.tensor(j), .tensor(j)])), .int(chirp)])
        let phase = try mulS.tensor([.tensor(square.to(.float64)), .double(2 * Double.pi / Double(chirp))])
        let ja = try mulS.tensor([.tensor(j.to(.float64)), .double(a)])
        let linear = try addS.tensor([.tensor(ja), .double(Double(i) * b)])
        return try sinOp.tensor([.tensor(addT.tensor([.tensor(phase), .tensor(linear)]))])
    }
    static func affine(_ t: Tensor, _ mul: Double, _ add: Double) throws -> Tensor {
        try addS.tensor([.tensor(mulS.tensor([.tensor(t), .double(mul)])), .double(add)])
    }

    /// Fills every floating-point state entry from the formula (models.py `fill`), then loads the BatchNorm running
    /// statistics models.py calibrated for `arch` (`bn.<arch>.<key>`, which keep every stage O(1)); `breaking`, when
    /// given, edits the state dict before it is loaded (the deliberately broken variants of the parity tests).
    static func fill(_ model: Module, arch: String, breaking: ((inout StateDict) throws -> Void)? = nil) throws {
        var sd = try formulaStateDict(model)
        let prefix = "bn.\(arch)."
        var calibrated = 0
        for (k, t) in try parity() where k.hasPrefix(prefix) {
            let key = String(k.dropFirst(prefix.count))
            guard sd[key] != nil else { throw TorchError("fixture entry \(k): \(arch) has no \(key)") }
            sd[key] = t
            calibrated += 1
        }
        guard calibrated > 0 else {
            throw TorchError("models_parity.safetensors has no bn.\(arch).* entries; rerun scripts/make-fixtures")
        }
        try breaking?(&sd)
        try model.load(stateDict: sd)
    }

    /// Fills every floating-point state entry from the formula, by its position in the state dict (models.py `fill`).
    static func fill(_ model: Module) throws { try model.load(stateDict: formulaStateDict(model)) }

    static func formulaStateDict(_ model: Module) throws -> StateDict {
        var sd = StateDict()
        for (i, (k, t)) in try model.stateDict().entries.enumerated() {
            guard t.dtype.isFloatingPoint else { sd[k] = t; continue }
            var v = try formula(t.count, i).reshape(t.shape)
            if t.rank >= 2 {
                let fanIn = t.shape.dropFirst().reduce(1, *)
                v = try mulS.tensor([.tensor(v), .double(2.0 / Double(fanIn).squareRoot())])
            } else if k.hasSuffix("running_var") {
                v = try affine(affine(v, 1, 1.0), 0.25, 1.0)
            } else if k.hasSuffix("running_mean") {
                v = try mulS.tensor([.tensor(v), .double(0.1)])
            } else if k.hasSuffix(".weight") {
                v = try affine(v, 0.2, 1.0)
            } else {
                v = try mulS.tensor([.tensor(v), .double(0.1)])
            }
            sd[k] = try v.to(t.dtype)
        }
        return sd
    }

    /// models.py `make_input`.
    static func input(_ shape: [Int]) throws -> Tensor {
        let n = shape.reduce(1, *)
        let v = try formula(n, 0, a: 0.0379)
        let w = try mulS.tensor([.tensor(formula(n, 0, a: 0.811)), .double(0.5)])
        return try Op("aten::add", "Tensor").tensor([.tensor(v), .tensor(w)]).to(.float32).reshape(shape)
    }

    static func maxAbsDiff(_ a: Tensor, _ b: Tensor) throws -> Double {
        try maxOp.tensor([.tensor(absOp.tensor([.tensor(subT.tensor([.tensor(a.to(.float64)), .tensor(b.to(.float64))]))]))]).item()
    }
    static func maxAbs(_ a: Tensor) throws -> Double {
        try maxOp.tensor([.tensor(absOp.tensor([.tensor(a.to(.float64))]))]).item()
    }
    /// `max|a − ref| / max|ref|` (shapes must agree): the quantity every models parity tolerance bounds.
    static func relativeDiff(_ a: Tensor, _ ref: Tensor) throws -> Double {
        guard a.shape == ref.shape else { return .infinity }
        return Parity.relative(maxAbsDiff: try maxAbsDiff(a, ref), scale: try maxAbs(ref))
    }

    /// The running variance of every BatchNorm in `sd` shifted by `delta`: in evaluation mode exactly a BN built
    /// with ε + δ (the "swapped BN eps" porting mistake, e.g. Keras's 1e-3 instead of PyTorch's 1e-5).
    static func shiftEps(_ sd: inout StateDict, by delta: Double) throws {
        for k in sd.keys where k.hasSuffix("running_var") {
            sd[k] = try affine(sd[k]!, 1, delta).to(.float32)
        }
    }

    /// Swaps the two spatial axes of the convolution kernel `key` (the "transposed kernel" mistake).
    static func transposeKernel(_ sd: inout StateDict, _ key: String) throws {
        guard let w = sd[key] else { throw TorchError("no \(key) to transpose") }
        sd[key] = try w.transpose(-1, -2).contiguous()
    }
}

/// One plain SGD step over `model`'s parameters on `loss` (no optimizer dependency).
func sgdStep(_ model: Module, loss: Tensor, lr: Double) throws {
    try model.zeroGrad()
    try loss.backward()
    let sub = Op("aten::sub_", "Tensor")
    try Torch.noGrad {
        for p in model.parameters() {
            guard let g = p.grad else { continue }
            _ = try sub.call([.tensor(p), .tensor(g)], named: ["alpha": .double(lr)])
        }
    }
}
