import Testing
@testable import StrataTensor

@Suite struct CoreTests {
    @Test func roundTripAndMetadata() throws {
        let t = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect(t.shape == [2, 3])
        #expect(t.dtype == .float32)
        #expect(t.device == .cpu)
        #expect(try t.floats() == [1, 2, 3, 4, 5, 6])
        #expect(try t.to(.int64).ints() == [1, 2, 3, 4, 5, 6])
    }

    @Test func boxedCallWithDefaultsAndErrors() throws {
        let add = Op("aten::add", "Tensor")
        let a = try Tensor([1, 2] as [Float]), b = try Tensor([10, 20] as [Float])
        let c = try add.tensor([.tensor(a), .tensor(b)], named: ["alpha": 2])
        #expect(try c.floats() == [21, 42])
        let m = try Tensor([1, 2, 3] as [Float])
        #expect(throws: TorchError.self) { try add.tensor([.tensor(a), .tensor(m)]) }
    }

    @Test func autogradBasics() throws {
        let x = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
        let mul = Op("aten::mul", "Tensor"), sum = Op("aten::sum")
        let y = try sum.tensor([.tensor(try mul.tensor([.tensor(x), .tensor(x)]))])
        try y.backward()
        #expect(try x.grad!.floats() == [2, 4, 6])
    }
}
