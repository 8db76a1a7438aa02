import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

/// ViT-B/32 and RN50 at full depth against open_clip 3.3.0 (fixtures: scripts/fixtures/clip_full_depth.py).
///
/// Why not the full-size models: their weights are 600 MB (ViT-B/32) and 400 MB (RN50); tests cannot run Python
/// to make them and cannot commit them. What a port can get wrong does not depend on the channel count, so these
/// fixtures keep everything else of the real architectures — 12 ViT blocks with 12 heads on the 7×7 patch grid of a
/// 224-px input (50 positions), RN50's 16 bottlenecks with their anti-aliased strides and the 32-head attention
/// pool on its 7×7 grid, the 12-block, 8-head causal text tower over 77 tokens, QuickGELU — at reduced width
/// (head width 4). `CLIPModelTests` covers the reduced-depth layouts, other input sizes, GELU and float16.
@Suite struct CLIPFullDepthTests {
    static let parity = CLIPModelTests.parity
    static func path(_ name: String) -> String { CLIPModelTests.path(name) }
    static func outputs() throws -> [String: Tensor] { try SafeTensors.load(path("clip_fd_parity.safetensors")) }

    static let vitConfig = CLIPConfig(embedDim: 32, vision: .vit(imageSize: 224, patchSize: 32, width: 48, layers: 12,
                                                                 heads: 12),
                                      contextLength: 77, vocabSize: 1000, textWidth: 32, textHeads: 8, textLayers: 12)
    static let rnConfig = CLIPConfig(embedDim: 32, vision: .modifiedResNet(imageSize: 224, layers: [3, 4, 6, 3],
                                                                           width: 8, heads: 32),
                                     contextLength: 77, vocabSize: 1000, textWidth: 32, textHeads: 8, textLayers: 12)

    /// The same ViT-B/32-layout weights from safetensors, a torch.save state dict (.pth and .bin) and a
    /// TorchScript archive (OpenAI's `jit=True` format) give open_clip's image and text embeddings and logits.
    @Test(arguments: ["clip_fd_vit_b32.safetensors", "clip_fd_vit_b32.pth", "clip_fd_vit_b32.bin",
                      "clip_fd_vit_b32_jit.pt"])
    func vitB32FullDepthMatchesOpenCLIP(file: String) throws {
        let model = try CLIPWeights.load(Self.path(file), visionHeadWidth: 4, textHeadWidth: 4,
                                         expected: Self.vitConfig)
        try CLIPModelTests.checkOutputs(model, try Self.outputs(), "vit_b32")
    }

    /// RN50 at full depth from safetensors and from a SenCLIP-style Lightning checkpoint (`state_dict` with the
    /// CLIP model under `learner.encoder.model.` beside the projection head, queue and a second logit scale).
    @Test(arguments: ["clip_fd_rn50.safetensors", "clip_fd_rn50_senclip.ckpt"])
    func rn50FullDepthMatchesOpenCLIP(file: String) throws {
        let model = try CLIPWeights.load(Self.path(file), visionHeadWidth: 8, textHeadWidth: 4,
                                         expected: Self.rnConfig)
        try CLIPModelTests.checkOutputs(model, try Self.outputs(), "rn50")
    }

    /// The architecture comes from the weights: loading them as the real ViT-B/32 names what differs.
    @Test func inferredArchitectureIsChecked() throws {
        do {
            _ = try CLIPWeights.load(Self.path("clip_fd_vit_b32.safetensors"), visionHeadWidth: 4, textHeadWidth: 4,
                                     expected: .vitB32)
            Issue.record("reduced-width weights passed as ViT-B/32")
        } catch let e as ModelError {
            #expect(e.message.contains("expected") && e.message.contains("found"), "\(e.message)")
            #expect(e.message.contains("width 768") && e.message.contains("width 48"), "\(e.message)")
        }
    }
}
