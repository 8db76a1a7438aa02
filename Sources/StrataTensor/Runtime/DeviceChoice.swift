import CTorch

extension Device {
    /// What a `--device` value (or `trainer.device`) asks for, before checking that it exists.
    public enum Request: Sendable, Equatable {
        case cpu, auto
        case cuda(Int)
    }

    /// The accepted spellings, for help texts.
    public static let choices = "cpu, cuda, cuda:N or auto"

    /// The syntax of a device value: `cpu`, `cuda` (= `cuda:0`, also `gpu`), `cuda:N`, or `auto`. Does not look
    /// for a GPU (config files are validated on machines without one).
    public static func request(_ text: String, option: String = "--device") throws -> Request {
        let s = text.lowercased().trimmingCharacters(in: .whitespaces)
        switch s {
        case "cpu": return .cpu
        case "auto": return .auto
        case "cuda", "gpu", "cuda:0": return .cuda(0)
        default: break
        }
        if s.hasPrefix("cuda:"), let i = Int(s.dropFirst(5)), i >= 0 { return .cuda(i) }
        throw TorchError("\(option) must be \(choices), got '\(text)'")
    }

    /// The device a `--device` value names: `cpu`, `cuda` (= `cuda:0`), `cuda:N`, or `auto` (the first GPU when this
    /// libtorch has CUDA and one is visible, else the CPU). A GPU that is not there is one clear error naming the
    /// fix (`cudaUnavailable`), never a silent fallback to the CPU. Every command parses its device here.
    public static func parse(_ text: String, option: String = "--device") throws -> Device {
        switch try request(text, option: option) {
        case .cpu: return .cpu
        case .auto: return Runtime.defaultDevice
        case .cuda(let index):
            let device = Device.cuda(index)
            try device.checkAvailable(asked: "\(option) \(text)")
            return device
        }
    }

    /// Throws the one error text for a CUDA device this process cannot use (`asked`: what the user wrote, e.g.
    /// `--device cuda:1`); does nothing for the CPU or a visible GPU.
    public func checkAvailable(asked: String? = nil) throws {
        guard case .cuda(let index) = self else { return }
        let what = asked ?? "device \(self)"
        guard Runtime.cudaAvailable else { throw TorchError(Self.cudaUnavailable(what)) }
        let n = Runtime.cudaDeviceCount
        guard index < n else {
            throw TorchError("\(what): only \(n) GPU(s) are visible (cuda:0…cuda:\(n - 1)); pick one of them, "
                + "or check CUDA_VISIBLE_DEVICES")
        }
    }

    /// The error for a CUDA request when this libtorch has no CUDA or no GPU is visible: names the two fixes.
    public static func cudaUnavailable(_ asked: String) -> String {
        let gpus = (try? Runtime.gpus()) ?? []
        let why = Runtime.cudaAvailable ? "no GPU is visible"
            : gpus.isEmpty ? "this libtorch has no CUDA and no GPU is visible"
            : "this libtorch has no CUDA (it is the CPU build; the driver sees \(gpus.count) GPU(s))"
        return "\(asked): \(why). Use --device cpu, or on a machine with an NVIDIA GPU install a CUDA libtorch with "
            + "scripts/setup --cuda (or LIBTORCH=/path/to/cuda/libtorch scripts/setup) and rebuild"
    }

    /// Whether this is a GPU.
    public var isCUDA: Bool { if case .cuda = self { true } else { false } }
}

import Foundation
