import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

@Suite struct SafeTensorsTests {
    static let fixture = SharedData.fixtures("StrataTensorTests").appendingPathComponent("python_written.safetensors").path

    /// The file written by Python's `safetensors` (scripts/fixtures/safetensors_io.py) holds values from a formula.
    @Test func readsFileWrittenByPython() throws {
        let c = try SafeTensors.read(Self.fixture)
        #expect(Set(c.names) == ["f64", "f32", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty"])
        #expect(c.metadata == ["format": "pt"])
        let idx = (0..<12).map(Double.init)
        let fractional = idx.map { $0 - 5 + 0.25 * $0 }
        let integral = idx.map { $0 - 5 }
        let expected: [(String, DType, [Double])] = [
            ("f64", .float64, fractional), ("f32", .float32, fractional), ("f16", .float16, fractional),
            ("bf16", .bfloat16, fractional), ("i64", .int64, integral), ("i32", .int32, integral),
            ("i16", .int16, integral), ("i8", .int8, integral), ("u8", .uint8, idx.map { $0 * 21 }),
            ("bool", .bool, idx.map { Int($0) % 3 == 0 ? 1 : 0 }),
        ]
        for (name, dtype, values) in expected {
            let t = try #require(c.tensors[name])
            #expect(t.dtype == dtype, "\(name)")
            #expect(t.shape == [3, 4], "\(name)")
            #expect(try t.doubles() == values, "\(name)")
        }
        #expect(c.tensors["scalar"]!.shape == [])
        #expect(try c.tensors["scalar"]!.item() == 3.5)
        #expect(c.tensors["empty"]!.shape == [0, 3])
    }

    @Test func roundTripsEveryDtype() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("all.safetensors").path
        var tensors: [(String, Tensor)] = []
        for dtype in DType.allCases {
            let t = dtype == .bool
                ? try Tensor.randint(0, 2, [2, 3, 5]).to(.bool)
                : dtype.isFloatingPoint
                ? try Tensor.randn([2, 3, 5]).to(dtype)
                : try Tensor.randint(dtype == .uint8 ? 0 : -100, 100, [2, 3, 5]).to(dtype)
            tensors.append(("t_\(dtype)", t))
        }
        tensors.append(("scalar", try Tensor(scalar: 2.5, dtype: .float64)))
        tensors.append(("empty", try Tensor.zeros([0, 4], .init(dtype: .int32))))
        // A non-contiguous view is written as its logical (row-major) contents.
        let base = try Tensor((0..<6).map(Float.init), shape: [2, 3])
        tensors.append(("transposed", try Op("aten::t").tensor([.tensor(base)])))
        try SafeTensors.save(tensors, metadata: ["k": "v \"quoted\"\n", "other": "ü"], to: path)

        let back = try SafeTensors.read(path)
        #expect(back.names == tensors.map(\.0))
        #expect(back.metadata == ["k": "v \"quoted\"\n", "other": "ü"])
        for (name, t) in tensors {
            let r = try #require(back.tensors[name])
            #expect(r.dtype == t.dtype, "\(name)")
            #expect(r.shape == t.shape, "\(name)")
            #expect(try r.doubles() == t.doubles(), "\(name)")
        }
        #expect(try back.tensors["transposed"]!.floats() == [0, 3, 1, 4, 2, 5])
        // Nothing temporary is left beside the output.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["all.safetensors"])
        // The header is padded to a multiple of 8 bytes, so data stays aligned.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(n % 8 == 0)
        // In-memory encoding matches the file byte for byte.
        #expect(try SafeTensors.encode(tensors, metadata: ["k": "v \"quoted\"\n", "other": "ü"]) == bytes)
    }

    @Test func dictionarySaveSortsNamesAndLoadedTensorsAreCopyOnWrite() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("d.safetensors").path
        try SafeTensors.save(["b": try Tensor([1, 2] as [Float]), "a": try Tensor([3] as [Int])], to: path)
        let c = try SafeTensors.read(path)
        #expect(c.names == ["a", "b"])
        // Loading does not copy: both tensors point into one mapping, 8 bytes (the int64 "a") apart.
        let pa = try #require(c.tensors["a"]?.dataPointer), pb = try #require(c.tensors["b"]?.dataPointer)
        #expect(pb - pa == 8)
        // Writing into a loaded tensor changes memory, never the file.
        let b = c.tensors["b"]!
        _ = try Op("aten::fill_", "Scalar").call([.tensor(b), 9])
        #expect(try b.floats() == [9, 9])
        #expect(try SafeTensors.load(path)["b"]!.floats() == [1, 2])
        // Overwriting an existing file replaces it.
        try SafeTensors.save(["c": try Tensor([7] as [Int])], to: path)
        #expect(try SafeTensors.read(path).names == ["c"])
        // Tensors loaded earlier stay valid after the file is replaced (they hold the old mapping).
        #expect(try c.tensors["a"]!.ints() == [3])
    }

    @Test func saveRejectsDuplicateAndReservedNames() throws {
        let t = try Tensor([1] as [Float])
        #expect(throws: SafeTensorsError.self) { try SafeTensors.encode([("x", t), ("x", t)]) }
        #expect(throws: SafeTensorsError.self) { try SafeTensors.encode([("__metadata__", t)]) }
    }

    /// Builds a file from a header string and a data section.
    static func file(header: String, data: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        return (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + data
    }

    static func expectError(_ bytes: [UInt8], containing words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SafeTensors.decode(bytes)
            Issue.record("expected an error containing \"\(words)\"", sourceLocation: sourceLocation)
        } catch let e as SafeTensorsError {
            #expect(e.message.contains(words), "\(e.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func malformedFilesThrowClearErrors() throws {
        let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        #expect(try SafeTensors.decode(Self.file(header: good, data: [UInt8](repeating: 0, count: 8))).names == ["a"])
        Self.expectError([1, 2, 3], containing: "shorter than the 8-byte header length")
        Self.expectError([255, 255, 255, 255, 255, 255, 255, 255, 0], containing: "exceeds")
        Self.expectError(Array(Self.file(header: good, data: []).prefix(20)), containing: "truncated")
        Self.expectError(Self.file(header: good, data: [0, 0, 0]), containing: "out of range")
        Self.expectError(Self.file(header: "{not json", data: []), containing: "not valid JSON")
        Self.expectError(Self.file(header: "[1, 2]", data: []), containing: "not an object")
        Self.expectError(Self.file(header: #"{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, data: [0]),
                         containing: "unsupported dtype \"F8_E4M3\"")
        Self.expectError(Self.file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                         containing: "cover 8 bytes")
        Self.expectError(Self.file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                         containing: "valid shape")
        Self.expectError(Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                         containing: "hole")
        Self.expectError(Self.file(header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#,
                                   data: [0, 0, 0]), containing: "overlaps")
        Self.expectError(Self.file(header: good, data: [UInt8](repeating: 0, count: 9)), containing: "trailing")
        Self.expectError(Self.file(header: #"{"__metadata__":{"a":1}}"#, data: []), containing: "not a string")
        #expect(throws: SafeTensorsError.self) { try SafeTensors.load("/nonexistent/strata.safetensors") }
    }

    @Test func truncatedFileOnDiskThrows() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture)))
        let cut = dir.appendingPathComponent("cut.safetensors")
        try Data(bytes.dropLast(10)).write(to: cut)
        #expect { try SafeTensors.load(cut.path) } throws: { ($0 as? SafeTensorsError)?.message.contains("truncated") == true }
        let empty = dir.appendingPathComponent("empty.safetensors")
        try Data().write(to: empty)
        #expect(throws: SafeTensorsError.self) { try SafeTensors.load(empty.path) }
    }
}
