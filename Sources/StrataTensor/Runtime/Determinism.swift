import CTorch

extension Runtime {
    /// True while deterministic algorithms are enforced (`setDeterministic(true)` or `configure(deterministic:)`).
    public static var isDeterministic: Bool { ct_get_deterministic() == 1 }

    /// Runs `body` and restores the CPU generator's state afterwards (as `torch.random.fork_rng`).
    public static func forkRNG<R>(_ body: () throws -> R) throws -> R {
        let saved = try rngState()
        defer { try? setRNGState(saved) }
        return try body()
    }
}
