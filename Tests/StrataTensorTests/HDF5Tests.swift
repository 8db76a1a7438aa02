import Foundation
import Testing
import StrataTestSupport
@testable import StrataTensor

/// HDF5 reader against a small h5py-written file (scripts/fixtures/hdf5.py) and the real So2Sat Keras weights.
@Suite struct HDF5Tests {
    static let fixture = SharedData.fixtures("StrataTensorTests").appendingPathComponent("hdf5_small.h5").path

    @Test func listsGroupsAndDatasetsRecursively() throws {
        let f = try HDF5File(path: Self.fixture)
        let entries = try f.entries()
        let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })
        #expect(byPath["/numbers"]?.kind == .group)
        #expect(byPath["/empty_group"]?.kind == .group)
        #expect(byPath["/conv2d_1/conv2d_1"]?.kind == .group)
        #expect(byPath["/conv2d_1/conv2d_1/kernel:0"] == HDF5Entry(path: "/conv2d_1/conv2d_1/kernel:0", kind: .dataset, shape: [3, 3, 2, 4], dtype: .float32))
        #expect(byPath["/chips"]?.shape == [10, 4, 4, 3])
        #expect(byPath["/chips"]?.dtype == .float64)
        #expect(byPath["/scalar"]?.shape == [])
        #expect(byPath["/text"]?.kind == .dataset && byPath["/text"]?.dtype == nil)
        #expect(try f.datasetPaths().count == 16)
        #expect(try f.entries(under: "/numbers").map(\.path) == ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4"].map { "/numbers/\($0)" })
        #expect(f.exists("/conv2d_1/conv2d_1/bias:0") && f.exists("conv2d_1") && !f.exists("/nope/deeper"))
    }

    @Test func readsEveryNumericTypeWithItsDtype() throws {
        let f = try HDF5File(path: Self.fixture)
        let base = (0..<24).map(Double.init)
        let expected: [(String, DType, [Double])] = [
            ("f2", .float32, base.map { $0 / 4 }), ("f4", .float32, base.map { $0 / 4 }), ("f8", .float64, base.map { $0 / 4 }),
            ("u1", .uint8, base), ("i1", .int8, base.map { $0 - 12 }), ("i2", .int16, base.map { $0 - 12 }),
            ("u2", .int32, base), ("i4", .int32, base.map { $0 - 12 }), ("u4", .int64, base), ("i8", .int64, base.map { $0 - 12 }),
        ]
        for (name, dtype, values) in expected {
            let t = try f.read("/numbers/\(name)")
            #expect(t.shape == [2, 3, 4], "\(name)")
            #expect(t.dtype == dtype, "\(name): \(t.dtype)")
            #expect(try t.doubles() == values, "\(name)")
        }
        let s = try f.read("scalar")
        #expect(s.shape == [])
        #expect(try s.item() == 2.5)
        let k = try f.read("/conv2d_1/conv2d_1/kernel:0")
        #expect(try k.floats() == (0..<72).map(Float.init))
        #expect(try f.shape(of: "/label") == [10, 17])
    }

    @Test func readsRowHyperslabs() throws {
        let f = try HDF5File(path: Self.fixture)
        for rows in [0..<10, 3..<7, 9..<10, 4..<4] {
            let t = try f.read("/chips", rows: rows)
            #expect(t.shape == [rows.count, 4, 4, 3])
            var expected: [Double] = []
            for n in rows { for y in 0..<4 { for x in 0..<4 { for c in 0..<3 { expected.append(Double(n * 1000 + y * 100 + x * 10 + c)) } } } }
            #expect(try t.doubles() == expected, "rows \(rows)")
        }
        let labels = try f.read("/label", rows: 5..<8)
        #expect(try labels.doubles().enumerated().filter { $0.element == 1 }.map { $0.offset } == [5, 17 + 6, 34 + 7])
        #expect(throws: HDF5Error.self) { try f.read("/chips", rows: 8..<11) }
        #expect(throws: HDF5Error.self) { try f.read("/scalar", rows: 0..<1) }
    }

    @Test func readsStringAndNumericAttributes() throws {
        let f = try HDF5File(path: Self.fixture)
        #expect(try Set(f.attributeNames()) == ["layer_names", "backend", "note", "vlen_list", "epochs", "lr", "shape"])
        #expect(try f.attribute("layer_names") == .strings(["input_1", "conv2d_1", "empty_group"]))
        #expect(try f.attribute("backend") == .string("tensorflow"))
        #expect(try f.attribute("note").string == "variable-length été")
        #expect(try f.attribute("vlen_list") == .strings(["a", "bc", ""]))
        #expect(try f.attribute("epochs") == .ints([12]))
        #expect(try f.attribute("lr") == .doubles([0.001]))
        #expect(try f.attribute("shape") == .ints([32, 32, 10]))
        #expect(try f.attribute("weight_names", of: "/conv2d_1").strings == ["conv2d_1/kernel:0", "conv2d_1/bias:0"])
        #expect(try f.attribute("weight_names", of: "/empty_group").strings == [])
        #expect(try f.attributeNames(of: "/numbers/f4") == [])
    }

    @Test func clearErrors() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try HDF5File(path: "/nonexistent/x.h5") }.contains("no file at /nonexistent/x.h5"))
        let notH5 = SharedData.fixtures("StrataTensorTests").appendingPathComponent("python_written.safetensors").path
        #expect(message { _ = try HDF5File(path: notH5) }.contains("is not an HDF5 file"))
        let f = try HDF5File(path: Self.fixture)
        #expect(message { _ = try f.read("/conv2d_1/conv2d_1/gamma:0") }.contains("no group or dataset '/conv2d_1/conv2d_1/gamma:0'"))
        #expect(message { _ = try f.read("/numbers") }.contains("is a group, not a dataset"))
        #expect(message { _ = try f.read("/text") }.contains("not a numeric"))
        #expect(message { _ = try f.attribute("missing") }.contains("has no attribute 'missing'"))
        #expect(message { _ = try f.entries(under: "/chips") }.contains("is not a group"))
    }

    @Test(.enabled(if: SharedData.shouldRun)) func readsRealSo2SatKerasWeights() throws {
        let path = try SharedData.path("weights/so2sat-lcz/S2_RESNET20_BS16_LR2e-4_IN32-32-10_PRO-52-0R12_2019-06-27.h5")
        let f = try HDF5File(path: path)
        #expect(try f.attribute("keras_version").string == "2.1.5")
        #expect(try f.attribute("backend").string == "tensorflow")
        let layers = try #require(try f.attribute("layer_names").strings)
        #expect(layers.count == 70 && layers.first == "input_1" && layers.last == "dense_1")
        // the file lists the projection shortcut conv2d_5 before the branch conv conv2d_4
        #expect(layers[10] == "conv2d_5" && layers[11] == "conv2d_4")
        #expect(try f.attribute("weight_names", of: "batch_normalization_1").strings == [
            "batch_normalization_1/gamma:0", "batch_normalization_1/beta:0",
            "batch_normalization_1/moving_mean:0", "batch_normalization_1/moving_variance:0"])
        #expect(try f.attribute("weight_names", of: "activation_1").strings == [])
        var params = 0
        for e in try f.entries() where e.kind == .dataset {
            #expect(e.dtype == .float32, "\(e.path)")
            params += e.shape.reduce(1, *)
        }
        #expect(params == 576_897)
        #expect(try f.shape(of: "/conv2d_1/conv2d_1/kernel:0") == [3, 3, 10, 16])
        #expect(try f.read("/dense_1/dense_1/kernel:0").shape == [256, 17])
    }
}
