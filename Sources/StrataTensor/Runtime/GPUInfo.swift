import CTorch

/// One GPU as the NVIDIA driver reports it.
public struct GPUInfo: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let name: String
    public let memoryBytes: Int64
    public var description: String {
        "cuda:\(index) \(name), \(String(format: "%.1f", Double(memoryBytes) / 1_073_741_824)) GiB"
    }
}

extension Runtime {
    /// The GPUs the NVIDIA driver sees (empty without a driver), whether or not this libtorch has CUDA: the CLI
    /// tells "CPU-only libtorch on a GPU machine" apart from "no GPU". Works in the CPU-only build (the driver is
    /// opened at run time, nothing links against CUDA).
    public static func gpus() throws -> [GPUInfo] {
        let n = ct_gpu_count()
        if n < 0 { throw TorchError.last("listing GPUs") }
        return try (0..<Int(n)).map { i in
            guard let p = ct_gpu_name(Int32(i)) else { throw TorchError.last("GPU \(i) name") }
            let name = takeString(p)
            let bytes = ct_gpu_total_memory(Int32(i))
            if bytes < 0 { throw TorchError.last("GPU \(i) memory") }
            return GPUInfo(index: i, name: name, memoryBytes: bytes)
        }
    }
}

import Foundation
