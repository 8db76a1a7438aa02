extension Device {
    /// The device a `--device` value names: `cpu`, `cuda` (= `cuda:0`), `cuda:N`, or `auto` (the first GPU when this
    /// libtorch has CUDA and one is visible, else the CPU). A GPU that is not there is one clear error naming the
    /// fix, never a silent fallback to the CPU.
    public static func parse(_ text: String) throws -> Device {
        let s = text.lowercased()
        switch s {
        case "cpu": return .cpu
        case "auto": return Runtime.defaultDevice
        default: break
        }
        var index = 0
        if s == "cuda" || s == "gpu" {
            index = 0
        } else if s.hasPrefix("cuda:"), let i = Int(s.dropFirst(5)), i >= 0 {
            index = i
        } else {
            throw TorchError("--device must be cpu, cuda, cuda:N or auto, got '\(text)'")
        }
        guard Runtime.cudaAvailable else {
            throw TorchError("--device \(text): this libtorch has no CUDA (or no GPU is visible); use --device cpu, or point LIBTORCH= at a CUDA libtorch and rerun scripts/setup")
        }
        guard index < Runtime.cudaDeviceCount else {
            throw TorchError("--device \(text): only \(Runtime.cudaDeviceCount) GPU(s) are visible (cuda:0…cuda:\(Runtime.cudaDeviceCount - 1))")
        }
        return .cuda(index)
    }
}
