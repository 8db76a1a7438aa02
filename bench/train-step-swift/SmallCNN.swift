import StrataTensor

/// The benchmark CNN: 3 × (conv3x3 − BN − ReLU) with strides 1, 2, 2 (cin → w → 2w → 4w), global average pooling
/// and a linear classifier; state-dict names match bench/train-step.py's `SmallCNN` (and PyTorch's).
final class SmallCNN: Module {
    let features: Sequential
    let pool: AdaptiveAvgPool2d
    let fc: Linear

    init(inChannels: Int, width: Int, classes: Int) throws {
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

/// Command-line options `--name value` (flags without a value are "1").
struct Options {
    var values: [String: String] = [:]
    init(_ args: ArraySlice<String>) {
        var it = args.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else { continue }
            let key = String(a.dropFirst(2))
            if let eq = key.firstIndex(of: "=") {
                values[String(key[..<eq])] = String(key[key.index(after: eq)...])
            } else {
                values[key] = it.next() ?? "1"
            }
        }
    }
    func int(_ k: String, _ d: Int) -> Int { values[k].flatMap(Int.init) ?? d }
    func double(_ k: String, _ d: Double) -> Double { values[k].flatMap(Double.init) ?? d }
    func bool(_ k: String, _ d: Bool) -> Bool { values[k].map { $0 == "1" || $0 == "true" } ?? d }
    func string(_ k: String) -> String? { values[k] }
}
