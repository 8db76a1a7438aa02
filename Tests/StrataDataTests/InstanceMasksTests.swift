import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

/// The high-resolution stream's mask sources (issue #12, Deliver §1): mask files (label images, SAM's COCO-RLE
/// JSON, folders of mask PNGs), a TorchScript model through libtorch, and the Felzenszwalb default — all feeding
/// `SegmentGraph`. Fixtures: `scripts/fixtures/instance_masks.py` (torch.jit models, pycocotools RLE, a float64
/// DF4LCZ graph).
@Suite struct InstanceMasksTests {
    static let dir = SharedData.fixtures("StrataDataTests").appendingPathComponent("instance_masks")
    static func npy(_ name: String) throws -> Tensor { try NPY.read(dir.appendingPathComponent(name).path) }
    static func image() throws -> Tensor { try npy("image.npy") }
    /// The fixture's masks `[6, 40, 48]` as bool.
    static func masks() throws -> Tensor { try npy("masks.npy").ne(0.0) }

    static func expectSameMasks(_ set: InstanceMaskSet, _ expected: Tensor) throws {
        guard case .stack(let m) = set else { Issue.record("expected a mask stack"); return }
        #expect(m.shape == expected.shape && m.dtype == .bool)
        #expect(try m.equal(expected))
    }

    /// The graph of the fixture's masks equals the float64 reference (float32 features: ≤ 1e-6 on values in [0, 1]).
    static func expectReferenceGraph(_ g: SegmentGraph) throws {
        let x = try npy("graph_x.npy"), a = try npy("graph_a.npy")
        #expect(g.nodeCount == x.size(0))
        #expect(try (g.x.to(.float64) - x).abs().max().item() <= 1e-6)
        #expect(try (g.adjacency.to(.float64) - a).abs().max().item() <= 1e-6)
    }

    @Test func samJSONWithCompressedAndUncompressedRLE() throws {
        let set = try InstanceMaskFiles.readSAMJSON(Self.dir.appendingPathComponent("sam.json").path)
        try Self.expectSameMasks(set, try Self.masks())
        try Self.expectReferenceGraph(try set.graph(image: try Self.image()))
        // Through the source, by key.
        let source = InstanceMasks.files(directory: Self.dir.path)
        try Self.expectReferenceGraph(try source.graph(image: try Self.image(), key: "sam"))
    }

    @Test func rleStringsDecodeAsPycocotools() throws {
        // pycocotools: mask.encode(np.asfortranarray([[0,1],[1,1]]))['counts'] == b'13' (runs [1, 3]);
        // [[1,0,0],[1,0,0]] → b'024' (runs [0, 2, 4]).
        #expect(try COCORLE.counts(fromString: "13") == [1, 3])
        #expect(try COCORLE.counts(fromString: "024") == [0, 2, 4])
        #expect(try COCORLE.decode(counts: [1, 3], height: 2, width: 2) == [0, 1, 1, 1])
        // column-major: a mask whose first column is set in a 2×3 image
        #expect(try COCORLE.decode(counts: [0, 2, 4], height: 2, width: 3) == [1, 0, 0, 1, 0, 0])
    }

    /// Malformed RLE never reads or writes out of bounds: each case throws.
    @Test func malformedRLEThrows() {
        let bad: [(String, Int, Int)] = [
            ("1 2", 2, 2),      // character outside '0'…'o'
            ("1p", 2, 2),       // 'p' > 'o'
            ("P", 2, 2),        // ends inside a number (continuation bit set)
            ("15", 2, 2),       // covers more than the mask
            ("1", 2, 2),        // covers less
            ("13", 3, 3),       // covers less (pycocotools would read past the runs)
            ("PPPPPPPPPPPPPP0", 4, 4),  // too many groups in one number
            ("03=", 2, 2),      // delta makes a negative run
        ]
        for (s, h, w) in bad {
            #expect(throws: DatasetError.self, "\(s)") { _ = try COCORLE.decode(counts: try COCORLE.counts(fromString: s), height: h, width: w) }
        }
        #expect(throws: DatasetError.self) { _ = try COCORLE.decode(counts: [-1, 5], height: 2, width: 2) }
        #expect(throws: DatasetError.self) { _ = try COCORLE.decode(counts: [Int.max, Int.max], height: 2, width: 2) }
        #expect(throws: DatasetError.self) { _ = try COCORLE.decode(counts: [4], height: -2, width: -2) }
        #expect(throws: DatasetError.self) { _ = try COCORLE.decode(counts: [], height: 1 << 40, width: 1 << 40) }
        #expect(throws: DatasetError.self) { _ = try COCORLE.decode(["size": [2], "counts": "12"]) }
        #expect(throws: DatasetError.self) { _ = try COCORLE.decode(["size": [2, 2], "counts": [1.5, 2.5]]) }
    }

    /// A seeded smoke run of the `sam-rle` fuzz harness's path: random counts strings (from the RLE alphabet and
    /// beyond) and byte-level mutations of the fixture JSON either decode or throw; none may trap. A mask that
    /// decodes has exactly h × w pixels.
    @Test func randomRLEInputsDecodeOrThrow() throws {
        var rng = MaskFuzzRandom(seed: 12)
        for _ in 0..<3000 {
            let n = Int(rng.next() % 24)
            let s = String(decoding: (0..<n).map { _ in UInt8(40 + rng.next() % 80) }, as: UTF8.self)
            let (h, w) = (Int(rng.next() % 9), Int(rng.next() % 9))
            if let counts = try? COCORLE.counts(fromString: s), let m = try? COCORLE.decode(counts: counts, height: h, width: w) {
                #expect(m.count == h * w)
            }
        }
        let json = try Data(contentsOf: Self.dir.appendingPathComponent("sam.json"))
        let dir = try SharedData.tempDir("rle-mutations")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.json").path
        for _ in 0..<300 {
            var bytes = [UInt8](json)
            for _ in 0..<Int(1 + rng.next() % 4) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(32 + rng.next() % 95)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if case .stack(let m)? = try? InstanceMaskFiles.readSAMJSON(path) { #expect(m.rank == 3) }
        }
    }

    @Test func labelImagesPNGAndGeoTIFF() throws {
        let classes = try Self.npy("classes.npy")
        // labels.png: 0 background, k + 1 for class k > 0 → masks of classes 1…3; class 0 is no mask.
        let expected = try Tensor.where(classes.gt(0.0), classes + 1, -1.0).to(.int64)
        for name in ["labels.png", "labels.tif"] {
            let set = try InstanceMaskFiles.readLabelImage(Self.dir.appendingPathComponent(name).path)
            guard case .labels(let l) = set else { Issue.record("\(name): expected labels"); continue }
            #expect(try l.equal(expected), "\(name)")
        }
        let g = try InstanceMasks.files(directory: Self.dir.path).graph(image: try Self.image(), key: "labels")
        let counts = try classes.reshape([-1]).bincount().ints()
        #expect(g.areas == counts.dropFirst().sorted(by: >), "one node per label, largest first")
        // background: nil keeps label 0 as a mask of its own
        let all = try InstanceMaskFiles.readLabelImage(Self.dir.appendingPathComponent("labels.png").path, background: nil)
        #expect(try all.graph(image: try Self.image()).nodeCount == 4)
    }

    @Test func folderOfMaskPNGs() throws {
        let set = try InstanceMasks.files(directory: Self.dir.path).masks(image: try Self.image(), key: "folder")
        try Self.expectSameMasks(set, try Self.masks())
    }

    @Test func torchScriptMaskModelThroughLibtorch() throws {
        let model = try InstanceMaskModel(path: Self.dir.appendingPathComponent("masks_model.pt").path)
        let set = try InstanceMasks.model(model).masks(image: try Self.image())
        try Self.expectSameMasks(set, try Self.masks())
        try Self.expectReferenceGraph(try set.graph(image: try Self.image()))
        // The raw module returns its tuple (masks, scores) as two tensors.
        let out = try model.module.forward([try Self.image().to(.float32).unsqueeze(0) / 255.0])
        #expect(out.count == 2 && out[0].shape == [6, 40, 48] && out[1].shape == [6])
    }

    @Test func torchScriptClassScoresGiveLabels() throws {
        let model = try InstanceMaskModel(path: Self.dir.appendingPathComponent("classes_model.pt").path,
                                          output: .classScores)
        guard case .labels(let l) = try InstanceMasks.model(model).masks(image: try Self.image()) else {
            Issue.record("expected labels"); return
        }
        #expect(try l.equal(try Self.npy("classes.npy")))
        // The wrong output reading is one clear error, not a silent guess.
        let wrong = try InstanceMaskModel(path: Self.dir.appendingPathComponent("masks_model.pt").path,
                                          output: .classScores)
        #expect(throws: DatasetError.self) { try InstanceMasks.model(wrong).masks(image: try Self.image()) }
    }

    @Test func torchScriptErrorsAreCaught() throws {
        // Not a TorchScript archive: libtorch's exception becomes a Swift error.
        #expect(throws: TorchError.self) { try TorchScriptModule(path: Self.dir.appendingPathComponent("sam.json").path) }
        #expect(throws: TorchError.self) { try TorchScriptModule(path: "/nonexistent/model.pt") }
        // A wrong input shape raises inside forward: caught too.
        let m = try TorchScriptModule(path: Self.dir.appendingPathComponent("masks_model.pt").path)
        #expect(throws: TorchError.self) { try m.forward([try Tensor.zeros([1, 5, 8, 8])]) }
    }

    @Test func defaultIsFelzenszwalbWithDF4LCZsMinimumArea() throws {
        guard case .felzenszwalb(let f) = InstanceMasks.default else { Issue.record("default source"); return }
        #expect(f == (try Felzenszwalb(scale: 100, sigma: 0.5, minSize: 50)))
        let image = try Self.image()
        guard case .labels(let l) = try InstanceMasks.default.masks(image: image) else { Issue.record("labels"); return }
        #expect(try l.equal(try f.segment(image)))
        let g = try InstanceMasks.default.graph(image: image, label: 2)
        #expect(g.label == 2 && g.nodeCount >= 1 && g.areas.allSatisfy { $0 >= 50 })
    }

    /// On a real LEVIR tile the default source gives scikit-image's partition (its fixture, same parameters).
    @Test(.enabled(if: SharedData.shouldRun)) func defaultEqualsScikitImageOnARealTile() throws {
        let image = try FelzenszwalbTests.tile("test_102_0512_0000.png")
        guard case .labels(let l) = try InstanceMasks.default.masks(image: image) else { Issue.record("labels"); return }
        let expected = try NPY.read(SharedData.fixtures("StrataDataTests")
            .appendingPathComponent("felzenszwalb/test_102_0512_0000_s100_g0.5_m50.npy").path).to(.int64)
        let same = try l.eq(expected).to(.float64).mean().item()
        #expect(same >= 0.99, "label agreement with skimage \(same)")
    }

    @Test func missingOrMismatchedMasksSayWhat() throws {
        let source = InstanceMasks.files(directory: Self.dir.path)
        #expect(throws: DatasetError.self) { try source.masks(image: try Self.image(), key: "nope") }
        #expect(throws: DatasetError.self) { try source.masks(image: try Self.image()) }
        let small = try Tensor.zeros([3, 20, 20], .init(dtype: .uint8))
        #expect(throws: DatasetError.self) { try source.masks(image: small, key: "sam") }
    }
}

/// A small seeded generator (SplitMix64) for reproducible random test inputs.
private struct MaskFuzzRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
