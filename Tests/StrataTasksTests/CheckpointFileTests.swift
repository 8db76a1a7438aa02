import Foundation
import StrataModels
import StrataTasks
import StrataTensor
import StrataTestSupport
import Testing

/// The one checkpoint loader tells a missing file, a file that is no checkpoint, a damaged checkpoint and plain
/// weights apart — each with its own message, never a silent fallback to another reader.
@Suite struct CheckpointFileTests {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func kindsAndFailuresAreToldApart() throws {
        let dir = try SharedData.tempDir("checkpoint-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        #expect(message { _ = try CheckpointFile.kind(of: path("none.ckpt")) }.contains("does not exist"))
        try "not a model".write(toFile: path("notes.ckpt"), atomically: true, encoding: .utf8)
        #expect(message { _ = try TrainedModel.load(path("notes.ckpt")) }.contains("is not a checkpoint"))
        try Data([0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x05, 0x00, 0x00]).write(to: URL(fileURLWithPath: path("w.pth")))
        #expect(message { _ = try CheckpointFile.load(path("w.pth")) }.contains("a PyTorch .pth file"))

        // A training checkpoint, a truncated copy, and one whose "strata" header is damaged.
        let model = try ModelRegistry.make(name: "small-cnn", inChannels: 2, numClasses: 3)
        let card = try ModelCard(architecture: "small-cnn", task: .classification, bands: ["B2", "B3"],
                                 classNames: ["a", "b", "c"])
        try Checkpoint(model: model, metadata: [ModelWeights.metadataKey: try card.jsonString(), "config": "task: x"])
            .save(to: path("good.ckpt"))
        #expect(try CheckpointFile.kind(of: path("good.ckpt")) == .trainingCheckpoint)
        let loaded = try TrainedModel.load(path("good.ckpt"))
        #expect(loaded.card == card && loaded.config == "task: x" && loaded.checkpoint != nil)
        _ = try loaded.module()

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("good.ckpt")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path("cut.ckpt")))
        #expect(message { _ = try TrainedModel.load(path("cut.ckpt")) }.contains("is a corrupt checkpoint"))

        try SafeTensors.save([("model.x", try Tensor.zeros([2]))], metadata: ["strata": "{not json"], to: path("bad.ckpt"))
        #expect(message { _ = try CheckpointFile.load(path("bad.ckpt")) }.contains("is a corrupt checkpoint"))

        // Plain weights are weights: a trained model, but not a training checkpoint.
        try ModelWeights.save(model, card: card, to: path("w.safetensors"))
        #expect(try CheckpointFile.kind(of: path("w.safetensors")) == .safetensorsWeights)
        #expect(try TrainedModel.load(path("w.safetensors")).checkpoint == nil)
        #expect(message { _ = try CheckpointFile.load(path("w.safetensors")) }.contains("plain safetensors weights"))
    }

    /// Evaluation needs no optimizer, and a model card says which task the registry must build for.
    @Test func registryBuildsFromTheCard() throws {
        let seg = try ModelCard(architecture: "unet-resnet18", task: .segmentation, bands: ["B2", "B3", "B4"],
                                classNames: ["water", "land"])
        #expect(try ModelRegistry.make(card: seg) is UNet)
        var wrong = seg
        wrong.architecture = "resnet18"
        #expect(message { _ = try ModelRegistry.make(card: wrong) }.contains("cannot serve a segmentation task"))
        var multi = seg
        multi.architecture = "small-cnn"
        multi.task = .multilabel
        #expect(try ModelRegistry.make(card: multi) is SmallCNN)
    }
}
