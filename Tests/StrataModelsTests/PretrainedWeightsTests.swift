import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

/// `PretrainedWeights` on files written by PyTorch in every layout users have (scripts/fixtures/weights.py): the
/// model computes what PyTorch's did, the prefix found is reported, partial loads and band adaptation happen only
/// when asked, and broken files fail with their cause.
@Suite struct PretrainedWeightsTests {
    static let dir = ModelFixtures.dir.appendingPathComponent("weights")
    static func fixture(_ name: String) -> String { dir.appendingPathComponent(name).path }
    static func expected() throws -> [String: Tensor] { try SafeTensors.load(fixture("tiny_expected.safetensors")) }

    /// The PyTorch reference model: SmallCNN, width 4, 3 bands, 2 classes (20 state entries).
    static func tiny(bands: Int = 3, classes: Int = 2) throws -> SmallCNN {
        Runtime.manualSeed(5)
        return try SmallCNN(inChannels: bands, numClasses: classes, width: 4)
    }

    /// Outputs are ~O(1) logits of a 3-layer float32 network; kernels may sum in another order than PyTorch's, so
    /// agreement is asked to 1e-4 of the output's largest magnitude (`make test-kernels` saw at most 7e-8; a wrong
    /// or skipped tensor moves them by ≥ 1e-2, `brokenVariantFailsTheTolerance`).
    static let parity = Parity("PretrainedWeights", rtol: 1e-4)

    static func expectClose(_ got: Tensor, _ want: Tensor, _ what: String) throws {
        #expect(parity.passes(try ModelFixtures.relativeDiff(got, want), what))
    }

    /// The tolerance catches a real loading mistake: the first convolution's kernels with their spatial axes
    /// swapped after loading `tiny.pth`.
    @Test func brokenVariantFailsTheTolerance() throws {
        let e = try Self.expected()
        let model = try Self.tiny()
        _ = try PretrainedWeights.load(Self.fixture("tiny.pth"), into: model)
        var sd = try model.stateDict()
        sd["features.0.weight"] = try #require(sd["features.0.weight"]).transpose(-1, -2).contiguous()
        try model.load(stateDict: sd)
        let rel = try ModelFixtures.relativeDiff(try Self.output(model, e["x3"]!), e["y3"]!)
        #expect(Self.parity.catches(rel, "tiny.pth with transposed features.0 kernel"))
    }

    static func output(_ model: Module, _ x: Tensor) throws -> Tensor {
        model.eval()
        return try Torch.noGrad { try model(x) }
    }

    /// Loads fixture `name` into `model`.
    @discardableResult
    static func load(_ name: String, _ model: Module,
                     _ options: WeightLoadOptions = .init()) throws -> WeightLoadReport {
        try PretrainedWeights.load(fixture(name), into: model, options: options)
    }

    /// The message of the error `body` throws ("" when it does not throw).
    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch let e as ModelError { return e.message } catch { return "\(error)" }
    }

    @Test(arguments: [
        ("tiny.pth", nil, false), ("tiny_lightning.ckpt", "state_dict.model.", true),
        ("tiny_ddp.pth", "module.", false), ("tiny_nested.pth", "model.", true),
        ("tiny_state_dict.pt", "state_dict.", false), ("tiny_script.pth", "net.", false),
        ("tiny_dictsubclass.pth", "state_dict.", false), ("tiny.safetensors", nil, false),
    ] as [(String, String?, Bool)])
    func everyLayoutLoadsAndComputesLikePyTorch(_ name: String, _ prefix: String?, _ hasTrainingState: Bool) throws {
        let e = try Self.expected()
        let model = try Self.tiny()
        let report = try PretrainedWeights.load(Self.fixture(name), into: model)
        #expect(report.loaded == 20 && report.modelTensors == 20)
        #expect(report.missing.isEmpty && report.unexpected.isEmpty && report.mismatched.isEmpty)
        #expect(report.strippedPrefix == prefix)
        #expect(report.targetPrefix == nil)
        #expect((report.ignored > 0) == hasTrainingState, "ignored \(report.ignored)")
        #expect(report.format == (name.hasSuffix(".safetensors") ? "safetensors" : "torch.save archive"))
        #expect(report.summary.contains("loaded 20 of 20 tensors; 0 missing, 0 unexpected"), "\(report.summary)")
        if let prefix { #expect(report.summary.contains("prefix '\(prefix)' stripped")) }
        try Self.expectClose(try Self.output(model, e["x3"]!), e["y3"]!, name)
    }

    /// The Lightning checkpoint's other entries (loss buffer, Adam moments, the callback's best score) are counted
    /// as ignored training state, never loaded or reported as unexpected.
    @Test func lightningTrainingStateIsIgnored() throws {
        let all = try WeightFile.read(Self.fixture("tiny_lightning.ckpt")).stateDict
        #expect(all.contains("state_dict.criterion.weight"))
        #expect(all.keys.contains { $0.hasPrefix("optimizer_states.0.state.") })
        let report = try PretrainedWeights.load(Self.fixture("tiny_lightning.ckpt"), into: try Self.tiny())
        #expect(report.ignored == all.count - 20)
        #expect(report.summary.contains("\(all.count - 20) other tensors of the file (training state) ignored"))
    }

    @Test func strataCheckpointAndModelWeightsLoad() throws {
        let dir = try SharedData.tempDir("weights-strata")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try Self.tiny()
        _ = try PretrainedWeights.load(Self.fixture("tiny.pth"), into: source)
        let opt = try Adam(source.parameters(), lr: 1e-3)
        let ckpt = dir.appendingPathComponent("last.ckpt").path
        try Checkpoint(model: source, optimizer: opt, epoch: 4).save(to: ckpt)
        let model = try Self.tiny()
        let report = try PretrainedWeights.load(ckpt, into: model)
        #expect(report.format == "Strata training checkpoint, epoch 4")
        #expect(report.loaded == 20 && report.strippedPrefix == nil && report.ignored == 0)
        let e = try Self.expected()
        try Self.expectClose(try Self.output(model, e["x3"]!), e["y3"]!, "Strata checkpoint")

        // Model weights with their card (the registry's small-cnn), read through the same entry point.
        Runtime.manualSeed(9)
        let card = try ModelCard(architecture: "small-cnn", task: .classification, bands: ["B02", "B03", "B04"],
                                 normalization: .none, inputSize: [16, 16], classNames: ["a", "b"])
        let full = try ModelRegistry.make(name: "small-cnn", inChannels: 3, numClasses: 2)
        let path = dir.appendingPathComponent("model.safetensors").path
        try ModelWeights.save(full, card: card, to: path)
        let into = try ModelRegistry.make(name: "small-cnn", inChannels: 3, numClasses: 2)
        let r2 = try PretrainedWeights.load(path, into: into)
        #expect(r2.format == "Strata model weights, small-cnn, 3 bands, 2 classes")
        #expect(try into.stateDict()["features.3.weight"]!.equal(full.stateDict()["features.3.weight"]!))
    }

    @Test func aGivenPrefixIsUsedAndAWrongOneNamed() throws {
        let model = try Self.tiny()
        let r = try PretrainedWeights.load(Self.fixture("tiny_ddp.pth"), into: model, options: .init(prefix: "module"))
        #expect(r.strippedPrefix == "module." && r.loaded == 20)
        let msg = Self.message { try Self.load("tiny_ddp.pth", model, .init(prefix: "model.")) }
        #expect(msg.contains("no tensor name starts with the prefix 'model.'"), "\(msg)")
        // "" strips nothing: DDP names then match nothing.
        let none = Self.message { try Self.load("tiny_ddp.pth", model, .init(prefix: "")) }
        #expect(none.contains("none of its 20 tensors fits this model"), "\(none)")
    }

    /// Missing and unexpected keys fail with a list and the option; with `allowPartial` the rest loads and the
    /// missing entry keeps its initialisation.
    @Test func missingAndUnexpectedKeysNeedAllowPartial() throws {
        let dir = try SharedData.tempDir("weights-partial")
        defer { try? FileManager.default.removeItem(at: dir) }
        var sd = try TorchPickle.load(Self.fixture("tiny.pth"))
        let fcBias = try #require(sd["fc.bias"])
        sd.remove("fc.bias")
        sd["aux.weight"] = try Tensor.randn([3, 3])
        let path = dir.appendingPathComponent("partial.pth").path
        try TorchPickle.save(sd, to: path)

        let model = try Self.tiny()
        let before = try model.stateDict()
        let msg = Self.message { _ = try PretrainedWeights.load(path, into: model) }
        #expect(msg.contains("1 missing: fc.bias"), "\(msg)")
        #expect(msg.contains("1 unexpected: aux.weight"), "\(msg)")
        #expect(msg.contains("19 of 20 model tensors would load"), "\(msg)")
        #expect(msg.contains("model.weights_partial: true"), "\(msg)")
        #expect(try model.stateDict()["features.0.weight"]!.equal(before["features.0.weight"]!),
                "a failed load changes nothing")

        let r = try PretrainedWeights.load(path, into: model, options: .init(allowPartial: true))
        #expect(r.loaded == 19 && r.missing == ["fc.bias"] && r.unexpected == ["aux.weight"])
        #expect(r.summary.contains("loaded 19 of 20 tensors; 1 missing, 1 unexpected"), "\(r.summary)")
        let after = try model.stateDict()
        #expect(try after["fc.bias"]!.equal(before["fc.bias"]!))
        #expect(try !after["fc.bias"]!.equal(fcBias))
        #expect(try after["features.0.weight"]!.equal(sd["features.0.weight"]!))
    }

    /// A classifier for another class count: its two tensors are of another shape, kept initialised with
    /// `allowPartial`, an error without.
    @Test func otherShapesNeedAllowPartial() throws {
        let model = try Self.tiny(classes: 3)
        let msg = Self.message { _ = try PretrainedWeights.load(Self.fixture("tiny_lightning.ckpt"), into: model) }
        #expect(msg.contains("2 of another shape: fc.weight: file [2, 16] vs model [3, 16], "
                             + "fc.bias: file [2] vs model [3]"), "\(msg)")
        #expect(msg.contains("prefix 'state_dict.model.' stripped"), "\(msg)")
        let r = try Self.load("tiny_lightning.ckpt", model, .init(allowPartial: true))
        #expect(r.loaded == 18 && r.mismatched.count == 2 && r.missing.isEmpty)
    }

    /// 3-band weights into a 4-band model: an error naming the shapes and the option, even with `allowPartial`;
    /// with `adaptFirstConv` the kernel is timm's `adapt_input_conv` and the model computes what PyTorch's did.
    @Test func firstConvIsAdaptedOnlyWhenAsked() throws {
        let e = try Self.expected()
        let model = try Self.tiny(bands: 4)
        for partial in [false, true] {
            let msg = Self.message { try Self.load("tiny_ddp.pth", model, .init(allowPartial: partial)) }
            #expect(msg.contains("first convolution features.0.weight was trained on 3 bands (weights [4, 3, 3, 3]) "
                                 + "but the model takes 4 ([4, 4, 3, 3])"), "\(msg)")
            #expect(msg.contains("model.adapt_first_conv: true"), "\(msg)")
        }
        let r = try Self.load("tiny_ddp.pth", model, .init(adaptFirstConv: true))
        #expect(r.adapted == ["features.0.weight: 3 → 4 bands (cycle)"])
        #expect(r.loaded == 20 && r.strippedPrefix == "module.")
        #expect(r.summary.contains("first convolution adapted: features.0.weight: 3 → 4 bands"), "\(r.summary)")
        try Self.expectClose(model.features[0].parameter("weight")!, e["conv4"]!, "adapted kernel")
        try Self.expectClose(try Self.output(model, e["x4"]!), e["y4"]!, "4-band output")

        let one = try Self.tiny(bands: 1)
        try PretrainedWeights.load(Self.fixture("tiny.safetensors"), into: one, options: .init(adaptFirstConv: true))
        try Self.expectClose(one.features[0].parameter("weight")!, e["conv1"]!, "1-band kernel")

        let same = try Self.load("tiny.pth", try Self.tiny(), .init(adaptFirstConv: true))
        #expect(same.adapted.isEmpty && same.adaptationUnneeded)
        #expect(same.summary.contains("nothing to adapt"))
    }

    /// Weights for a part of the model (a backbone) load into that part: `encoder.` is found, the rest is missing.
    @Test func weightsForAPartLoadIntoIt() throws {
        final class Wrapped: Module {
            let encoder: SmallCNN, head: Linear
            init(bands: Int) throws {
                encoder = try SmallCNN(inChannels: bands, numClasses: 2, width: 4)
                head = try Linear(2, 5)
                super.init()
                registerModule("encoder", encoder)
                registerModule("head", head)
            }
        }
        let model = try Wrapped(bands: 3)
        let msg = Self.message { _ = try PretrainedWeights.load(Self.fixture("tiny.pth"), into: model) }
        #expect(msg.contains("loading into 'encoder.'") && msg.contains("2 missing: head.weight, head.bias"), "\(msg)")
        let r = try Self.load("tiny_lightning.ckpt", model, .init(allowPartial: true))
        #expect(r.targetPrefix == "encoder." && r.strippedPrefix == "state_dict.model." && r.loaded == 20)
        let e = try Self.expected()
        try Self.expectClose(try Self.output(model.encoder, e["x3"]!), e["y3"]!, "encoder")
    }

    @Test func weightsOfAnotherArchitectureFailEvenWhenPartial() throws {
        // fc.weight and fc.bias share their names with ResNet's, with other shapes: nothing fits, even partially.
        let model = try ResNet(.resnet18, inChannels: 3, numClasses: 3)
        for partial in [false, true] {
            let msg = Self.message { try Self.load("tiny.pth", model, .init(allowPartial: partial)) }
            #expect(msg.contains("none of its 20 tensors fits this model"), "\(msg)")
            #expect(msg.contains("same name, another shape: fc.weight: file [2, 16] vs model [3, 512]"), "\(msg)")
            #expect(msg.contains("the file has features.0.weight"), "\(msg)")
            #expect(msg.contains("the model expects conv1.weight"), "\(msg)")
        }
        // With 2 classes fc.bias fits: a partial load takes it and says how little that is.
        let two = try ResNet(.resnet18, inChannels: 3, numClasses: 2)
        let msg = Self.message { _ = try PretrainedWeights.load(Self.fixture("tiny.pth"), into: two) }
        #expect(msg.contains("1 of 122 model tensors would load; 100 missing: conv1.weight"), "\(msg)")
        #expect(msg.contains("18 unexpected: features.0.weight"), "\(msg)")
        let r = try PretrainedWeights.load(Self.fixture("tiny.pth"), into: two, options: .init(allowPartial: true))
        #expect(r.summary.contains("loaded 1 of 122 tensors; 100 missing, 18 unexpected, 1 of another shape"),
                "\(r.summary)")
    }

    /// Broken files say what they are and that they are broken; files of other kinds say what is read instead.
    @Test func brokenAndForeignFilesAreTold() throws {
        let dir = try SharedData.tempDir("weights-broken")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let p = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            return p
        }
        let pth = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture("tiny_lightning.ckpt"))))
        let st = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture("tiny.safetensors"))))
        let model = try Self.tiny()
        let before = try model.stateDict()["fc.weight"]!.clone()
        let cases: [(String, [UInt8], [String])] = [
            ("truncated.ckpt", Array(pth.prefix(pth.count / 2)),
             ["is a torch.save archive (a zip) but cannot be read", "truncated or corrupt (download it again)"]),
            ("truncated.safetensors", Array(st.prefix(st.count - 100)),
             ["starts like a safetensors file but cannot be read, so it is truncated or corrupt"]),
            ("notes.pth", Array("these are not weights\n".utf8), ["is not a weights file Strata reads"]),
            ("empty.pth", [], ["is empty (0 bytes)"]),
            ("legacy.pth", [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20], ["legacy torch.save file"]),
            ("keras.h5", [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], ["HDF5 (Keras) weights file"]),
        ]
        for (name, bytes, wants) in cases {
            let path = try write(name, bytes)
            let msg = Self.message { _ = try PretrainedWeights.load(path, into: model) }
            for want in wants { #expect(msg.contains(want), "\(name): \(msg)") }
            #expect(msg.contains(path), "\(name): the message names the file")
        }
        // The kind comes from the bytes, not the name: safetensors called .pth loads.
        let renamed = try write("renamed.pth", st)
        #expect(try PretrainedWeights.load(renamed, into: try Self.tiny()).format == "safetensors")
        let nope = dir.appendingPathComponent("nope.pth").path
        let missing = Self.message { _ = try PretrainedWeights.load(nope, into: model) }
        #expect(missing.contains("no weights file at"), "\(missing)")
        let folder = Self.message { _ = try PretrainedWeights.load(dir.path, into: model) }
        #expect(folder.contains("is a folder"), "\(folder)")
        #expect(try model.stateDict()["fc.weight"]!.equal(before))
    }
}
