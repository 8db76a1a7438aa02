import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Fixtures written by scripts/fixtures/nn.py and the comparison used by the NN, CNN and optimizer parity tests.
///
/// Tolerance: `|a − b| ≤ rtol·|b| + atol·max(1, max|b|)` per element, with rtol = 1e-5 and atol = 1e-6 by default:
/// 1e-5 relative, with an absolute floor scaled to the tensor's magnitude so elements that are nearly zero
/// (where float32 rounding dominates) do not demand impossible relative accuracy.
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

    /// Largest violation of the tolerance (≤ 0 when every element passes) and the largest absolute error.
    static func compare(_ a: Tensor, _ b: Tensor, rtol: Double, atol: Double) throws -> (excess: Double, maxAbs: Double) {
        let x = try a.doubles(), y = try b.doubles()
        let scale = max(1, y.map(abs).max() ?? 0)
        var excess = -Double.infinity, maxAbs = 0.0
        for (u, v) in zip(x, y) {
            let d = abs(u - v)
            maxAbs = max(maxAbs, d)
            excess = max(excess, d - (rtol * abs(v) + atol * scale))
        }
        return (excess, maxAbs)
    }

    /// Records a test issue unless `actual` matches `expected` (shape exactly, values within tolerance).
    @discardableResult
    static func expectClose(_ actual: Tensor?, _ expected: Tensor?, _ label: String, rtol: Double = 1e-5, atol: Double = 1e-6,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        guard let actual, let expected else {
            Issue.record("\(label): missing tensor (actual \(actual == nil ? "nil" : "set"), expected \(expected == nil ? "nil" : "set"))",
                         sourceLocation: sourceLocation)
            return false
        }
        guard actual.shape == expected.shape else {
            Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
            return false
        }
        let (excess, maxAbs) = try compare(actual, expected, rtol: rtol, atol: atol)
        if excess > 0 {
            Issue.record("\(label): max abs error \(maxAbs) exceeds tolerance (rtol \(rtol), atol \(atol))", sourceLocation: sourceLocation)
            return false
        }
        return true
    }
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
