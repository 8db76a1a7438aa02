import Foundation
import StrataTensor

/// `--name value` options of one strata-gpu-bench command. Every option must be one the command knows (an unknown
/// or repeated one is an error naming it, never silently ignored); values are checked when read.
struct BenchOptions {
    private var values: [String: String] = [:]
    let command: String

    init(command: String, _ args: ArraySlice<String>, known: Set<String>) throws {
        self.command = command
        var it = args.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else {
                throw BenchError("\(command): unexpected argument '\(a)'; options are --name value")
            }
            var key = String(a.dropFirst(2)), value: String?
            if let eq = key.firstIndex(of: "=") {
                value = String(key[key.index(after: eq)...])
                key = String(key[..<eq])
            }
            guard known.contains(key) else {
                let list = known.sorted().map { "--\($0)" }.joined(separator: " ")
                throw BenchError("\(command): unknown option --\(key); known: \(list)")
            }
            guard values[key] == nil else { throw BenchError("\(command): --\(key) given twice") }
            guard let v = value ?? it.next() else { throw BenchError("\(command): --\(key) needs a value") }
            values[key] = v
        }
    }

    func has(_ k: String) -> Bool { values[k] != nil }

    func int(_ k: String, _ d: Int, min: Int = 1) throws -> Int {
        guard let s = values[k] else { return d }
        guard let v = Int(s), v >= min else {
            throw BenchError("\(command): --\(k) must be an integer ≥ \(min), got '\(s)'")
        }
        return v
    }

    func string(_ k: String, _ d: String, oneOf: [String]? = nil) throws -> String {
        let v = values[k] ?? d
        if let oneOf, !oneOf.contains(v) {
            throw BenchError("\(command): --\(k) must be one of \(oneOf.joined(separator: ", ")), got '\(v)'")
        }
        return v
    }

    func bool(_ k: String, _ d: Bool) throws -> Bool {
        guard let s = values[k] else { return d }
        switch s {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw BenchError("\(command): --\(k) must be 0 or 1, got '\(s)'")
        }
    }

    func path(_ k: String) -> String? { values[k] }

    /// The options every command shares: device, intra-op threads, seed, autocast precision, memory format.
    func common() throws -> CommonSettings {
        let device = try Device.parse(string("device", "cpu"))
        let amp = try string("amp", "none", oneOf: ["none", "bf16", "fp16"])
        return CommonSettings(device: device, threads: try int("threads", 0, min: 0),
                              seed: UInt64(try int("seed", 0, min: 0)),
                              amp: amp == "bf16" ? .bfloat16 : amp == "fp16" ? .float16 : nil, ampName: amp,
                              channelsLast: try bool("channels-last", true))
    }

    static let commonKeys: Set<String> = ["device", "threads", "seed", "amp", "channels-last"]
}

struct CommonSettings {
    let device: Device
    /// Intra-op threads (0: libtorch's default).
    let threads: Int
    let seed: UInt64
    /// Autocast dtype (nil: float32 throughout).
    let amp: DType?
    let ampName: String
    let channelsLast: Bool

    func apply() {
        if threads > 0 { Runtime.threads = threads }
    }

    /// `body` under autocast on the benchmark's device when an AMP precision was chosen.
    func autocast<R>(_ body: () throws -> R) throws -> R {
        guard let amp else { return try body() }
        return try Torch.autocast(device, dtype: amp, body)
    }

    /// Waits for the device's queued work (a no-op on the CPU), so wall-clock times cover the computation.
    func synchronize() throws {
        if device != .cpu { try Runtime.cudaSynchronize() }
    }

    var deviceName: String { device == .cpu ? "cpu" : "\(device)" }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Monotonic seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
