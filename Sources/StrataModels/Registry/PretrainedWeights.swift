import Foundation
import StrataTensor

/// How `PretrainedWeights.load` may bend a weight file to a model.
public struct WeightLoadOptions: Sendable, Equatable {
    /// Load what fits and keep the model's initialisation elsewhere: keys missing from the file, keys the model
    /// lacks (ignored) and tensors of another shape (e.g. a classifier for another class count) are reported
    /// instead of failing. At least one tensor must load. (Config: `model.weights_partial`.)
    public var allowPartial: Bool
    /// Adapt the model's first convolution when the weights were trained on another band count (config:
    /// `model.adapt_first_conv`), with `FirstConv.adapt(…, method: adaptation)`. Without it such a file fails.
    public var adaptFirstConv: Bool
    /// The rule `adaptFirstConv` applies (default: timm's and smp's cycle-and-scale rule).
    public var adaptation: FirstConvAdaptation
    /// Strip exactly this prefix (`"state_dict.model."`) from the file's names instead of finding the best one;
    /// `""` strips nothing; nil (the default) finds it.
    public var prefix: String?

    public init(allowPartial: Bool = false, adaptFirstConv: Bool = false, adaptation: FirstConvAdaptation = .cycle,
                prefix: String? = nil) {
        self.allowPartial = allowPartial
        self.adaptFirstConv = adaptFirstConv
        self.adaptation = adaptation
        self.prefix = prefix
    }
}

/// What `PretrainedWeights.load` did: how the file's names were mapped onto the model's and what loaded.
public struct WeightLoadReport: Sendable, Equatable {
    public var path: String
    /// The file's kind (`torch.save archive`, `safetensors`, `Strata training checkpoint, epoch 3`, …).
    public var format: String
    /// Tensors copied into the model.
    public var loaded: Int
    /// Entries of the model's state dict.
    public var modelTensors: Int
    /// Model entries the file does not provide (they keep their initialisation).
    public var missing: [String]
    /// Entries of the file (after stripping the prefix) the model has no place for (ignored).
    public var unexpected: [String]
    /// Model entries the file provides with another shape, as `key: file [..] vs model [..]` (kept initialised).
    public var mismatched: [String]
    /// The prefix removed from the file's names (`state_dict.model.`, `module.`), nil when none.
    public var strippedPrefix: String?
    /// The part of the model the file was loaded into (`encoder.`), nil for the whole model.
    public var targetPrefix: String?
    /// First convolutions adapted to another band count, as `key: 3 → 4 bands`.
    public var adapted: [String]
    /// Tensors of the file outside the stripped prefix (optimizer state, loss buffers, …), left alone.
    public var ignored: Int
    /// `adaptFirstConv` was set but the first convolution already had the model's band count.
    public var adaptationUnneeded: Bool

    /// One paragraph for a log: counts, prefix, adaptation.
    public var summary: String {
        var s = "weights \(path) (\(format)"
        if let strippedPrefix { s += ", prefix '\(strippedPrefix)' stripped" }
        if let targetPrefix { s += ", loaded into '\(targetPrefix)'" }
        s += "): loaded \(loaded) of \(modelTensors) tensors; \(missing.count) missing, \(unexpected.count) unexpected"
        if !mismatched.isEmpty { s += ", \(mismatched.count) of another shape" }
        if !missing.isEmpty { s += "; missing (kept initialised): \(Self.list(missing))" }
        if !unexpected.isEmpty { s += "; unexpected (ignored): \(Self.list(unexpected))" }
        if !mismatched.isEmpty { s += "; another shape (kept initialised): \(Self.list(mismatched))" }
        if ignored > 0 {
            s += "; \(ignored) other tensor\(ignored == 1 ? "" : "s") of the file (training state) ignored"
        }
        if !adapted.isEmpty { s += "; first convolution adapted: \(adapted.joined(separator: ", "))" }
        if adaptationUnneeded { s += "; first convolution already had the model's band count (nothing to adapt)" }
        return s
    }

    static func list(_ keys: [String], limit: Int = 5) -> String {
        keys.prefix(limit).joined(separator: ", ") + (keys.count > limit ? ", … (\(keys.count - limit) more)" : "")
    }
}

/// Loads the weight files users actually have into a Strata model: PyTorch state dicts (`.pth`/`.pt`), PyTorch
/// Lightning checkpoints (`.ckpt`: the model under `state_dict.` and the LightningModule's attribute, e.g.
/// `model.`), DistributedDataParallel checkpoints (`module.`), training-script dicts (`{"model": …}`,
/// `{"state_dict": …}`), plain safetensors without a model card, and Strata's own model weights and training
/// checkpoints (see `WeightFile` for how files are recognised).
///
/// Names: the file's names are matched to the model's after stripping the prefix that makes most of them match
/// (any run of leading name components, up to four: `module.`, `state_dict.model.`, `model.`), optionally
/// loading into one top-level part of the model (torchvision ResNet weights into a UNet's `encoder.`). Entries
/// outside the stripped prefix (a checkpoint's optimizer state, a Lightning module's loss buffers) are left alone
/// and counted. `WeightLoadOptions.prefix` fixes the prefix instead.
///
/// Band count: the model's first convolution is the first floating-point entry of its state dict with three or
/// more dimensions (`conv1.weight` of a torchvision/timm ResNet, `encoder.conv1.weight` of an smp UNet,
/// `features.0.weight` of SmallCNN). When the file's kernel differs from it only in the input-channel dimension,
/// it is adapted with `FirstConv.adapt` if `adaptFirstConv` is set (by default timm's `adapt_input_conv` and smp's
/// `patch_first_conv` rule: band i takes source band i mod C, all scaled by C/N; one band takes the sum), and the
/// load fails otherwise, naming the shapes and the option, even with `allowPartial`.
///
/// Missing, unexpected and mis-shaped entries fail the load unless `allowPartial`; the error lists a few of each.
/// The model is only changed when the load succeeds.
///
/// ```swift
/// let report = try PretrainedWeights.load("lightning.ckpt", into: model, options: .init(adaptFirstConv: true))
/// print(report.summary)
/// ```
public enum PretrainedWeights {
    /// Reads `path` and loads it into `model` (see the type's documentation).
    @discardableResult
    public static func load(_ path: String, into model: Module,
                            options: WeightLoadOptions = .init()) throws -> WeightLoadReport {
        try load(try WeightFile.read(path), into: model, options: options)
    }

    /// Loads the tensors of an already read file into `model`.
    @discardableResult
    public static func load(_ file: WeightFile, into model: Module,
                            options: WeightLoadOptions = .init()) throws -> WeightLoadReport {
        let path = file.path
        let own = try model.stateDict(keepVars: true)
        var optional = Set<String>()
        for (prefix, m) in model.namedModules() {
            for k in m.optionalStateKeys { optional.insert(prefix.isEmpty ? k : "\(prefix).\(k)") }
        }
        let mapping = try KeyMapping.best(file: file.stateDict, model: own, fixedPrefix: options.prefix, path: path)
        let firstConv = own.entries.first { $0.value.dtype.isFloatingPoint && $0.value.rank >= 3 }?.key

        var toLoad = StateDict()
        var unexpected: [String] = [], mismatched: [String] = [], adapted: [String] = []
        for (fileName, name) in mapping.pairs {
            let src = file.stateDict[mapping.strip + fileName]!
            guard let dst = own[name] else { unexpected.append(fileName); continue }
            let fs = src.shape, ms = dst.shape
            if fs == ms || (ms.isEmpty && fs == [1]) { toLoad[name] = src; continue }
            if name == firstConv, fs.count == ms.count, fs.count >= 3, fs[0] == ms[0], fs[1] != ms[1],
               Array(fs[2...]) == Array(ms[2...]) {
                guard options.adaptFirstConv else {
                    throw ModelError(
                        "\(path): the first convolution \(name) was trained on \(fs[1]) band\(fs[1] == 1 ? "" : "s") "
                        + "(weights \(fs)) but the model takes \(ms[1]) (\(ms)); set model.adapt_first_conv: true "
                        + "(WeightLoadOptions.adaptFirstConv) to adapt the kernel to \(ms[1]) bands (timm/smp rule: "
                        + "band i takes source band i mod \(fs[1]), scaled by \(fs[1])/\(ms[1])), or train on the "
                        + "\(fs[1]) bands the weights expect (data.bands)")
                }
                toLoad[name] = try FirstConv.adapt(try src.to(dst.dtype), toBands: ms[1],
                                                   method: options.adaptation)
                adapted.append("\(name): \(fs[1]) → \(ms[1]) bands (\(options.adaptation.rawValue))")
                continue
            }
            mismatched.append("\(name): file \(fs) vs model \(ms)")
        }
        let provided = Set(mapping.pairs.map(\.model))
        let missing = own.keys.filter { !provided.contains($0) && !optional.contains($0) }
        guard !toLoad.isEmpty else {
            var why = "the file has \(WeightLoadReport.list(file.stateDict.keys, limit: 4)); "
                + "the model expects \(WeightLoadReport.list(own.keys, limit: 4))"
            if !mismatched.isEmpty {
                why += "; same name, another shape: \(WeightLoadReport.list(mismatched, limit: 3))"
            }
            throw ModelError("\(path): none of its \(file.stateDict.count) tensors fits this model (\(why)); "
                             + "these weights belong to another architecture, pick the model they were trained for")
        }
        if !options.allowPartial && !(missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty) {
            var parts = ["\(path) does not fit the model exactly (\(file.format.rawValue)"
                         + (mapping.strip.isEmpty ? "" : ", prefix '\(mapping.strip)' stripped")
                         + (mapping.scope.isEmpty ? "" : ", loading into '\(mapping.scope)'") + ")"]
            parts.append("\(toLoad.count) of \(own.count) model tensors would load")
            if !missing.isEmpty { parts.append("\(missing.count) missing: \(WeightLoadReport.list(missing))") }
            if !unexpected.isEmpty {
                parts.append("\(unexpected.count) unexpected: \(WeightLoadReport.list(unexpected))")
            }
            if !mismatched.isEmpty {
                parts.append("\(mismatched.count) of another shape: \(WeightLoadReport.list(mismatched))")
            }
            parts.append("set model.weights_partial: true (WeightLoadOptions.allowPartial) to load the tensors that "
                         + "fit and keep the model's initialisation for the rest, or pick the model these weights were "
                         + "trained for")
            throw ModelError(parts.joined(separator: "; "))
        }
        try model.load(stateDict: toLoad, strict: false)
        return WeightLoadReport(
            path: path, format: file.formatDescription, loaded: toLoad.count, modelTensors: own.count, missing: missing,
            unexpected: unexpected, mismatched: mismatched, strippedPrefix: mapping.strip.isEmpty ? nil : mapping.strip,
            targetPrefix: mapping.scope.isEmpty ? nil : mapping.scope, adapted: adapted,
            ignored: file.stateDict.count - mapping.pairs.count,
            adaptationUnneeded: options.adaptFirstConv && adapted.isEmpty)
    }
}

/// Which file names map to which model names: strip a prefix from the file's names, optionally prepend a scope.
struct KeyMapping {
    /// Removed from the file's names, with its trailing dot ("" for none).
    var strip: String
    /// Prepended to the stripped names, with its trailing dot ("" for none).
    var scope: String
    /// (file name after stripping, model name) for every file entry under `strip`, in file order.
    var pairs: [(file: String, model: String)]
    /// How many of `pairs` name an entry of the model.
    var matched: Int

    static let maxDepth = 4

    /// The mapping under which most file entries name a model entry of the same shape (then most names match);
    /// ties go to fewer unmatched names, then to no scope, then to the shorter prefix, then to the prefix seen
    /// first in the file. A stripped prefix or a scope is only taken when at least half of the entries under it
    /// match a model entry with their shape, and when the names it leaves keep some structure (one of the matches
    /// contains a dot, or the prefix is shared by every name of the file): leaf names (`weight`, `bias`,
    /// `num_batches_tracked`) would otherwise match by chance under deep prefixes.
    static func best(file: StateDict, model: StateDict, fixedPrefix: String?, path: String) throws -> KeyMapping {
        let fileNames = file.keys
        // Candidate prefixes with the entries under each: "" → all; "a.b." → entries starting with it, stripped.
        var order: [String] = [""]
        var under: [String: [(name: String, shape: [Int])]] = ["": file.entries.map { ($0.key, $0.value.shape) }]
        if let fixed = fixedPrefix {
            let p = fixed.isEmpty || fixed.hasSuffix(".") ? fixed : fixed + "."
            if !p.isEmpty {
                let names = file.entries.filter { $0.key.hasPrefix(p) && $0.key.count > p.count }
                    .map { (String($0.key.dropFirst(p.count)), $0.value.shape) }
                guard !names.isEmpty else {
                    throw ModelError("\(path): no tensor name starts with the prefix '\(p)' (names look like "
                                     + "\(WeightLoadReport.list(fileNames, limit: 3))); give another prefix or none "
                                     + "to find it")
                }
                order = [p]
                under = [p: names]
            }
        } else {
            for (name, t) in file {
                let parts = name.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count > 1 else { continue }
                for d in 1...min(maxDepth, parts.count - 1) {
                    let p = parts[0..<d].joined(separator: ".") + "."
                    if under[p] == nil { order.append(p); under[p] = [] }
                    under[p]!.append((parts[d...].joined(separator: "."), t.shape))
                }
            }
        }
        var scopes = [""]
        for name in model.keys {
            if let dot = name.firstIndex(of: "."), case let s = String(name[...dot]), !scopes.contains(s) {
                scopes.append(s)
            }
        }
        var best: KeyMapping? = nil
        var bestRank: (Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0)
        for (i, p) in order.enumerated() {
            let names = under[p]!
            for (j, s) in scopes.enumerated() {
                var matched = 0, sameShape = 0, structured = false
                for (n, shape) in names {
                    guard let own = model[s + n] else { continue }
                    matched += 1
                    if own.shape == shape || (own.shape.isEmpty && shape == [1]) { sameShape += 1 }
                    if n.contains(".") { structured = true }
                }
                let identity = s.isEmpty && (p.isEmpty || fixedPrefix != nil)
                let eligible = identity || (sameShape > 0 && 2 * sameShape >= names.count
                                            && (structured || names.count == fileNames.count))
                guard eligible else { continue }
                // Larger is better, lexicographically.
                let rank = (sameShape, matched, -(names.count - matched), j == 0 ? 1 : 0, -p.count, -i)
                if best == nil || rank > bestRank {
                    bestRank = rank
                    best = KeyMapping(strip: p, scope: s, pairs: [], matched: matched)
                }
            }
        }
        var m = best!
        m.pairs = under[m.strip]!.map { ($0.name, m.scope + $0.name) }
        return m
    }
}
