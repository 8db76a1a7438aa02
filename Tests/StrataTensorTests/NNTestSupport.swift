import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Fixtures written by scripts/fixtures/nn.py; the NN, CNN, loss and optimizer parity suites compare against them
/// with a `ParityRun` under their own `Parity` tolerance.
enum NNFixtures {
    static let folder = SharedData.fixtures("StrataTensorTests").appendingPathComponent("nn")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static let layers: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path("layers.safetensors")) }
    static let losses: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path("losses.safetensors")) }
    static let optim: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path("optim.safetensors")) }
    static let schedulers: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path("schedulers.safetensors")) }
    static let mha: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path("mha.safetensors")) }
    static let cnnForward: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path("cnn_forward.safetensors")) }
    static let cnnSteps: Result<[String: Tensor], Error> = Result { try SafeTensors.load(path("cnn_steps.safetensors")) }

    /// The entries under `prefix.` with the prefix removed.
    static func scoped(_ d: [String: Tensor], _ prefix: String) -> StateDict {
        StateDict(d.filter { $0.key.hasPrefix(prefix + ".") }.sorted { $0.key < $1.key }
            .map { (String($0.key.dropFirst(prefix.count + 1)), $0.value) })
    }
}

/// One parity test's comparisons against its suite's tolerance (`Parity`: max|Δ| ≤ rtol · max|reference| per
/// tensor, relative to the tensor's own scale): records an issue for each tensor over it, and `finish()` prints the
/// test's worst relative difference once (`parity: <suite> max-rel … tol …`). Use `defer { run.finish() }`.
final class ParityRun {
    let parity: Parity, label: String
    private(set) var worst = 0.0

    init(_ parity: Parity, _ label: String) {
        self.parity = parity
        self.label = label
    }

    /// `max|actual − expected| / max|expected|`, or ∞ when the shapes differ.
    static func relative(_ actual: Tensor, _ expected: Tensor) throws -> Double {
        guard actual.shape == expected.shape else { return .infinity }
        let m = Parity.maxima(try actual.doubles(), try expected.doubles())
        return Parity.relative(maxAbsDiff: m.maxAbsDiff, scale: m.scale)
    }

    /// Records a test issue unless `actual` matches `expected` (shape exactly, values within the tolerance).
    @discardableResult
    func close(_ actual: Tensor?, _ expected: Tensor?, _ what: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        guard let actual, let expected else {
            let state = "actual \(actual == nil ? "nil" : "set"), expected \(expected == nil ? "nil" : "set")"
            Issue.record("\(what): missing tensor (\(state))", sourceLocation: sourceLocation)
            return false
        }
        guard actual.shape == expected.shape else {
            Issue.record("\(what): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
            return false
        }
        let rel = try Self.relative(actual, expected)
        worst = max(worst, rel)
        guard rel <= parity.rtol else {
            let tolerance = "\(parity.suite)'s tolerance \(parity.rtol)"
            Issue.record("\(what): max |Δ| / max |reference| = \(rel) exceeds \(tolerance)", sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    func finish() { parity.passes(worst, label) }
}

/// The parity CNN: 3 × (conv3x3 − BN − ReLU) with strides 1, 2, 2 (13 → 32 → 64 → 128 channels), global average
/// pooling and Linear(128 → 10); names match scripts/fixtures/nn.py's `SmallCNN`.
final class SmallCNN: Module {
    let features: Sequential
    let pool: AdaptiveAvgPool2d
    let fc: Linear

    init(inChannels: Int = 13, width: Int = 32, classes: Int = 10) throws {
        features = Sequential(
            try Conv2d(inChannels, width, kernelSize: 3, stride: 1, padding: 1, bias: false), try BatchNorm2d(width), ReLU(),
            try Conv2d(width, 2 * width, kernelSize: 3, stride: 2, padding: 1, bias: false), try BatchNorm2d(2 * width), ReLU(),
            try Conv2d(2 * width, 4 * width, kernelSize: 3, stride: 2, padding: 1, bias: false), try BatchNorm2d(4 * width), ReLU())
        pool = try AdaptiveAvgPool2d(1)
        fc = try Linear(4 * width, classes)
        super.init()
        registerModule("features", features)
        registerModule("pool", pool)
        registerModule("fc", fc)
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        try fc(pool(features(x)).flatten(start: 1))
    }
}

/// Runs the `strata-bench` executable built beside the test bundle (`swift build --build-tests` builds it) in its
/// own process, for checks that must not share the process with other tests (RSS, the global RNG).
enum StrataBench {
    static var executable: URL? {
        if let env = ProcessInfo.processInfo.environment["STRATA_BENCH"] { return URL(fileURLWithPath: env) }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("strata-bench")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Output lines `name: value` of `strata-bench <args>`; throws when it is missing or fails.
    static func run(_ args: [String]) throws -> [String: String] {
        guard let exe = executable else {
            throw TorchError("strata-bench not found beside \(CommandLine.arguments[0]); build it with `swift build --build-tests` (or set STRATA_BENCH)")
        }
        let r = try Subprocess.run(exe.path, args)
        let text = r.output
        guard r.status == 0 else { throw TorchError("strata-bench \(args.joined(separator: " ")) failed: \(text)") }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if let i = line.firstIndex(of: ":") {
                values[String(line[..<i])] = line[line.index(after: i)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return values
    }
}
