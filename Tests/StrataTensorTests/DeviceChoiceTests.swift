import StrataTensor
import Testing

/// `--device` values: cpu, cuda[:N], auto; a GPU that is not there is one clear error (this libtorch is the CPU
/// build, so the CUDA branch is checked for its error; on a CUDA libtorch with GPUs the same values resolve).
struct DeviceChoiceTests {
    @Test func parsesAndRefusesWhatIsNotThere() throws {
        #expect(try Device.parse("cpu") == .cpu)
        #expect(try Device.parse("CPU") == .cpu)
        #expect(try Device.parse("auto") == Runtime.defaultDevice)
        #expect { try Device.parse("tpu") } throws: { "\($0)".contains("must be cpu, cuda, cuda:N or auto") }
        #expect { try Device.parse("cuda:x") } throws: { "\($0)".contains("must be cpu, cuda, cuda:N or auto") }
        if Runtime.cudaAvailable {
            #expect(try Device.parse("cuda") == .cuda(0))
            let n = Runtime.cudaDeviceCount
            #expect { try Device.parse("cuda:\(n)") } throws: { "\($0)".contains("GPU(s) are visible") }
        } else {
            #expect(try Device.parse("auto") == .cpu)
            for s in ["cuda", "cuda:0", "cuda:3", "gpu"] {
                #expect { try Device.parse(s) } throws: { "\($0)".contains("this libtorch has no CUDA") }
            }
        }
    }
}
