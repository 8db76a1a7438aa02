import Foundation
import StrataTensor

/// Weights and their `ModelCard` in one safetensors file: the state dict under PyTorch's names (so
/// `safetensors.torch.load_file` + `model.load_state_dict` work in Python) and the card as JSON in the header's
/// `__metadata__` under `"strata.model_card"` (next to `"format": "pt"`). A file without an embedded card is
/// read with the card from a sidecar `<name>.card.json` beside it (`sidecarURL(for:)`), e.g. for weights
/// exported from Python.
///
/// ```swift
/// try ModelWeights.save(model, card: card, to: "eurosat.safetensors")
/// let (model, card) = try ModelWeights.loadModel("eurosat.safetensors", dataBands: raster.bandNames)
/// ```
public enum ModelWeights {
    public static let metadataKey = "strata.model_card"

    /// Where a sidecar card for `weightsPath` lives: `model.safetensors` → `model.card.json`.
    public static func sidecarURL(for weightsPath: String) -> URL {
        URL(fileURLWithPath: weightsPath).deletingPathExtension().appendingPathExtension("card.json")
    }

    /// Writes `model.stateDict()` and `card` to `path` (atomically). Throws when the card does not describe the
    /// model (other channel or class count than the model's own tensors say).
    public static func save(_ model: Module, card: ModelCard, to path: String) throws {
        try card.validate()
        let sd = try model.stateDict()
        let reference = try ModelRegistry.make(card: card)
        let expected = try reference.stateDict(keepVars: true)
        let problems = mismatches(expected: expected, got: sd)
        guard problems.isEmpty else {
            throw ModelError("ModelWeights.save: the model does not match its card (\(card.architecture), \(card.inChannels) bands, \(card.numClasses) classes): \(problems.prefix(5).joined(separator: "; "))")
        }
        try SafeTensors.save(sd.entries.map { ($0.key, $0.value) },
                             metadata: ["format": "pt", metadataKey: try card.jsonString()], to: path)
    }

    /// The card and state dict stored at `path`.
    public static func read(_ path: String) throws -> (card: ModelCard, stateDict: StateDict) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError("no weights file at \(path)")
        }
        let contents = try SafeTensors.read(path)
        let card: ModelCard
        if let json = contents.metadata[metadataKey] {
            do { card = try ModelCard(json: json) } catch let e as ModelError { throw ModelError("\(path): \(e.message)") }
        } else {
            let side = sidecarURL(for: path)
            guard FileManager.default.fileExists(atPath: side.path) else {
                throw ModelError("\(path) has no model card (no \"\(metadataKey)\" in its safetensors metadata and no \(side.lastPathComponent) beside it); save it with ModelWeights.save or write a card with ModelCard.write(to:)")
            }
            card = try ModelCard.read(from: side)
        }
        return (card, StateDict(contents.ordered))
    }

    /// Builds the card's architecture, loads the weights into it (strictly) and checks the bands: with
    /// `dataBands`, they must be exactly the card's bands in the card's order, else a clear error says which
    /// differ. The model is returned in evaluation mode.
    public static func loadModel(_ path: String, dataBands: [String]? = nil) throws -> (model: Module, card: ModelCard) {
        let (card, sd) = try read(path)
        if let dataBands { try card.checkBands(dataBands) }
        let model = try ModelRegistry.make(card: card)
        let problems = mismatches(expected: try model.stateDict(keepVars: true), got: sd)
        guard problems.isEmpty else {
            throw ModelError("\(path): the weights do not fit \(card.architecture) with \(card.inChannels) bands and \(card.numClasses) classes as its card says: \(problems.prefix(5).joined(separator: "; "))")
        }
        try model.load(stateDict: sd)
        model.eval()
        return (model, card)
    }

    /// Missing, unexpected and mis-shaped keys, described.
    static func mismatches(expected: StateDict, got: StateDict) -> [String] {
        var out: [String] = []
        for (k, t) in expected {
            guard let g = got[k] else { out.append("missing \(k)"); continue }
            if g.shape != t.shape { out.append("\(k) has shape \(g.shape), expected \(t.shape)") }
        }
        for k in got.keys where !expected.contains(k) { out.append("unexpected \(k)") }
        return out
    }
}
