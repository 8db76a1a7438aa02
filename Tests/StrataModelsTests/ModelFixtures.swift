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

    /// `sin(j·a + i·b)` for j in 0..<n, float64 — the same aten operators as the Python side.
    static func formula(_ n: Int, _ i: Int, a: Double = 0.731, b: Double = 0.917) throws -> Tensor {
        let j = try Tensor.arange(0, Double(n), step: 1, .init(dtype: .float64))
        return try sinOp.tensor([.tensor(addS.tensor([.tensor(mulS.tensor([.tensor(j), .double(a)])), .double(Double(i) * b)]))])
    }
    static func affine(_ t: Tensor, _ mul: Double, _ add: Double) throws -> Tensor {
        try addS.tensor([.tensor(mulS.tensor([.tensor(t), .double(mul)])), .double(add)])
    }

    /// Fills every floating-point state entry from the formula, by its position in the state dict (models.py `fill`).
    static func fill(_ model: Module) throws {
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
        try model.load(stateDict: sd)
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
