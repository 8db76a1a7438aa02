/// Deterministic randomness for chip datasets and their loader: seeds are mixed with SplitMix64 and draws come from
/// a SplitMix64 stream, so shuffles and splits depend only on the numbers given — never on the platform, the Swift
/// version or the number of loader threads.
public enum ChipRandom {
    /// One SplitMix64 step: a well-mixed 64-bit value of `x`.
    @inline(__always) static func mix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed derived from several values (order matters): `mix([seed, epoch, index])`.
    public static func mix(_ values: [UInt64]) -> UInt64 {
        var h: UInt64 = 0x5354_5241_5441_2121  // "STRATA!!"
        for v in values { h = mix64(h ^ mix64(v)) }
        return h
    }

    /// The seed of a per-sample transform: depends on the loader seed, the epoch and the chip's dataset index only.
    public static func sampleSeed(seed: UInt64, epoch: Int, index: Int) -> UInt64 {
        mix([seed, 0x5341_4D50, UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(index))])
    }

    /// The seed of a per-batch transform: depends on the loader seed, the epoch and the batch's position only.
    public static func batchSeed(seed: UInt64, epoch: Int, batch: Int) -> UInt64 {
        mix([seed, 0x4241_5443, UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(batch))])
    }

    /// A SplitMix64 stream.
    public struct Generator: RandomNumberGenerator, Sendable {
        private var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in 0..<n (n > 0), without modulo bias.
        public mutating func below(_ n: Int) -> Int {
            guard n > 1 else { return 0 }
            let bound = UInt64(n)
            let limit = UInt64.max - UInt64.max % bound
            while true {
                let v = next()
                if v < limit { return Int(v % bound) }
            }
        }
        /// Fisher–Yates shuffle (its own algorithm, so results never change with the standard library).
        public mutating func shuffle<T>(_ a: inout [T]) {
            guard a.count > 1 else { return }
            for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
        }
    }
}
