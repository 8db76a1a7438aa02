import Foundation
import StrataTensor

/// Keras 2 HDF5 weights (`model.save_weights(…h5)` / `model.save(…h5)`) of the architectures Strata rebuilds
/// layer for layer, converted to this library's state dicts. A weights-only Keras file has no model config, so the
/// architecture is named by the caller (a model card's `architecture`, or `strata predict --model`), and a card
/// supplies what the file cannot say (bands, scaling, classes): `defaultCard(architecture:)` for the published
/// weights of a known architecture, or a `<name>.card.json` written beside the file.
public enum KerasImport {
    /// Architectures with a Keras converter, by registry name.
    public static let architectures = [So2SatResNetV2.architecture]

    /// True when `path` starts with the HDF5 signature (Keras `.h5`/`.hdf5` files do).
    public static func isHDF5(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 8) else { return false }
        return Array(head) == [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
    }

    /// The card of the published Keras weights of `architecture` (So2Sat LCZ42's Sentinel-2 ResNet20 for
    /// `so2sat-resnet20`); throws naming the architectures that have one.
    public static func defaultCard(architecture: String) throws -> ModelCard {
        let key = try ModelRegistry.entry(architecture).name
        switch key {
        case So2SatResNetV2.architecture: return try So2SatResNetV2.sentinel2Card()
        default:
            throw ModelError("no built-in model card for Keras weights of \(key); write one as <weights>.card.json beside the file (Keras weights load for: \(architectures.joined(separator: ", ")))")
        }
    }

    /// Reads the Keras file at `path` and converts it to the state dict of `card`'s architecture (built for the
    /// card's bands and classes, so shapes are checked against the card too).
    public static func stateDict(path: String, card: ModelCard) throws -> StateDict {
        let model = try ModelRegistry.make(card: card)
        guard let so2sat = model as? So2SatResNetV2 else {
            throw ModelError("\(path): Keras weights cannot be converted to \(card.architecture); Keras weights load for: \(architectures.joined(separator: ", "))")
        }
        let layers: [KerasLayerWeights]
        do { layers = try KerasWeights.read(path) } catch {
            throw ModelError("\(path) is not a readable Keras weights file: \(error)")
        }
        return try so2sat.kerasStateDict(layers)
    }
}
