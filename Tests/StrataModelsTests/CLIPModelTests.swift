import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

/// CLIP towers against open_clip 3.3.0 (fixtures: scripts/fixtures/clip_models.py — reduced-width ViT-B/32 and
/// RN50 layouts with perturbed, well-conditioned random weights, and a tiny model in every file kind).
///
@Suite struct CLIPModelTests {
    /// Tolerance relative to the reference output's largest magnitude. Both sides run float32 libtorch 2.15, but
    /// with different operator sequences (PyTorch's fused attention fast path vs. scaled_dot_product_attention, the
    /// attention pool's single query, other matmul shapes) and other kernels: `make test-kernels` saw at most 3.6e-5
    /// (RN50 logits, ATEN_CPU_CAPABILITY=default), ~1e-6 elsewhere; a wiring or layout error (QuickGELU for GELU,
    /// a transposed projection) moves them by ≥ 1e-2 (`brokenVariantFailsTheTolerance`).
    static let parity = Parity("CLIP", rtol: 1e-4)

    static let dir = SharedData.fixtures("StrataModelsTests")
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    static func outputs() throws -> [String: Tensor] { try SafeTensors.load(path("clip_parity.safetensors")) }

    static func expectClose(_ got: Tensor, _ want: Tensor, _ what: String) throws {
        #expect(got.shape == want.shape, "\(what): shape \(got.shape) vs \(want.shape)")
        guard got.shape == want.shape else { return }
        let scale = try ModelFixtures.maxAbs(want)
        #expect(scale > 0.1, "\(what): reference output too small to compare (\(scale))")
        #expect(parity.passes(try ModelFixtures.relativeDiff(got, want), what))
    }

    /// Image, text and logits of one model against open_clip's.
    static func checkOutputs(_ model: CLIPModel, _ p: [String: Tensor], _ m: String, outputs: String? = nil)
        throws
    {
        let o = outputs ?? m
        try Torch.noGrad {
            let images = p["\(m).images"]!, tokens = p["\(m).tokens"]!
            try expectClose(model.encodeImage(images), p["\(o).image_features"]!, "\(o) image features")
            try expectClose(model.encodeText(tokens), p["\(o).text_features"]!, "\(o) text features")
            try expectClose(model.logits(images: images, tokens: tokens), p["\(o).logits_per_image"]!, "\(o) logits")
        }
    }

    @Test func vitB32LayoutMatchesOpenCLIP() throws {
        let model = try CLIPWeights.load(Self.path("clip_vit_b32.safetensors"), visionHeadWidth: 32,
                                         textHeadWidth: 32)
        #expect(model.config == CLIPConfig(embedDim: 32, vision: .vit(imageSize: 96, patchSize: 32, width: 64,
                                           layers: 2, heads: 2), contextLength: 77, vocabSize: 1000, textWidth: 64,
                                           textHeads: 2, textLayers: 2, activation: .quickGELU))
        // Names: exactly open_clip's state dict.
        let file = try SafeTensors.read(Self.path("clip_vit_b32.safetensors"))
        #expect(Set(try model.stateDict().keys) == Set(file.names))
        try Self.checkOutputs(model, try Self.outputs(), "vit_b32")
    }

    @Test func rn50LayoutMatchesOpenCLIP() throws {
        let model = try CLIPWeights.load(Self.path("clip_rn50.safetensors"), activation: .gelu)
        #expect(model.config == CLIPConfig(embedDim: 32, vision: .modifiedResNet(imageSize: 96, layers: [3, 4, 6, 3],
                                           width: 8, heads: 4), contextLength: 77, vocabSize: 1000, textWidth: 64,
                                           textHeads: 1, textLayers: 2, activation: .gelu))
        let file = try SafeTensors.read(Self.path("clip_rn50.safetensors"))
        #expect(Set(try model.stateDict().keys) == Set(file.names))
        try Self.checkOutputs(model, try Self.outputs(), "rn50")
    }

    /// The tolerance catches real porting mistakes: RN50's GELU model run with QuickGELU (the wrong activation is
    /// a different model), and the ViT's first attention output projection transposed in the state dict.
    @Test func brokenVariantFailsTheTolerance() throws {
        let p = try Self.outputs()
        let quick = try CLIPWeights.load(Self.path("clip_rn50.safetensors"))
        let text = try Torch.noGrad { try quick.encodeText(p["rn50.tokens"]!) }
        #expect(Self.parity.catches(try ModelFixtures.relativeDiff(text, p["rn50.text_features"]!),
                                    "rn50 text features with QuickGELU instead of GELU"))
        var sd = try CLIPWeights.stateDict(from: Self.path("clip_vit_b32.safetensors"))
        let key = "visual.transformer.resblocks.0.attn.out_proj.weight"
        sd[key] = try #require(sd[key]).transpose(0, 1).contiguous()
        let vit = try CLIPWeights.model(from: sd, visionHeadWidth: 32, textHeadWidth: 32)
        let image = try Torch.noGrad { try vit.encodeImage(p["vit_b32.images"]!) }
        #expect(Self.parity.catches(try ModelFixtures.relativeDiff(image, p["vit_b32.image_features"]!),
                                    "vit_b32 image features with transposed \(key)"))
    }

    /// Other input sizes (larger, rectangular, smaller) against open_clip's resize_pos_embed.
    @Test func vitPositionalEmbeddingInterpolates() throws {
        let model = try CLIPWeights.load(Self.path("clip_vit_b32.safetensors"), visionHeadWidth: 32,
                                         textHeadWidth: 32)
        let p = try Self.outputs()
        for size in ["160x160", "96x160", "64x64"] {
            let x = p["vit_b32.images_\(size)"]!
            try Torch.noGrad {
                try Self.expectClose(model.encodeImage(x), p["vit_b32.image_features_\(size)"]!, "ViT at \(size)")
            }
        }
        #expect(throws: ModelError.self) { try model.encodeImage(Tensor.randn([1, 3, 100, 96])) }
    }

    /// The ResNet's attention-pool embedding is resized for other multiples of 32 (an extension over open_clip,
    /// which has no reference here): the output keeps its shape and scale; other sizes fail clearly.
    @Test func resnetRunsAtOtherSizes() throws {
        let model = try CLIPWeights.load(Self.path("clip_rn50.safetensors"), activation: .gelu)
        let p = try Self.outputs()
        try Torch.noGrad {
            Runtime.manualSeed(5)
            let x = try Tensor.randn([2, 3, 128, 160])    // the statistics the BatchNorms were calibrated on
            let f = try model.encodeImage(x)
            #expect(f.shape == [2, 32])
            let ratio = try ModelFixtures.maxAbs(f) / ModelFixtures.maxAbs(p["rn50.image_features"]!)
            #expect(ratio > 0.2 && ratio < 5, "features at 128×160 are \(ratio)× those at 96×96")
            #expect(throws: ModelError.self) { try model.encodeImage(Tensor.randn([1, 3, 100, 96])) }
            #expect(throws: ModelError.self) { try model.encodeImage(Tensor.randn([1, 4, 96, 96])) }
        }
    }

    /// The same weights from safetensors, .pth, .bin, a DDP `module.` .pt and a Lightning .ckpt under `model.`
    /// (beside other tensors) give open_clip's outputs; float16 weights load into the float32 model.
    @Test func everyFileKindLoadsTheSameWeights() throws {
        let p = try Self.outputs()
        for file in ["clip_tiny.safetensors", "clip_tiny.pth", "clip_tiny.bin", "clip_tiny_module.pt",
                     "clip_tiny_lightning.ckpt"] {
            let model = try CLIPWeights.load(Self.path(file), visionHeadWidth: 32, textHeadWidth: 32)
            try Self.checkOutputs(model, p, "tiny")
        }
        let half = try CLIPWeights.load(Self.path("clip_tiny_half.pth"), visionHeadWidth: 32, textHeadWidth: 32)
        #expect(half.logitScale.dtype == .float32)
        try Self.checkOutputs(half, p, "tiny", outputs: "tiny_half")
    }

    /// A TorchScript archive (`torch.jit.trace` + `torch.jit.save` of the open_clip model) reads as the same
    /// weights; a file that is no weights archive fails clearly.
    @Test func torchScriptArchivesLoad() throws {
        let model = try CLIPWeights.load(Self.path("clip_tiny_jit.pt"), visionHeadWidth: 32, textHeadWidth: 32)
        try Self.checkOutputs(model, try Self.outputs(), "tiny")
        do {
            _ = try CLIPWeights.load(Self.path("clip_tokenizer.json"))
            Issue.record("a JSON file was accepted as weights")
        } catch let e as ModelError {
            #expect(e.message.contains("not a weights file"), "\(e.message)")
        }
    }

    @Test func architectureMismatchesNameExpectedAndFound() throws {
        let path = Self.path("clip_vit_b32.safetensors")
        do {
            _ = try CLIPWeights.load(path, visionHeadWidth: 32, textHeadWidth: 32, expected: .vitB32)
            Issue.record("a reduced model passed as ViT-B/32")
        } catch let e as ModelError {
            #expect(e.message.contains("expected") && e.message.contains("width 768")
                && e.message.contains("width 64"), "\(e.message)")
        }
        // Heads that do not divide the width.
        #expect(throws: ModelError.self) { try CLIPWeights.load(path, visionHeadWidth: 48) }
        // A missing tensor is named.
        var sd = try CLIPWeights.stateDict(from: path)
        sd.remove("visual.ln_post.weight")
        do {
            _ = try CLIPWeights.model(from: sd, visionHeadWidth: 32, textHeadWidth: 32)
            Issue.record("a state dict without visual.ln_post.weight loaded")
        } catch let e as ModelError {
            #expect(e.message.contains("visual.ln_post.weight"), "\(e.message)")
        }
        // A state dict that is not CLIP's.
        #expect(throws: ModelError.self) {
            try CLIPWeights.clipEntries(StateDict([("conv1.weight", try Tensor.zeros([2, 3, 3, 3]))]))
        }
        // Several CLIP models in one checkpoint need a prefix.
        let one = try CLIPWeights.stateDict(from: Self.path("clip_tiny.safetensors"))
        var two = one.prefixed("student")
        two.merge(one.prefixed("teacher"))
        #expect(throws: ModelError.self) { try CLIPWeights.clipEntries(two) }
        #expect(try CLIPWeights.clipEntries(two, prefix: "teacher").count == one.count)
    }

    /// Shorter token rows (context < 77) give the same features: the mask is causal and positions are sliced.
    @Test func shorterContextGivesTheSameTextFeatures() throws {
        let model = try CLIPWeights.load(Self.path("clip_vit_b32.safetensors"), visionHeadWidth: 32,
                                         textHeadWidth: 32)
        let p = try Self.outputs()
        let rows = try p["vit_b32.tokens"]!.narrow(dim: 0, start: 0, length: 2)   // lengths 5 and 20
        try Torch.noGrad {
            let full = try model.encodeText(rows)
            let short = try model.encodeText(rows.narrow(dim: 1, start: 0, length: 24))
            #expect(try ModelFixtures.maxAbsDiff(full, short) <= 1e-5 * ModelFixtures.maxAbs(full))
            #expect(throws: ModelError.self) { try model.encodeText(Tensor.zeros([1, 78], .init(dtype: .int64))) }
        }
    }

    /// A model built from a preset has OpenAI's parameter shapes (ViT-B/32: 151 M parameters).
    @Test func presetsHaveOpenAIShapes() throws {
        // One model alive at a time (each holds 0.4–0.6 GB).
        do {
            let vit = try CLIPModel(.vitB32)
            #expect(vit.parameterCount() == 151_277_313)
            let sd = try vit.stateDict()
            #expect(sd["visual.positional_embedding"]!.shape == [50, 768])
            #expect(sd["visual.proj"]!.shape == [768, 512])
            #expect(try CLIPConfig.infer(from: sd) == .vitB32)
        }
        // Counts from open_clip 3.3.0's create_model('<name>-quickgelu').
        do { #expect(try CLIPModel(.vitB16).parameterCount() == 149_620_737) }
        do {
            let rn = try CLIPModel(.rn50).eval()
            #expect(rn.parameterCount() == 102_007_137)
            #expect(try CLIPConfig.infer(from: rn.stateDict()) == .rn50)
            let f = try Torch.noGrad { try rn.encodeImage(Tensor.randn([1, 3, 224, 224])) }
            #expect(f.shape == [1, 1024])
        }
    }
}
