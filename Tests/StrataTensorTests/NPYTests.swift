import Foundation
import Testing
import StrataTestSupport
@testable import StrataTensor

/// NPY reader against files written by NumPy (scripts/fixtures/npy.py) and the real So2Sat reference arrays.
@Suite struct NPYTests {
    static func path(_ name: String) -> String {
        SharedData.fixtures("StrataTensorTests").appendingPathComponent("npy/\(name).npy").path
    }
    static let base = (0..<24).map(Double.init)

    @Test func readsEveryDtypeAndByteOrder() throws {
        let base = Self.base
        let cases: [(String, DType, [Double])] = [
            ("f2", .float16, base.map { $0 / 4 }), ("f4", .float32, base.map { $0 / 4 }), ("f8", .float64, base.map { $0 / 4 }),
            ("u1", .uint8, base), ("i1", .int8, base.map { $0 - 12 }), ("i2", .int16, base.map { $0 - 12 }),
            ("i4", .int32, base.map { $0 - 12 }), ("i8", .int64, base.map { $0 - 12 }),
            ("u2", .int32, base), ("u4", .int64, base),
            ("be_f8", .float64, base.map { $0 / 4 }), ("be_i4", .int32, base.map { $0 - 12 }),
            ("fortran_f4", .float32, base.map { $0 / 4 }), ("v2_f4", .float32, base.map { $0 / 4 }),
        ]
        for (name, dtype, values) in cases {
            let t = try NPY.read(Self.path(name))
            #expect(t.shape == [2, 3, 4], "\(name)")
            #expect(t.dtype == dtype, "\(name): \(t.dtype)")
            #expect(try t.doubles() == values, "\(name)")
        }
        let b = try NPY.read(Self.path("bool"))
        #expect(b.dtype == .bool)
        #expect(try b.to(.int64).ints() == (0..<24).map { $0 % 3 == 0 ? 1 : 0 })
        let s = try NPY.read(Self.path("scalar_f8"))
        #expect(s.shape == [])
        #expect(try s.item() == 3.25)
        let e = try NPY.read(Self.path("empty_f4"))
        #expect(e.shape == [0, 3])
        #expect(try NPY.header(of: Self.path("fortran_f4")).fortranOrder)
    }

    @Test func clearErrors() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try NPY.read("/nonexistent.npy") }.contains("no file at /nonexistent.npy"))
        let notNpy = SharedData.fixtures("StrataTensorTests").appendingPathComponent("hdf5_small.h5").path
        #expect(message { _ = try NPY.read(notNpy) }.contains("not a .npy file"))
        let full = try Data(contentsOf: URL(fileURLWithPath: Self.path("f8")))
        #expect(message { _ = try NPY.read(data: full.prefix(full.count - 8), source: "cut") }.contains("cut is truncated"))
        var complex = full
        let r = try #require(complex.range(of: Data("<f8".utf8)))
        complex.replaceSubrange(r, with: Data("<c8".utf8))
        #expect(message { _ = try NPY.read(data: complex, source: "c") }.contains("'<c8' is not supported"))
    }

    @Test(.enabled(if: SharedData.shouldRun)) func readsSo2SatReferenceArrays() throws {
        let chips = try NPY.read(try SharedData.path("reference-outputs/so2sat-lcz/paris_chips.npy"))
        #expect(chips.shape == [144, 32, 32, 10] && chips.dtype == .float32)
        let probs = try NPY.read(try SharedData.path("reference-outputs/so2sat-lcz/paris_probs.npy"))
        #expect(probs.shape == [144, 17])
        // softmax rows sum to 1
        let p = try probs.floats()
        for i in 0..<144 { #expect(abs(p[(i * 17)..<(i * 17 + 17)].reduce(0, +) - 1) < 1e-5) }
        // reflectances in float16-rounded DN/10000: every value is exactly a float16
        #expect(try chips.to(.float16).to(.float32).floats() == chips.floats())
    }
}
