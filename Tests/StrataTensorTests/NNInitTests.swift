import Foundation
import Testing
@testable import StrataTensor

/// Initialisers follow PyTorch's formulas: bounds and standard deviations from the fans and gains.
@Suite struct NNInitTests {
    static func stats(_ t: Tensor) throws -> (min: Double, max: Double, mean: Double, std: Double) {
        let v = try t.doubles()
        let mean = v.reduce(0, +) / Double(v.count)
        let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        return (v.min()!, v.max()!, mean, std)
    }

    @Test func fansAndGains() throws {
        let (fi, fo) = try Init.fans(Tensor.empty([16, 8, 3, 3]))
        #expect(fi == 72 && fo == 144)
        #expect(throws: TorchError.self) { try Init.fans(Tensor.empty([5])) }
        #expect(Init.gain(.relu) == 2.0.squareRoot())
        #expect(abs(Init.gain(.leakyRelu, param: 5.0.squareRoot()) - (1.0 / 3).squareRoot()) < 1e-15)
        #expect(Init.gain(.tanh) == 5.0 / 3)
    }

    /// PyTorch's default: weights U(±1/√fan_in) (kaiming uniform with a = √5), bias U(±1/√fan_in).
    @Test func defaultLayerInitialisation() throws {
        let conv = try Conv2d(64, 128, kernelSize: 3)
        let bound = 1 / (64.0 * 9).squareRoot()
        let w = try Self.stats(conv.weight), b = try Self.stats(conv.bias!)
        #expect(w.min >= -bound && w.max <= bound)
        #expect(w.max > 0.99 * bound && w.min < -0.99 * bound)
        #expect(abs(w.std - bound / 3.0.squareRoot()) < 0.02 * bound)
        #expect(b.min >= -bound && b.max <= bound)
        let lin = try Linear(256, 300)
        let lb = 1 / 256.0.squareRoot()
        let lw = try Self.stats(lin.weight)
        #expect(lw.min >= -lb && lw.max <= lb && abs(lw.std - lb / 3.0.squareRoot()) < 0.02 * lb)
        let tr = try ConvTranspose2d(8, 16, kernelSize: 4)  // fan_in from dim 1 (out/groups)·k²
        let tb = 1 / (16.0 * 16).squareRoot()
        let tw = try Self.stats(tr.weight)
        #expect(tw.min >= -tb && tw.max <= tb && tw.max > 0.98 * tb)
        let bn = try BatchNorm2d(5)
        #expect(try bn.weight!.floats() == [1, 1, 1, 1, 1] && bn.bias!.floats() == [0, 0, 0, 0, 0])
        #expect(try bn.runningVar!.floats() == [1, 1, 1, 1, 1])
        let emb = try Embedding(1000, 16, paddingIdx: 3)
        let e = try Self.stats(emb.weight)
        #expect(abs(e.std - 1) < 0.03 && abs(e.mean) < 0.03)
        #expect(try emb.weight.indexed([.int(3)]).floats().allSatisfy { $0 == 0 })
        let mha = try MultiheadAttention(embedDim: 32, numHeads: 4)
        let xb = (6.0 / Double(96 + 32)).squareRoot()
        let m = try Self.stats(mha.inProjWeight!)
        #expect(m.min >= -xb && m.max <= xb && m.max > 0.98 * xb)
        #expect(try mha.inProjBias!.floats().allSatisfy { $0 == 0 } && mha.outProj.bias!.floats().allSatisfy { $0 == 0 })
    }

    @Test func helpers() throws {
        let t = try Tensor.empty([200, 300])
        try Init.kaimingNormal(t, mode: .fanOut, nonlinearity: .relu)
        #expect(abs(try Self.stats(t).std - (2.0 / 200).squareRoot()) < 0.002)
        try Init.kaimingUniform(t, nonlinearity: .relu)
        let ku = (6.0 / 300).squareRoot()
        #expect(try Self.stats(t).max <= ku)
        try Init.xavierNormal(t, gain: 2)
        #expect(abs(try Self.stats(t).std - 2 * (2.0 / 500).squareRoot()) < 0.003)
        try Init.xavierUniform(t)
        #expect(try Self.stats(t).max <= (6.0 / 500).squareRoot())
        try Init.truncNormal(t, mean: 1, std: 2, a: 0, b: 1.5)
        let s = try Self.stats(t)
        #expect(s.min >= 0 && s.max <= 1.5 && abs(s.mean - 0.7615) < 0.02)  // mean of N(1, 2²) truncated to [0, 1.5]
        try Init.constant(t, 0.25)
        #expect(try t.floats().allSatisfy { $0 == 0.25 })
        #expect(throws: TorchError.self) { try Init.truncNormal(t, std: 0) }
        // initialising a parameter records no autograd history
        let p = try Tensor.empty([3, 3]).setRequiresGrad()
        try Init.xavierUniform(p)
        #expect(p.isLeaf)
    }
}
