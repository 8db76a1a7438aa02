import ArgumentParser
import StrataTasks
import StrataTensor

/// The one parser of `--device` and `--precision` for train, evaluate, predict and zeroshot: the same spellings,
/// the same check that a requested GPU is usable, the same error text (`Device.parse`: names
/// `scripts/setup --cuda`, `LIBTORCH=` and `--device cpu`).
enum DeviceOption {
    static var deviceHelp: ArgumentHelp {
        ArgumentHelp("Device: \(Device.choices) (default: cpu). A GPU needs a CUDA libtorch (scripts/setup --cuda).")
    }
    static var precisionHelp: ArgumentHelp {
        ArgumentHelp("Precision: 32, bf16 or 16 (bf16/16: autocast, eligible ops in bfloat16/float16; default 32).")
    }

    /// The device `text` names, checked (a missing GPU is a `ValidationError` naming the fix).
    static func parse(_ text: String) throws -> Device {
        do { return try Device.parse(text) } catch { throw ValidationError("\(error)") }
    }

    /// The precision `text` names: 32/fp32, bf16, 16/fp16.
    static func precision(_ text: String) throws -> TrainerOptions.Precision {
        guard let p = TrainerOptions.Precision(name: text) else {
            throw ValidationError("--precision must be 32, bf16 or 16, got '\(text)'")
        }
        return p
    }
}
