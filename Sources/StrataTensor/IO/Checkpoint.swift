import Foundation

/// A training checkpoint in one safetensors file: the model's state dict (`model.*`), the optimizer's
/// (`optimizer.*`), the CPU random generator's state (`rng.cpu`), and in the header metadata the epoch, global
/// step, the scheduler's state and free-form metadata (JSON). Written atomically (temporary file + rename), so an
/// interrupted save leaves the previous checkpoint intact. Restoring model, optimizer, scheduler and RNG then
/// continuing gives bit-identical results to an uninterrupted run.
///
/// ```swift
/// try Checkpoint(model: net, optimizer: opt, scheduler: sched, epoch: 3, metadata: ["val_loss": "0.41"])
///     .save(to: "runs/last.safetensors")
/// let ck = try Checkpoint.load("runs/last.safetensors")
/// try ck.restore(model: net, optimizer: opt, scheduler: sched)
/// ```
public struct Checkpoint {
    public static let formatName = "strata-checkpoint"
    public static let formatVersion = 1

    public var model: StateDict
    public var optimizer: StateDict?
    public var scheduler: SchedulerState?
    public var rngState: Tensor?
    public var epoch: Int
    public var step: Int
    /// Free-form strings (configuration, metrics, provenance).
    public var metadata: [String: String]

    public init(model: StateDict, optimizer: StateDict? = nil, scheduler: SchedulerState? = nil, rngState: Tensor? = nil,
                epoch: Int = 0, step: Int = 0, metadata: [String: String] = [:]) {
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.rngState = rngState
        self.epoch = epoch
        self.step = step
        self.metadata = metadata
    }

    /// Captures the current state of a training run (including the CPU generator unless `captureRNG` is false).
    public init(model: Module, optimizer: (any Optimizer)? = nil, scheduler: (any LRScheduler)? = nil, epoch: Int = 0,
                step: Int = 0, metadata: [String: String] = [:], captureRNG: Bool = true) throws {
        self.init(model: try model.stateDict(), optimizer: try optimizer?.stateDict(), scheduler: scheduler?.stateDict(),
                  rngState: captureRNG ? try Runtime.rngState().clone() : nil, epoch: epoch, step: step, metadata: metadata)
    }

    /// Writes the checkpoint to `path` (conventionally `.safetensors`), atomically.
    public func save(to path: String) throws {
        var tensors: [(String, Tensor)] = model.entries.map { ("model." + $0.key, $0.value) }
        if let optimizer { tensors += optimizer.entries.map { ("optimizer." + $0.key, $0.value) } }
        if let rngState { tensors.append(("rng.cpu", rngState)) }
        let header = Header(format: Self.formatName, version: Self.formatVersion, epoch: epoch, step: step,
                            scheduler: scheduler, metadata: metadata, hasOptimizer: optimizer != nil)
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(header), as: UTF8.self)
        try SafeTensors.save(tensors, metadata: ["strata": json], to: path)
    }

    /// Reads a checkpoint written by `save(to:)`.
    public static func load(_ path: String) throws -> Checkpoint {
        let contents = try SafeTensors.read(path)
        guard let json = contents.metadata["strata"] else {
            throw TorchError("'\(path)' is a safetensors file but not a Strata checkpoint (no 'strata' metadata); load plain weights with SafeTensors.read and Module.load(stateDict:)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let header: Header
        do { header = try decoder.decode(Header.self, from: Data(json.utf8)) } catch {
            throw TorchError("'\(path)': unreadable checkpoint header: \(error)")
        }
        guard header.format == formatName, header.version <= formatVersion else {
            throw TorchError("'\(path)': checkpoint format \(header.format) v\(header.version) is not supported (this Strata reads \(formatName) up to v\(formatVersion))")
        }
        var model = StateDict(), optimizer = StateDict()
        var rng: Tensor? = nil
        for (name, t) in contents.ordered {
            if name.hasPrefix("model.") { model[String(name.dropFirst(6))] = t }
            else if name.hasPrefix("optimizer.") { optimizer[String(name.dropFirst(10))] = t }
            else if name == "rng.cpu" { rng = t }
        }
        return Checkpoint(model: model, optimizer: header.hasOptimizer ? optimizer : nil, scheduler: header.scheduler,
                          rngState: rng, epoch: header.epoch, step: header.step, metadata: header.metadata)
    }

    /// Loads the saved states into a model (strictly by default) and, when given, an optimizer, a scheduler and
    /// the CPU random generator. Throws if the checkpoint lacks a state that was asked for.
    public func restore(model m: Module, optimizer o: (any Optimizer)? = nil, scheduler s: (any LRScheduler)? = nil,
                        strict: Bool = true, restoreRNG: Bool = true) throws {
        try m.load(stateDict: model, strict: strict)
        if let o {
            guard let optimizer else { throw TorchError("checkpoint has no optimizer state to restore") }
            try o.load(stateDict: optimizer)
        }
        if let s {
            guard let scheduler else { throw TorchError("checkpoint has no scheduler state to restore") }
            try s.load(stateDict: scheduler)
        }
        if restoreRNG, let rngState { try Runtime.setRNGState(rngState) }
    }

    struct Header: Codable {
        var format: String
        var version: Int
        var epoch: Int
        var step: Int
        var scheduler: SchedulerState?
        var metadata: [String: String]
        var hasOptimizer: Bool
    }
}
