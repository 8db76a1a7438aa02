import Foundation
import StrataTensor

/// What a model was trained for: the metadata stored with its weights, so prediction can select and normalise the
/// bands and name the classes without guessing.
///
/// Stored as JSON (keys below) inside the safetensors header's `__metadata__` under `"strata.model_card"`
/// (`ModelWeights`), or as a standalone JSON file (`write(to:)`, `read(from:)`):
/// ```json
/// {"format": "strata-model-card/1", "architecture": "resnet18", "task": "classification",
///  "in_channels": 3, "num_classes": 2, "bands": ["B4", "B3", "B2"],
///  "normalization": {"kind": "mean-std", "mean": [0.1, 0.1, 0.1], "std": [0.05, 0.05, 0.05]},
///  "input_size": [64, 64], "class_names": ["water", "land"], "extra": {}}
/// ```
public struct ModelCard: Codable, Sendable, Equatable {
    public static let currentFormat = "strata-model-card/1"
    /// `extra` key naming an additional metric set for evaluation (`lcz`: DF4LCZ's OA_built / OA_natural).
    public static let metricsKey = "metrics"

    public var format: String
    /// A `ModelRegistry` name.
    public var architecture: String
    /// The task the weights were trained for (stored as `"classification"`, `"multi-label"`, `"segmentation"`, …).
    public var task: TaskKind
    public var inChannels: Int
    public var numClasses: Int
    /// Band names in input-channel order (e.g. Sentinel-2 `B2`, `B3`, …). Compared case-insensitively, with
    /// leading zeros of a `B<number>` name ignored (`B02` = `B2`, `b8a` = `B8A`).
    public var bands: [String]
    public var normalization: Normalization
    /// Chip size `[H, W]` the model was trained on (nil: any).
    public var inputSize: [Int]?
    /// One name per class, in output order.
    public var classNames: [String]
    /// Free-form strings (dataset, commit, date, …).
    public var extra: [String: String]

    enum CodingKeys: String, CodingKey {
        case format, architecture, task, bands, normalization, extra
        case inChannels = "in_channels", numClasses = "num_classes", inputSize = "input_size", classNames = "class_names"
    }

    /// A card for a model over `bands` with `classNames`; `inChannels` and `numClasses` follow from them.
    public init(architecture: String, task: TaskKind, bands: [String], normalization: Normalization = .none,
                inputSize: [Int]? = nil, classNames: [String], extra: [String: String] = [:]) throws {
        format = Self.currentFormat
        self.architecture = architecture
        self.task = task
        inChannels = bands.count
        numClasses = classNames.count
        self.bands = bands
        self.normalization = normalization
        self.inputSize = inputSize
        self.classNames = classNames
        self.extra = extra
        try validate()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        guard format == Self.currentFormat else {
            throw ModelError("model card: unsupported format '\(format)' (this Strata reads \(Self.currentFormat))")
        }
        architecture = try c.decode(String.self, forKey: .architecture)
        let taskName = try c.decode(String.self, forKey: .task)
        guard let t = TaskKind(rawValue: taskName) else {
            throw ModelError("model card: unknown task '\(taskName)' (known: \(TaskKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        task = t
        inChannels = try c.decode(Int.self, forKey: .inChannels)
        numClasses = try c.decode(Int.self, forKey: .numClasses)
        bands = try c.decode([String].self, forKey: .bands)
        normalization = try c.decodeIfPresent(Normalization.self, forKey: .normalization) ?? .none
        inputSize = try c.decodeIfPresent([Int].self, forKey: .inputSize)
        classNames = try c.decode([String].self, forKey: .classNames)
        extra = try c.decodeIfPresent([String: String].self, forKey: .extra) ?? [:]
        try validate()
    }

    /// Checks that the counts agree: one band name per input channel, one class name per class, one
    /// normalisation value per band, a 2-D input size.
    public func validate() throws {
        guard inChannels >= 1, bands.count == inChannels else {
            throw ModelError("model card: \(bands.count) band names for \(inChannels) input channels (give one name per channel)")
        }
        // An embedding model (CLIP, SenCLIP) has no classes of its own.
        guard numClasses >= (task == .embedding ? 0 : 1), classNames.count == numClasses else {
            throw ModelError("model card: \(classNames.count) class names for \(numClasses) classes (give one name per class)")
        }
        let canonical = bands.map(Self.canonicalBand)
        if Set(canonical).count != canonical.count {
            throw ModelError("model card: band names repeat: \(bands)")
        }
        try normalization.validate(bands: inChannels)
        if let s = inputSize, s.count != 2 || s.contains(where: { $0 < 1 }) {
            throw ModelError("model card: input_size must be [height, width] with positive values, got \(s)")
        }
    }

    // MARK: bands

    /// `B02` → `B2`, `b8a` → `B8A`, `nir` → `NIR`: the form band names are compared in.
    public static func canonicalBand(_ name: String) -> String {
        let up = name.trimmingCharacters(in: .whitespaces).uppercased()
        guard up.hasPrefix("B"), up.count > 1 else { return up }
        var rest = Substring(up.dropFirst())
        let suffix = rest.last == "A" ? "A" : ""
        if !suffix.isEmpty { rest = rest.dropLast() }
        guard !rest.isEmpty, rest.allSatisfy(\.isNumber), let n = Int(rest) else { return up }
        return "B\(n)\(suffix)"
    }

    /// Throws unless `dataBands` are exactly the model's bands in the model's order.
    public func checkBands(_ dataBands: [String]) throws {
        let mine = bands.map(Self.canonicalBand), theirs = dataBands.map(Self.canonicalBand)
        guard mine != theirs else { return }
        let missing = bands.filter { !theirs.contains(Self.canonicalBand($0)) }
        let extraBands = dataBands.filter { !mine.contains(Self.canonicalBand($0)) }
        var why: [String] = []
        if !missing.isEmpty { why.append("missing from the data: \(missing.joined(separator: ", "))") }
        if !extraBands.isEmpty { why.append("not used by the model: \(extraBands.joined(separator: ", "))") }
        if why.isEmpty { why.append("same bands in a different order") }
        throw ModelError("band mismatch: the weights (\(architecture)) expect bands [\(bands.joined(separator: ", "))] but the data has [\(dataBands.joined(separator: ", "))] (\(why.joined(separator: "; "))); select and order the data's bands to match the model card, or train a model on these bands")
    }

    /// Positions of the model's bands within `dataBands`, in the model's order (to select them from a larger
    /// stack); throws naming the bands the data lacks.
    public func bandIndices(in dataBands: [String]) throws -> [Int] {
        let theirs = dataBands.map(Self.canonicalBand)
        var out: [Int] = [], missing: [String] = []
        for b in bands {
            if let i = theirs.firstIndex(of: Self.canonicalBand(b)) { out.append(i) } else { missing.append(b) }
        }
        guard missing.isEmpty else {
            throw ModelError("band mismatch: the weights (\(architecture)) need bands [\(bands.joined(separator: ", "))]; the data [\(dataBands.joined(separator: ", "))] lacks \(missing.joined(separator: ", "))")
        }
        return out
    }

    // MARK: JSON

    /// The card as compact JSON with sorted keys.
    public func jsonString() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(self), as: UTF8.self)
    }

    /// Parses and validates a card.
    public init(json: String) throws {
        do {
            self = try JSONDecoder().decode(ModelCard.self, from: Data(json.utf8))
        } catch let e as ModelError {
            throw e
        } catch {
            throw ModelError("model card: invalid JSON: \(error)")
        }
    }

    /// Writes the card as pretty JSON, atomically.
    public func write(to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try enc.encode(self), to: url)
    }

    /// Reads a card written by `write(to:)` (or by hand).
    public static func read(from url: URL) throws -> ModelCard {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelError("model card: cannot read \(url.path)")
        }
        do {
            return try JSONDecoder().decode(ModelCard.self, from: data)
        } catch let e as ModelError {
            throw ModelError("\(url.path): \(e.message)")
        } catch {
            throw ModelError("model card \(url.path): invalid JSON: \(error)")
        }
    }
}
