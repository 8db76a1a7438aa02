import Foundation
@testable import StrataTensor

/// safetensors bytes → SafeTensors.decode, then every tensor's values read (over-reads show under ASan).
enum SafeTensorsHarness: Harness {
    static let name = "safetensors"
    static func run(_ data: Data) throws {
        let c = try SafeTensors.decode([UInt8](data))
        for (_, t) in c.ordered { _ = try t.toArray(UInt8.self) }
    }
}

/// Pickle bytes straight into Strata's pickle interpreter (the `data.pkl` of a torch.save archive), storages
/// served from one 64-byte record, then flattened as `TorchPickle.load` does.
enum PickleHarness: Harness {
    static let name = "pickle"
    nonisolated(unsafe) static var storage: Tensor?
    static func run(_ data: Data) throws {
        if storage == nil { storage = try Tensor.zeros([64], .init(dtype: .uint8)) }
        var machine = PickleMachine([UInt8](data), source: "fuzz") { _ in .tensor(storage!) }
        var out = StateDict()
        TorchPickle.flatten(try machine.run(), prefix: "", into: &out)
        for (_, t) in out { _ = try t.toArray(UInt8.self) }
    }
}

/// Whole torch.save archives (zip + pickle) through TorchPickle.load from a file.
enum PthHarness: Harness {
    static let name = "pth"
    static func run(_ data: Data) throws {
        let sd = try TorchPickle.load(scratchFile(data, ext: "pth"))
        for (_, t) in sd { _ = try t.toArray(UInt8.self) }
    }
}

/// NumPy .npy bytes → NPY.read(data:).
enum NPYHarness: Harness {
    static let name = "npy"
    static func run(_ data: Data) throws {
        _ = try NPY.read(data: data, source: "fuzz").toArray(UInt8.self)
    }
}

/// Keras HDF5 weight files → KerasWeights.read, plus the generic listing (`HDF5File.entries`).
enum KerasH5Harness: Harness {
    static let name = "keras-h5"
    static func run(_ data: Data) throws {
        let path = scratchFile(data, ext: "h5")
        _ = try? HDF5File(path: path).entries()
        _ = try KerasWeights.read(path)
    }
}
