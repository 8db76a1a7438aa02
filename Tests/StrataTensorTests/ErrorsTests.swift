import CTorch
import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Bad input is a thrown Swift error carrying libtorch's own message, never a crash: one test per category
/// (shape mismatch, dtype mismatch, out-of-range index, bad file).
@Suite struct ErrorsTests {
    /// Runs `body`, requires a `TorchError`, and checks that its message holds each of `words` (libtorch's text).
    static func expectTorchError(_ words: String..., sourceLocation: SourceLocation = #_sourceLocation,
                                 _ body: () throws -> Any) {
        do {
            _ = try body()
            Issue.record("expected a TorchError containing \(words)", sourceLocation: sourceLocation)
        } catch let e as TorchError {
            for w in words {
                #expect(e.message.contains(w), "message \"\(e.message)\" lacks \"\(w)\"", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected a TorchError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func shapeMismatch() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
        Self.expectTorchError("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)") { try a.matmul(b) }
        Self.expectTorchError("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0") {
            try Tensor.zeros([3]) + Tensor.zeros([4])
        }
        Self.expectTorchError("Expected size for first two dimensions of batch2 tensor") {
            try Tensor.zeros([2, 3, 4]).bmm(try Tensor.zeros([3, 4, 5]))
        }
        Self.expectTorchError("Sizes of tensors must match except in dimension 0") {
            try Tensor.cat([try Tensor.zeros([2, 3]), try Tensor.zeros([2, 4])], dim: 0)
        }
        Self.expectTorchError("shape '[4, 2]' is invalid for input of size 6") { try a.view(4, 2) }
        Self.expectTorchError("Dimension out of range (expected to be in range of [-2, 1], but got 4)") { try a.sum(dim: 4) }
        // Strata's own argument checks name the problem the same way.
        #expect(throws: TorchError.self) { try Tensor.zeros([1, 2, 4, 4]).interpolate(size: [8], mode: .bilinear) }
        #expect(throws: TorchError.self) { try Tensor.zeros([1, 2, 4, 4]).interpolate(size: [8, 8], mode: .nearest, alignCorners: true) }
        #expect(throws: TorchError.self) { try Tensor([1, 2, 3] as [Float], shape: [2, 2]) }
    }

    @Test func dtypeMismatch() throws {
        let x = try Tensor.zeros([3])
        Self.expectTorchError("index_select(): Expected dtype int32 or int64 for index") {
            try x.indexSelect(dim: 0, index: try Tensor.zeros([2]))
        }
        Self.expectTorchError("expected m1 and m2 to have the same dtype, but got: float != double") {
            try Tensor.zeros([2, 2]).mm(try Tensor.zeros([2, 2], .init(dtype: .float64)))
        }
        Self.expectTorchError("Negation, the `-` operator, on a bool tensor is not supported") {
            try -(try Tensor.zeros([3], .init(dtype: .bool)))
        }
        Self.expectTorchError("masked_fill_ only supports boolean masks, but got mask with dtype float") {
            try x.maskedFill(try Tensor.zeros([3]), 1)
        }
        Self.expectTorchError("not implemented for 'Long'") { try Tensor.zeros([3], .init(dtype: .int64)).softmax(dim: 0) }
    }

    @Test func outOfRangeIndex() throws {
        let x = try Tensor.zeros([3, 4])
        Self.expectTorchError("index out of range in self") { try x.indexSelect(dim: 0, index: try Tensor([5])) }
        Self.expectTorchError("select(): index 5 out of range for tensor of size [3, 4] at dimension 0") { try x.select(dim: 0, index: 5) }
        Self.expectTorchError("select(): index 5 out of range") { try x[5] }
        Self.expectTorchError("start (3) + length (4) exceeds dimension size (4).") { try x.narrow(dim: 1, start: 3, length: 4) }
        Self.expectTorchError("index 9 is out of bounds for dimension 1 with size 4") { try x.gather(dim: 1, index: try Tensor([9], shape: [1, 1])) }
        Self.expectTorchError("too many indices for tensor of dimension 2") { try x[0, 1, 2] }
        Self.expectTorchError("a Tensor with 12 elements cannot be converted to Scalar") { try x.item() }
    }

    @Test func badFiles() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let garbage = dir.appendingPathComponent("garbage.bin")
        try Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: garbage)

        // safetensors: garbage, truncated, missing.
        #expect(throws: SafeTensorsError.self) { try SafeTensors.load(garbage.path) }
        let good = try SafeTensors.encode([("w", try Tensor.ones([4, 4]))])
        let cut = dir.appendingPathComponent("cut.safetensors")
        try Data(good.dropLast(7)).write(to: cut)
        #expect { try SafeTensors.load(cut.path) } throws: { ($0 as? SafeTensorsError)?.message.contains("truncated") == true }
        #expect { try SafeTensors.load(dir.appendingPathComponent("missing.safetensors").path) } throws: {
            ($0 as? SafeTensorsError)?.message.contains("No such file") == true
        }

        // torch.save archives through the main loader (libtorch's zip reader + Strata's pickle interpreter).
        #expect { try TorchPickle.load(garbage.path) } throws: {
            ($0 as? TorchError)?.message.contains("not a torch.save zip archive") == true
        }
        #expect { try TorchPickle.load(dir.appendingPathComponent("missing.pth").path) } throws: {
            ($0 as? TorchError)?.message.contains("no file at") == true
        }
        // A safetensors file is not a torch.save archive either.
        #expect(throws: TorchError.self) { try TorchPickle.load(cut.path) }
    }
}
