import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataData

/// LEVIR-CD and DSIFN-CD pairs read from the real samples, and TinyCD's preprocessing against the exact tensors
/// the original code fed its model (`reference-outputs/tinycd/inputs`).
@Suite struct ChangeDatasetTests {
    @Test(.enabled(if: SharedData.shouldRun)) func levirSamplesReadAsPairs() throws {
        let ds = try LEVIRCD(root: SharedData.path("levir-cd-samples"))
        #expect(ds.count == 11)
        #expect(ds.unlabelled == ["test_113_0256"])   // the side-by-side figure has no label: not a pair
        #expect((0..<ds.count).map { ds.id(at: $0) }.contains("test_2_0000_0000"))
        var changed = 0
        for i in 0..<ds.count {
            let s = try ds.sample(at: i)
            #expect(s.imageA.shape == [3, 256, 256] && s.imageB.shape == [3, 256, 256])
            #expect(s.change.shape == [256, 256] && s.change.dtype == .int64)
            #expect(try s.change.max().itemInt() <= 1)
            #expect(try s.imageA.max().item() <= 255 && s.imageA.min().item() >= 0)
            changed += try s.change.sum().itemInt()
            if s.id == "train_386_0512_0768" { #expect(try s.change.sum().itemInt() == 0) }
        }
        // metrics.csv: 110,914 changed pixels over the 11 labels
        #expect(changed == 110_914)
        #expect(throws: DatasetError.self) { try ds.sample(at: 11) }
        // flat folders without split lists: only `all`
        #expect(throws: DatasetError.self) { try LEVIRCD(root: SharedData.path("levir-cd-samples"), split: .train) }
        #expect(throws: DatasetError.self) {
            try LEVIRCD(root: SharedData.path("levir-cd-samples"), split: .val, variant: .levirCDPlus)
        }
    }

    @Test(.enabled(if: SharedData.shouldRun)) func dsifnSamplesReadAsPairs() throws {
        let ds = try DSIFN(root: SharedData.path("dsifn-cd-samples"))
        #expect(ds.count == 10 && ds.unlabelled.isEmpty)
        var changed = 0
        for i in 0..<ds.count { changed += try ds.sample(at: i).change.sum().itemInt() }
        #expect(changed == 177_684)   // metrics.csv, dsifn rows
    }

    /// PNG → float/255 → ImageNet mean/std equals the original's input tensors bit for bit.
    @Test(.enabled(if: SharedData.shouldRun)) func preprocessingEqualsTheOriginalInputs() throws {
        let ds = try LEVIRCD(root: SharedData.path("levir-cd-samples"))
        for name in ["test_2_0000_0000", "test_77_0512_0256"] {
            let i = try #require((0..<ds.count).first { ds.id(at: $0) == name })
            let s = try ds.sample(at: i)
            for (image, date) in [(s.imageA, "A"), (s.imageB, "B")] {
                let ref = try NPY.read(SharedData.path("reference-outputs/tinycd/inputs/levir_\(name)_\(date).npy"))
                let ours = try ImageNetNormalization.apply(image)
                #expect(ours.dtype == .float32 && ours.shape == ref.shape)
                let diff = try (ours - ref).abs().max().item()
                #expect(diff == 0, "\(name) \(date): max |Δ| \(diff)")
            }
        }
    }

    @Test func missingOrInconsistentFoldersAreNamed() throws {
        let root = try SharedData.tempDir("change-ds")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: DatasetError.self) { try LEVIRCD(root: root.path) }
        for sub in ["A", "B", "label"] {
            let dir = root.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        // a label without its images
        try Data([0]).write(to: root.appendingPathComponent("label/x.png"))
        do {
            _ = try LEVIRCD(root: root.path)
            Issue.record("expected an error for a label without images")
        } catch let e as DatasetError {
            #expect(e.kind == .inconsistent && e.message.contains("x"))
        }
    }

    @Test func imageNetNormalizationChecksItsInput() throws {
        #expect(throws: TorchError.self) { try ImageNetNormalization.apply(Tensor.zeros([4, 8, 8])) }
        let white = try ImageNetNormalization.apply(Tensor.full([1, 3, 1, 1], 255))
        #expect(abs(try white.floats()[0] - (1 - 0.485) / 0.229) < 1e-6)
    }
}
