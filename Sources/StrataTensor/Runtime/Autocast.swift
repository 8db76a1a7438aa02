import CTorch

extension Torch {
    /// Runs `body` under autocast (torch.autocast): eligible ops (convolutions, matmuls) run in `dtype`
    /// (bfloat16 by default on CPU), numerically sensitive ones stay in float32. Thread-local and synchronous.
    public static func autocast<R>(_ device: Device = .cpu, dtype: DType = .bfloat16, enabled: Bool = true,
                                   _ body: () throws -> R) throws -> R {
        guard enabled else { return try body() }
        let type = device.typeCode
        let prev = ct_autocast_set(type, 1, dtype.rawValue)
        if prev < 0 { throw TorchError.last("autocast") }
        defer { _ = ct_autocast_set(type, prev, dtype.rawValue) }
        return try body()
    }
}

extension Runtime {
    /// The default CPU generator's state (dropout masks, `rand`, shuffles done with libtorch), for exact resume.
    public static func rngState() throws -> Tensor { Tensor(handle: try check(ct_rng_get_state())) }
    public static func setRNGState(_ state: Tensor) throws { try check(ct_rng_set_state(state.handle)) }
}
