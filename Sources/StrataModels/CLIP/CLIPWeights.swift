import Foundation
import StrataTensor

/// Reads CLIP weights and builds the model they describe.
///
/// Files are read by `WeightFile.read` (the one weight-file reader, which tells the kind by its first bytes):
/// safetensors (`.safetensors`), `torch.save` zip archives (`.pth`, `.pt`, `.bin`, `.ckpt`) holding a state
/// dict, possibly nested — a Lightning checkpoint's `state_dict`, a wrapper's `model.`/`module.` prefix (SenCLIP's
/// `.ckpt`, DDP) — and TorchScript archives (`torch.jit.save`, e.g. OpenAI's `clip.load(..., jit=True)` files),
/// whose modules' attributes carry the same names. All are read by StrataTensor's own pickle reader (no code
/// runs). The CLIP weights are found by their `token_embedding.weight` key, wherever they are nested. OpenAI's
/// extra entries `input_resolution`, `context_length` and `vocab_size` and the causal-mask buffer are dropped.
/// Half-precision weights are converted to the model's float32. Legacy (pre-1.6, non-zip) `torch.save` files are
/// not read.
public enum CLIPWeights {
    /// Keys OpenAI's checkpoints carry beside the weights.
    static let openAIExtras: Set<String> = ["input_resolution", "context_length", "vocab_size"]

    /// The CLIP state dict in the file at `path`, with names relative to the CLIP model. `prefix` selects which
    /// nested model to take when a checkpoint holds several (e.g. `"model."`); by default the only one.
    public static func stateDict(from path: String, prefix: String? = nil) throws -> StateDict {
        // The one weight-file reader (recognises the kind by its first bytes, names the fix on failure).
        let file = try WeightFile.read(path)
        return try clipEntries(file.stateDict, prefix: prefix, source: path)
    }

    /// The entries of the one CLIP model in `sd` (names relative to it), found by `token_embedding.weight`.
    public static func clipEntries(_ sd: StateDict, prefix: String? = nil, source: String = "state dict") throws
        -> StateDict
    {
        let marker = "token_embedding.weight"
        let prefixes = sd.keys.filter { $0.hasSuffix(marker) }.map { String($0.dropLast(marker.count)) }
            .filter { p in sd.contains(p + "text_projection") }
        let chosen: String
        if let prefix {
            let p = prefix.isEmpty || prefix.hasSuffix(".") ? prefix : prefix + "."
            guard prefixes.contains(p) else {
                throw ModelError("CLIP weights in \(source): no CLIP model under prefix '\(p)'; found "
                    + (prefixes.isEmpty ? "none" : prefixes.map { "'\($0)'" }.joined(separator: ", ")))
            }
            chosen = p
        } else {
            guard !prefixes.isEmpty else {
                throw ModelError("CLIP weights in \(source): no CLIP text tower (no '…token_embedding.weight' with "
                    + "'…text_projection'); found \(sd.count) keys, e.g. \(sd.keys.prefix(5).joined(separator: ", "))")
            }
            guard prefixes.count == 1 else {
                throw ModelError("CLIP weights in \(source): \(prefixes.count) CLIP models (prefixes "
                    + prefixes.map { "'\($0)'" }.joined(separator: ", ") + "); pass prefix: to choose one")
            }
            chosen = prefixes[0]
        }
        var out = chosen.isEmpty ? sd : sd.scoped(String(chosen.dropLast()))
        for k in openAIExtras { out.remove(k) }
        // A wrapper may store other modules under the same prefix (SenCLIP's projection head, queue, …): keep the
        // CLIP model's own names only.
        return StateDict(out.entries.filter { e in Self.isCLIPKey(e.key) }.map { ($0.key, $0.value) })
    }

    static func isCLIPKey(_ key: String) -> Bool {
        let roots = ["visual.", "transformer.", "token_embedding.", "ln_final."]
        let leaves: Set<String> = ["positional_embedding", "text_projection", "logit_scale", "attn_mask"]
        return leaves.contains(key) || roots.contains { key.hasPrefix($0) }
    }

    /// Builds the model the weights describe (`CLIPConfig.infer`), loads them strictly and returns it in
    /// evaluation mode. With `expected`, the inferred architecture must equal it, else the error names both.
    /// `activation` is QuickGELU for OpenAI-trained weights (SenCLIP, RemoteCLIP, OpenAI's own) and GELU for
    /// models trained with open_clip's non-`quickgelu` configs: a state dict cannot tell, nor can it tell the
    /// attention head width (64 for OpenAI's models and most of open_clip's).
    public static func load(_ path: String, prefix: String? = nil, activation: CLIPActivation = .quickGELU,
                            visionHeadWidth: Int = CLIPConfig.defaultHeadWidth,
                            textHeadWidth: Int = CLIPConfig.defaultHeadWidth,
                            expected: CLIPConfig? = nil) throws -> CLIPModel {
        try model(from: stateDict(from: path, prefix: prefix), activation: activation,
                  visionHeadWidth: visionHeadWidth, textHeadWidth: textHeadWidth, expected: expected, source: path)
    }

    /// `load` for a state dict already in memory (names relative to the CLIP model).
    public static func model(from sd: StateDict, activation: CLIPActivation = .quickGELU,
                             visionHeadWidth: Int = CLIPConfig.defaultHeadWidth,
                             textHeadWidth: Int = CLIPConfig.defaultHeadWidth,
                             expected: CLIPConfig? = nil, source: String = "state dict") throws -> CLIPModel {
        var sd = sd
        sd.remove("attn_mask")
        let config = try CLIPConfig.infer(from: sd, activation: activation, visionHeadWidth: visionHeadWidth,
                                          textHeadWidth: textHeadWidth)
        if let expected, expected != config {
            throw ModelError("CLIP weights in \(source) do not match the expected architecture:\n  expected "
                + "\(expected)\n  found    \(config)")
        }
        let model = try CLIPModel(config)
        do { try model.load(stateDict: sd) } catch let e as StateDictError {
            throw ModelError("CLIP weights in \(source) do not fit the architecture they imply (\(config)):\n\(e)")
        }
        model.eval()
        return model
    }
}
