import Foundation
import Testing
import StrataTestSupport
@testable import StrataTensor

/// NPZ archives and pickled index lists against files written by NumPy and Python's pickle
/// (scripts/fixtures/lczc_ges2.py): the formats of DF4LCZ's LCZC-GES2 layout.
@Suite struct NPZTests {
    static func path(_ name: String) -> String {
        SharedData.fixtures("StrataTensorTests").appendingPathComponent("npz/\(name)").path
    }

    @Test func readsStoredAndDeflatedArchives() throws {
        for name in ["stored.npz", "deflated.npz"] {
            #expect(try NPZ.keys(Self.path(name)) == ["a", "b", "e"], "\(name)")
            // `e` is a pickled None (an object array): never decoded unless asked for.
            let arrays = try NPZ.read(Self.path(name), keys: ["a", "b"])
            let a = try #require(arrays["a"]), b = try #require(arrays["b"])
            #expect(a.shape == [2, 3, 4] && a.dtype == .float32)
            #expect(try a.doubles() == (0..<24).map { Double($0) / 4 })
            let seven = try b.itemInt()
            #expect(b.shape == [] && b.dtype == .int64 && seven == 7)
            #expect(throws: NPY.FormatError.self) { _ = try NPZ.read(Self.path(name), keys: ["e"]) }
            do {
                _ = try NPZ.read(Self.path(name), keys: ["missing"])
                Issue.record("expected an error")
            } catch let e as NPY.FormatError {
                #expect(e.message.contains("no array 'missing'") && e.message.contains("\"a\""))
            }
        }
        let zip = try ZipArchive(path: Self.path("deflated.npz"))
        #expect(zip.entries.allSatisfy { $0.method == 8 })
        #expect(try ZipArchive(path: Self.path("stored.npz")).entries.allSatisfy { $0.method == 0 })
    }

    @Test func writtenArchivesRoundTripAndFailLoudlyWhenDamaged() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.npz").path
        let x = try Tensor.randn([3, 4, 5]), l = try Tensor([Int64(12)]).reshape([]), v = try Tensor([1, 2, 3] as [Int])
        try NPZ.write([("image", x), ("label", l), ("v", v)], to: path)
        let back = try NPZ.read(path)
        let twelve = try back["label"]!.itemInt()
        #expect(try back["image"]!.equal(x) && back["label"]!.shape == [] && twelve == 12)
        #expect(try back["v"]!.ints() == [1, 2, 3] && back["v"]!.shape == [3])
        // A flipped data byte fails the CRC check, naming the member.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[200] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try NPZ.read(path, keys: ["image"])
            Issue.record("expected a CRC error")
        } catch let e as TorchError {
            #expect(e.message.contains("CRC-32") && e.message.contains("image.npy"))
        }
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: path))
        #expect(throws: TorchError.self) { _ = try NPZ.keys(path) }
    }

    @Test func readsPickledSplitDictsInEveryForm() throws {
        let train = [0, 3, 6, 9, 300], val = [-5, 70000, 1 << 40]
        for form in ["list-p2", "npscalar-p4", "numpy-p2", "numpy-p4", "numpy-p5"] {
            let d = try PythonPickle.loadIndexLists(Self.path("split_\(form).pkl"))
            #expect(d["train"] == train && d["validation"] == val && d["test"] == [], "\(form): \(d)")
        }
        let be = try PythonPickle.loadIndexLists(Self.path("split_numpy-i4be-p4.pkl"))
        #expect(be["train"] == train && be["validation"] == [-5, 70000] && be["test"] == [])
        // Not a pickle: an npz (zip) is named as such.
        do {
            _ = try PythonPickle.loadIndexLists(Self.path("stored.npz"))
            Issue.record("expected an error")
        } catch let e as TorchError {
            #expect(e.message.contains("zip archive"))
        }
    }

    @Test func writtenIndexListsReadBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID().uuidString).pkl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PythonPickle.writeIndexLists([("train", [1, 2, 300, 70000]), ("validation", []), ("test", [-1])], to: path)
        let d = try PythonPickle.loadIndexLists(path)
        #expect(d == ["train": [1, 2, 300, 70000], "validation": [], "test": [-1]])
    }
}
