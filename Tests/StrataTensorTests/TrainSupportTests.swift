import Testing
@testable import StrataTensor

@Suite(.serialized) struct TrainSupportTests {
    @Test func autocastRunsMatmulInBFloat16AndRestores() throws {
        let a = try Tensor.randn([4, 4]), b = try Tensor.randn([4, 4])
        let inside = try Torch.autocast { try a.matmul(b) }
        #expect(inside.dtype == .bfloat16)
        #expect(try a.matmul(b).dtype == .float32)
    }

    @Test func rngStateRestoresTheSameStream() throws {
        Runtime.manualSeed(7)
        let state = try Runtime.rngState()
        let x = try Tensor.rand([5]).floats()
        try Runtime.setRNGState(state)
        let y = try Tensor.rand([5]).floats()
        #expect(x == y)
        #expect(try Tensor.rand([5]).floats() != y)
    }
}
