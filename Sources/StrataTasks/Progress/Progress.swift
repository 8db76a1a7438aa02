import Foundation

/// Progress for long work: a live bar with rate and ETA on a terminal, plain periodic lines otherwise (CI logs,
/// pipes). Rate is reported in `unit`s per second (chips/s, MP/s, …).
public final class Progress: @unchecked Sendable {
    public let label: String
    public let total: Double
    public let unit: String
    private let isTTY: Bool
    private let start = Date()
    private var done: Double = 0
    private var lastPrint = Date.distantPast
    private let minInterval: TimeInterval
    private let lock = NSLock()
    private let output: (String) -> Void
    public private(set) var lines: Int = 0

    /// - Parameters:
    ///   - total: the amount of work (0 when unknown).
    ///   - interactive: force TTY or plain mode (default: whether stderr is a terminal).
    ///   - output: where text goes (default: stderr).
    public init(_ label: String, total: Double, unit: String = "it", interactive: Bool? = nil,
                minInterval: TimeInterval? = nil, output: ((String) -> Void)? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        let tty = interactive ?? (isatty(STDERR_FILENO) == 1)
        self.isTTY = tty
        self.minInterval = minInterval ?? (tty ? 0.1 : 10)
        self.output = output ?? { s in FileHandle.standardError.write(s.data(using: .utf8)!) }
    }

    /// Adds `amount` units of finished work; prints when due.
    public func advance(_ amount: Double = 1, extra: @autoclosure () -> String = "") {
        lock.lock(); defer { lock.unlock() }
        done += amount
        let now = Date()
        if now.timeIntervalSince(lastPrint) >= minInterval || done >= total && total > 0 {
            lastPrint = now
            emit(extra(), final: false)
        }
    }

    /// Prints the final line (elapsed time and mean rate).
    public func finish(_ extra: String = "") {
        lock.lock(); defer { lock.unlock() }
        emit(extra, final: true)
    }

    public var rate: Double {
        let t = Date().timeIntervalSince(start)
        return t > 0 ? done / t : 0
    }

    private func emit(_ extra: String, final: Bool) {
        let elapsed = Date().timeIntervalSince(start)
        let r = elapsed > 0 ? done / elapsed : 0
        var s = "\(label) "
        if total > 0 {
            let frac = min(1, done / total)
            if isTTY {
                let width = 24, filled = Int(frac * Double(width))
                s += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
            }
            s += String(format: "%3.0f%% %@/%@", frac * 100, Self.compact(done), Self.compact(total))
        } else {
            s += Self.compact(done)
        }
        s += String(format: " %@ %@/s", Self.compact(r), unit)
        if final {
            s += " in " + Self.duration(elapsed)
        } else if total > 0 && r > 0 {
            s += " ETA " + Self.duration(max(0, (total - done) / r))
        }
        if !extra.isEmpty { s += " " + extra }
        lines += 1
        output(isTTY ? "\r\u{1B}[2K" + s + (final ? "\n" : "") : s + "\n")
    }

    static func compact(_ v: Double) -> String {
        if v >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if v >= 1e4 { return String(format: "%.1fk", v / 1e3) }
        if v == v.rounded() { return String(Int(v)) }
        return String(format: "%.1f", v)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) }
        if t >= 60 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%.1fs", s)
    }
}
