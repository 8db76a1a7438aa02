import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Replays the inputs that once crashed the tensor-format fuzz harnesses (Fuzz/regressions/<harness>/, see
/// Fuzz/run): each must now be a thrown error naming the problem, as the harness calls the parser.
@Suite struct FuzzRegressionTests {
    @Test func pickleInputsAreErrors() throws {
        let storage = try Tensor.zeros([64], .init(dtype: .uint8))
        for url in try FuzzRegressions.inputs("pickle") {
            var machine = PickleMachine([UInt8](try Data(contentsOf: url)), source: url.lastPathComponent) { _ in
                .tensor(storage)
            }
            #expect(throws: TorchError.self, "\(url.lastPathComponent)") { try machine.run() }
        }
    }

    @Test func pickleLimitsNameTheProblem() throws {
        func run(_ name: String) throws -> String {
            let url = SharedData.repoRoot.appendingPathComponent("Fuzz/regressions/pickle/\(name)")
            var m = PickleMachine([UInt8](try Data(contentsOf: url)), source: name) { $0 }
            do { _ = try m.run(); return "" } catch let e as TorchError { return e.message }
        }
        #expect(try run("deep-tuples.pkl").contains("nested deeper than \(PickleMachine.maxDepth) levels"))
        #expect(try run("self-append.pkl").contains("puts a container inside itself (cyclic pickles"))
        #expect(try run("fill-after-nesting.pkl").contains("already nested"))
        #expect(try run("huge-length.pkl").contains("truncated pickle"))
        #expect(try run("overflow-length.pkl").contains("truncated pickle"))
        // Nesting up to the limit still loads.
        let ok: [UInt8] = [0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: PickleMachine.maxDepth) + [0x2E]
        var m = PickleMachine(ok, source: "ok") { $0 }
        #expect(throws: Never.self) { try m.run() }
    }

    @Test func npyInputsAreErrors() throws {
        for url in try FuzzRegressions.inputs("npy") {
            #expect(throws: NPY.FormatError.self, "\(url.lastPathComponent)") {
                try NPY.read(data: try Data(contentsOf: url), source: url.lastPathComponent)
            }
        }
    }

    /// Keras HDF5 inputs: libhdf5 1.10 crashes listing the attributes of some corrupt files, so the reader looks
    /// `layer_names` up by name, and it uses freed memory in `H5Aexists` on others
    /// (`libhdf5-h5aexists-uaf.h5`), so `KerasWeights.read` parses in a child process; each input must be an
    /// `HDF5Error`, as in the harness.
    @Test func kerasH5InputsAreErrors() throws {
        let small = SharedData.fixtures("StrataTensorTests").appendingPathComponent("hdf5_small.h5")
        let fixture = try HDF5File(path: small.path)
        #expect(try fixture.hasAttribute("layer_names"))
        #expect(try !fixture.hasAttribute("layer_namez"))
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for url in try FuzzRegressions.inputs("keras-h5") {
            let path = try FuzzRegressions.write(try Data(contentsOf: url), ext: "h5", in: dir)
            _ = try? HDF5File(path: path).entries()
            #expect(throws: HDF5Error.self, "\(url.lastPathComponent)") { try KerasWeights.read(path) }
        }
    }
}
