import Foundation
import Testing
@testable import StrataTensor

/// Tests of training support that touch process-wide state (autocast, the global generator): serialized, and the
/// global-generator stream check runs in a child process, so tests drawing random numbers in parallel cannot
/// interleave with it (nor this suite with theirs).
@Suite(.serialized) struct TrainSupportTests {
    @Test func autocastRunsMatmulInBFloat16AndRestores() throws {
        // Fixed values, not the global generator: nothing here may shift another test's seeded stream.
        let a = try Tensor((0..<16).map { Float($0) / 16 }, shape: [4, 4])
        let b = try Tensor((0..<16).map { Float(15 - $0) / 8 }, shape: [4, 4])
        let inside = try Torch.autocast { try a.matmul(b) }
        #expect(inside.dtype == .bfloat16)
        #expect(try a.matmul(b).dtype == .float32)
    }

    @Test func rngStateRestoresTheSameStream() async throws {
        await #expect(processExitsWith: .success) {
            Runtime.manualSeed(7)
            let state = try Runtime.rngState()
            let x = try Tensor.rand([5]).floats()
            try Runtime.setRNGState(state)
            let y = try Tensor.rand([5]).floats()
            let z = try Tensor.rand([5]).floats()
            if x != y || z == y { exit(1) }
        }
    }
}
