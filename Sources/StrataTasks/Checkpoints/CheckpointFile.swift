import Foundation
import StrataModels
import StrataTensor

/// What a weights file handed to `strata` is, told apart before anything is loaded, so a user hears "not a
/// checkpoint" for the wrong kind of file and "corrupt checkpoint" for a damaged one — never a silent fallback.
public enum CheckpointFile {
    /// The kinds of files Strata loads trained models from.
    public enum Kind: Sendable, Equatable {
        /// A training checkpoint written by `strata train` (safetensors with `strata` metadata: model, optimizer,
        /// scheduler, RNG, model card, resolved config).
        case trainingCheckpoint
        /// Plain safetensors weights (a `ModelWeights` file, with or without an embedded model card).
        case safetensorsWeights
        /// Keras 2 HDF5 weights (`KerasImport`): no model config inside, so the architecture comes from a model
        /// card beside the file or from the caller (`strata predict --model so2sat-resnet20`).
        case kerasWeights
    }

    /// Classifies `path`. Throws (a `TrainingError` naming the file) when it does not exist, is not a safetensors
    /// file at all ("not a checkpoint", e.g. a GeoTIFF or a PyTorch `.pth`), or is a damaged one ("corrupt").
    public static func kind(of path: String) throws -> Kind {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainingError("no checkpoint at \(path): the file does not exist (runs write best.ckpt and last.ckpt into their run folder)")
        }
        if KerasImport.isHDF5(path) { return .kerasWeights }
        guard looksLikeSafetensors(path) else {
            let pickle = path.hasSuffix(".pth") || path.hasSuffix(".pt")
            throw TrainingError("\(path) is not a checkpoint: it does not start with a safetensors header\(pickle ? " (a PyTorch .pth file is loaded as model.weights in a training config, not as a trained model)" : ""); pass a best.ckpt/last.ckpt written by `strata train`, safetensors weights saved with ModelWeights.save, or Keras .h5 weights of \(KerasImport.architectures.joined(separator: ", "))")
        }
        let contents: SafeTensors.Contents
        do { contents = try SafeTensors.read(path) } catch {
            throw TrainingError("\(path) is a corrupt checkpoint (its safetensors header or data cannot be read): \(error)")
        }
        return contents.metadata["strata"] != nil ? .trainingCheckpoint : .safetensorsWeights
    }

    /// Loads a training checkpoint; throws "not a checkpoint" for other files and "corrupt checkpoint" for damaged
    /// ones (see `kind(of:)`), and says so when `path` holds plain weights rather than a training checkpoint.
    public static func load(_ path: String) throws -> Checkpoint {
        switch try kind(of: path) {
        case .kerasWeights:
            throw TrainingError("\(path) holds Keras HDF5 weights, not a training checkpoint: it has no optimizer state or training config")
        case .safetensorsWeights:
            throw TrainingError("\(path) holds plain safetensors weights, not a training checkpoint (no \"strata\" metadata): it has no optimizer state or training config")
        case .trainingCheckpoint:
            do { return try Checkpoint.load(path) } catch {
                throw TrainingError("\(path) is a corrupt checkpoint: \(error)")
            }
        }
    }

    /// True when the first bytes are a safetensors header: a little-endian header length that fits the file,
    /// followed by `{`.
    static func looksLikeSafetensors(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 9), head.count == 9 else { return false }
        let n = head.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        return n >= 2 && n <= size - 8 && head[8] == UInt8(ascii: "{")
    }
}
