import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

@Suite struct RegistryTests {
    @Test func namesAndKinds() {
        #expect(ModelRegistry.names == ["small-cnn", "resnet18", "resnet34", "resnet50", "resnet11-3d",
                                        "df4lcz-fusion", "so2sat-resnet20", "unet-resnet18", "unet-resnet34", "unet-resnet50",
                                        "fc-ef", "fc-siam-conc", "fc-siam-diff", "tinycd",
                                        "fpn-efficientnet-b0", "fpn-efficientnet-b4", "clearscd", "senclip",
                                        "ltae-resnet18", "unet-ltae-resnet18"])
        #expect(ModelRegistry.entries.filter { $0.task == .change }.map(\.name)
                == ["fc-ef", "fc-siam-conc", "fc-siam-diff", "tinycd"])
        #expect(ModelRegistry.entries.filter { $0.task == .segmentation }.map(\.name).allSatisfy { $0.hasPrefix("unet-") || $0.hasPrefix("fpn-") })
    }

    /// Every registered model builds and maps a small input to the right output shape (embedding models need
    /// their architecture from a card: `senclipBuildsFromItsCard`).
    @Test func everyModelBuildsAndRuns() throws {
        for name in ModelRegistry.entries.filter({ ![.change, .semanticChange, .embedding].contains($0.task) }).map(\.name) {
            let model = try ModelRegistry.make(name: name, inChannels: 5, numClasses: 3)
            model.eval()
            let out = try Torch.noGrad { () -> Tensor in
                let chips = try Tensor.randn([1, 5, 32, 32])
                // Two-input models (chips + segment graphs): one 2-node graph for the chip.
                guard let m = model as? GraphInputModel else { return try model(chips) }
                return try m.outputs(chips: chips, x: Tensor.rand([2, 5]), adjacency: Tensor([0, 1, 1, 0] as [Float], shape: [2, 2]),
                                     graphIndex: Tensor([0, 0] as [Int])).prediction
            }
            let expected = try ModelRegistry.entry(name).task == .segmentation ? [1, 3, 32, 32] : [1, 3]
            #expect(out.shape == expected, "\(name)")
        }
        #expect(try ModelRegistry.make(name: "ResNet18", inChannels: 3, numClasses: 2) is ResNet)
    }

    /// Change models: the card lists one date's bands; the input stacks both dates (`[N, 2C, H, W]`); two class
    /// names give one logit, three give three.
    @Test func changeModelsBuildFromOneDatesBands() throws {
        for name in ["fc-ef", "fc-siam-conc", "fc-siam-diff", "tinycd"] {
            let bands = name == "tinycd" ? ["red", "green", "blue"] : ["B2", "B3", "B4", "B8"]
            let card = try ModelCard(architecture: name, task: .change, bands: bands,
                                     classNames: ["no change", "change"], extra: ["encoder": "resnet18"])
            let model = try ModelRegistry.make(card: card)
            #expect(model is any ChangeModel, "\(name)")
            model.eval()
            let out = try Torch.noGrad { try model(Tensor.randn([2, 2 * bands.count, 32, 32])) }
            #expect(out.shape == [2, 1, 32, 32], "\(name)")
            #expect(throws: ModelError.self) { try model(Tensor.randn([2, bands.count, 32, 32])) }
        }
        let three = try ModelCard(architecture: "fc-siam-diff", task: .change, bands: ["a", "b"],
                                  classNames: ["none", "new", "gone"], extra: ["encoder": "resnet18"])
        let m3 = try ModelRegistry.make(card: three)
        m3.eval()
        #expect(try Torch.noGrad { try m3(Tensor.randn([1, 4, 32, 32])) }.shape == [1, 3, 32, 32])
        let tiny4 = try ModelCard(architecture: "tinycd", task: .change, bands: ["a", "b", "c", "d"],
                                  classNames: ["no change", "change"])
        #expect(throws: ModelError.self) { try ModelRegistry.make(card: tiny4) }
        let badEncoder = try ModelCard(architecture: "fc-ef", task: .change, bands: ["a"],
                                       classNames: ["no change", "change"], extra: ["encoder": "vgg16"])
        #expect(throws: ModelError.self) { try ModelRegistry.make(card: badEncoder) }
    }

    /// A SenCLIP card records the image tower and the training settings; a card without them names what is missing.
    @Test func senclipBuildsFromItsCard() throws {
        let vision = CLIPConfig.Vision.vit(imageSize: 32, patchSize: 16, width: 64, layers: 1, heads: 1)
        let extra = SenCLIPModel.cardExtra(vision: vision, embedDim: 16, activation: .quickGELU,
                                           options: SenCLIPOptions(pooling: .attpool, queueSize: 8))
        let card = try ModelCard(architecture: "senclip", task: .embedding, bands: ["B4", "B3", "B2"],
                                 inputSize: [32, 32], classNames: [], extra: extra)
        let model = try #require(try ModelRegistry.make(card: card) as? SenCLIPModel)
        #expect(model.vision == vision && model.options.pooling == .attpool && model.queue.shape == [16, 8])
        #expect(try CLIPConfig.Vision(spec: CLIPConfig.Vision.modifiedResNet(imageSize: 224, layers: [3, 4, 6, 3],
                                                                             width: 64, heads: 32).spec)
                == .modifiedResNet(imageSize: 224, layers: [3, 4, 6, 3], width: 64, heads: 32))
        let out = try Torch.noGrad { try model.eval()(Tensor.randn([2, 3, 32, 32])) }
        #expect(out.shape == [2, 16])
        var bare = card
        bare.extra = [:]
        #expect(throws: ModelError.self) { try ModelRegistry.make(card: bare) }
        #expect(throws: ModelError.self) { try ModelRegistry.make(name: "senclip", inChannels: 3, numClasses: 1) }
    }

    @Test func unknownNameListsTheKnownOnes() throws {
        do {
            _ = try ModelRegistry.make(name: "resnet101", inChannels: 3, numClasses: 2)
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.message.contains("unknown model 'resnet101'"))
            for n in ModelRegistry.names { #expect(e.message.contains(n)) }
        }
        #expect(throws: ModelError.self) { try ModelRegistry.make(name: "resnet18", inChannels: 0, numClasses: 2) }
    }
}

@Suite struct ModelCardTests {
    static func card(bands: [String] = ["B2", "B3", "B4"]) throws -> ModelCard {
        try ModelCard(architecture: "small-cnn", task: .classification, bands: bands,
                      normalization: .meanStd(mean: [0.1, 0.2, 0.3], std: [0.5, 0.5, 0.25]), inputSize: [64, 64],
                      classNames: ["water", "forest"], extra: ["dataset": "unit test"])
    }

    @Test func jsonRoundTripAndFormat() throws {
        let c = try Self.card()
        let json = try c.jsonString()
        #expect(json.contains("\"format\":\"strata-model-card/1\""))
        #expect(json.contains("\"normalization\":{\"kind\":\"mean-std\",\"mean\":[0.1,0.2,0.3],\"std\":[0.5,0.5,0.25]}"))
        #expect(json.contains("\"class_names\":[\"water\",\"forest\"]") && json.contains("\"in_channels\":3"))
        #expect(try ModelCard(json: json) == c)
        let aff = try c.normalization.affine(bands: 3)
        #expect(aff.scale == [2, 2, 4] && aff.offset == [-0.2, -0.4, -1.2])
        for n in [Normalization.none, .scale(1e-4), .minMax(min: [0, 0, 0], max: [1, 2, 4])] {
            var c2 = c
            c2.normalization = n
            #expect(try ModelCard(json: c2.jsonString()) == c2)
        }
    }

    @Test func invalidCardsAreClearErrors() throws {
        #expect(throws: ModelError.self) {
            try ModelCard(architecture: "small-cnn", task: .classification, bands: ["B2", "B3"],
                          normalization: .meanStd(mean: [0, 0, 0], std: [1, 1, 1]), classNames: ["a"])
        }
        #expect(throws: ModelError.self) {
            try ModelCard(architecture: "small-cnn", task: .classification, bands: ["B2", "B02"], classNames: ["a"])
        }
        let bad = try Self.card().jsonString().replacingOccurrences(of: "mean-std", with: "zscore")
        do {
            _ = try ModelCard(json: bad)
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.message.contains("zscore") && e.message.contains("mean-std"))
        }
    }

    @Test func bandChecks() throws {
        let c = try Self.card()
        try c.checkBands(["b02", "B03", "B4"])  // same bands, other spelling
        #expect(try c.bandIndices(in: ["B1", "B2", "B3", "B4", "B8"]) == [1, 2, 3])
        do {
            try c.checkBands(["B4", "B3", "B2"])
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.message.contains("different order"))
        }
        do {
            try c.checkBands(["B2", "B3", "B8"])
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.message.contains("missing from the data: B4") && e.message.contains("not used by the model: B8"))
        }
        #expect(throws: ModelError.self) { try c.bandIndices(in: ["B2", "B3"]) }
    }

    /// Weights + card in one safetensors file; loading rebuilds the model, and mismatching bands are an error.
    @Test func weightsWithCardRoundTrip() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors").path
        let model = try SmallCNN(inChannels: 3, numClasses: 2)
        let card = try Self.card()
        try ModelWeights.save(model, card: card, to: path)

        let raw = try SafeTensors.read(path)
        #expect(raw.metadata["format"] == "pt")
        #expect(try ModelCard(json: raw.metadata[ModelWeights.metadataKey]!) == card)
        #expect(raw.names == (try model.stateDict().keys))

        let (loaded, loadedCard) = try ModelWeights.loadModel(path, dataBands: ["B2", "B3", "B4"])
        #expect(loadedCard == card)
        #expect(loaded is SmallCNN && !loaded.isTraining)
        let x = try Tensor.randn([2, 3, 16, 16])
        model.eval()
        #expect(try ModelFixtures.maxAbsDiff(Torch.noGrad { try loaded(x) }, Torch.noGrad { try model(x) }) == 0)

        do {
            _ = try ModelWeights.loadModel(path, dataBands: ["B2", "B3", "B8A"])
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.message.contains("band mismatch") && e.message.contains("B4") && e.message.contains("B8A"))
        }

        // A card that does not describe the model is refused at save time.
        let wrong = try ModelCard(architecture: "small-cnn", task: .classification, bands: ["B2", "B3", "B4"],
                                  classNames: ["a", "b", "c"])
        #expect(throws: ModelError.self) { try ModelWeights.save(model, card: wrong, to: path) }
    }

    /// Weights without an embedded card (e.g. written from Python) use a sidecar `<name>.card.json`.
    @Test func sidecarCard() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("export.safetensors").path
        let model = try SmallCNN(inChannels: 3, numClasses: 2)
        try SafeTensors.save(try model.stateDict().entries.map { ($0.key, $0.value) }, to: path)
        do {
            _ = try ModelWeights.read(path)
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.message.contains("no model card") && e.message.contains("export.card.json"))
        }
        try Self.card().write(to: ModelWeights.sidecarURL(for: path))
        #expect(ModelWeights.sidecarURL(for: path).lastPathComponent == "export.card.json")
        let (loaded, card) = try ModelWeights.loadModel(path)
        #expect(card == (try Self.card()) && loaded is SmallCNN)
    }
}
