import Foundation
import StrataTensor

/// The tensors of a weight file as users have them, whatever wrote it: recognised by its first bytes (not its
/// extension), read with StrataTensor's readers, and every failure reported: a file of another kind is told apart
/// from a file of a known kind that is truncated or corrupt.
///
/// - A zip (`PK\u{3}\u{4}`): a `torch.save` archive (`.pth`/`.pt` state dicts, Lightning `.ckpt`, DDP
///   checkpoints, `{"model": …}` dicts), read as every tensor of its nested dicts and lists with dotted names
///   (`state_dict.model.conv1.weight`); other entries (epochs, hyper-parameters) are skipped.
/// - An 8-byte length then `{`: safetensors, plain or Strata's own (model weights with their card in the metadata;
///   training checkpoints, read as their model state).
///
/// Legacy (pre-1.6) `torch.save` pickles and Keras HDF5 files are recognised and refused with the fix.
public struct WeightFile {
    public enum Format: String, Sendable, Equatable {
        case torchSave = "torch.save archive"
        case safetensors = "safetensors"
        case strataWeights = "Strata model weights"
        case strataCheckpoint = "Strata training checkpoint"
        case inMemory = "state dict in memory"
    }

    public let path: String
    public let format: Format
    /// Every tensor of the file in file order; nested containers flattened with dots.
    public let stateDict: StateDict
    /// What else the file says about itself (a checkpoint's epoch, a card's architecture), for reports.
    public let detail: String?

    /// The format and its detail, e.g. `torch.save archive` or `Strata training checkpoint, epoch 3`.
    public var formatDescription: String { detail.map { "\(format.rawValue), \($0)" } ?? format.rawValue }

    /// Reads the tensors of `path`. Throws `ModelError` naming the path, what the file is (or is not) and the fix.
    public static func read(_ path: String) throws -> WeightFile {
        switch try sniff(path) {
        case .torchSave:
            let sd: StateDict
            do { sd = try TorchPickle.load(path) } catch {
                throw ModelError("\(path) is a torch.save archive (a zip) but cannot be read: \(error); the file is "
                                 + "truncated or corrupt (download it again), or holds Python objects Strata's reader "
                                 + "does not rebuild (save just the weights: torch.save(model.state_dict(), path))")
            }
            guard !sd.isEmpty else {
                throw ModelError("\(path) is a torch.save archive without any tensor (a TorchScript model from "
                                 + "torch.jit.save, or a pickled object?); save the weights with "
                                 + "torch.save(model.state_dict(), path)")
            }
            return WeightFile(path: path, format: .torchSave, stateDict: sd, detail: nil)
        case .safetensors:
            let contents: SafeTensors.Contents
            do { contents = try SafeTensors.read(path) } catch {
                throw ModelError("\(path) starts like a safetensors file but cannot be read, so it is truncated or "
                                 + "corrupt: \(error); download it again or re-save it")
            }
            if contents.metadata["strata"] != nil {
                let ck: Checkpoint
                do { ck = try Checkpoint.load(path) } catch {
                    throw ModelError("\(path) is a Strata training checkpoint that cannot be read: \(error)")
                }
                return WeightFile(path: path, format: .strataCheckpoint, stateDict: ck.model,
                                  detail: "epoch \(ck.epoch)")
            }
            if let json = contents.metadata[ModelWeights.metadataKey] {
                let card: ModelCard
                do { card = try ModelCard(json: json) } catch {
                    throw ModelError("\(path): the model card in its safetensors metadata cannot be read: "
                                     + "\(error)")
                }
                return WeightFile(path: path, format: .strataWeights, stateDict: StateDict(contents.ordered),
                                  detail: "\(card.architecture), \(card.inChannels) bands, \(card.numClasses) classes")
            }
            guard !contents.names.isEmpty else { throw ModelError("\(path) is a safetensors file without any tensor") }
            return WeightFile(path: path, format: .safetensors, stateDict: StateDict(contents.ordered), detail: nil)
        }
    }

    private enum Kind { case torchSave, safetensors }

    /// The kind of file from its first bytes; other kinds throw.
    private static func sniff(_ path: String) throws -> Kind {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ModelError("no weights file at \(path); check the path")
        }
        guard !isDir.boolValue else {
            throw ModelError("\(path) is a folder, not a weights file; give the .pth, .pt, .ckpt or .safetensors "
                             + "file in it")
        }
        let head: [UInt8]
        do {
            let h = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? h.close() }
            head = Array(try h.read(upToCount: 16) ?? Data())
        } catch {
            throw ModelError("cannot read \(path): \(error.localizedDescription); check its permissions")
        }
        guard !head.isEmpty else { throw ModelError("\(path) is empty (0 bytes): the download or save did not finish") }
        let zipMagic = head.count >= 4 && head[0] == 0x50 && head[1] == 0x4B
            && ((head[2], head[3]) == (3, 4) || (head[2], head[3]) == (5, 6))  // a local file header / empty archive
        if zipMagic {
            return .torchSave
        }
        if head[0] == 0x80 && head.count >= 2 && (2...5).contains(head[1]) {
            throw ModelError("\(path) is a legacy torch.save file (PyTorch before 1.6, a bare pickle), which "
                             + "Strata does not read; re-save it with a current PyTorch: "
                             + "torch.save(torch.load(path), new_path)")
        }
        if head.starts(with: [0x89, 0x48, 0x44, 0x46]) {
            throw ModelError("\(path) is an HDF5 (Keras) weights file; model.weights reads PyTorch (.pth, .pt, "
                             + ".ckpt) and safetensors files (So2Sat's Keras weights load with So2SatResNetV2.loadKerasWeights)")
        }
        if head.count >= 9 && head[8] == UInt8(ascii: "{") { return .safetensors }
        let shown = head.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw ModelError("\(path) is not a weights file Strata reads: neither a torch.save archive (.pth, .pt, "
                         + ".ckpt: a zip) nor safetensors (it starts with bytes \(shown)); convert it with PyTorch: "
                         + "torch.save(state_dict, 'weights.pth')")
    }
}

extension WeightFile {
    /// A state dict already in memory (another model's `stateDict()`), to load with `PretrainedWeights.load` like a
    /// file; `name` stands for the path in reports and errors.
    public init(stateDict: StateDict, name: String = "<state dict>") {
        self.init(path: name, format: .inMemory, stateDict: stateDict, detail: nil)
    }
}
