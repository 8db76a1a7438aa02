import CTorch

extension Runtime {
    /// True while deterministic algorithms are enforced (`setDeterministic(true)` or `configure(deterministic:)`).
    public static var isDeterministic: Bool { ct_get_deterministic() == 1 }

    /// The default random generator's state on `device` (a uint8 tensor), as `torch.get_rng_state()`.
    public static func rngState(device: Device = .cpu) throws -> Tensor {
        Tensor(handle: try check(ct_rng_get_state(device.typeCode, device.index), "Runtime.rngState(\(device))"))
    }
    /// Restores a state from `rngState(device:)`, as `torch.set_rng_state()`.
    public static func setRNGState(_ state: Tensor, device: Device = .cpu) throws {
        try check(ct_rng_set_state(device.typeCode, device.index, state.handle), "Runtime.setRNGState(\(device))")
    }

    /// Runs `body` and restores the CPU generator's state afterwards (as `torch.random.fork_rng`).
    public static func forkRNG<R>(_ body: () throws -> R) throws -> R {
        let saved = try rngState()
        defer { try? setRNGState(saved) }
        return try body()
    }
}
