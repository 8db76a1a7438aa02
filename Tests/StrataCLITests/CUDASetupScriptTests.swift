import Foundation
import StrataTestSupport
import Testing

/// `scripts/setup --cuda`'s assembly step (`scripts/cuda-libtorch`), offline: stand-in torch / cuda-toolkit / NVIDIA
/// wheels with real shared libraries and the real requirement shapes, assembled and checked by
/// `scripts/tests/cuda-libtorch-offline` (see that script for what it asserts). Never touches the machine's
/// libtorch or pkg-config files.
@Suite struct CUDASetupScriptTests {
    @Test func cudaLibtorchAssemblesFromWheelsAndFailsNamingAMissingOne() throws {
        let script = SharedData.repoRoot.appendingPathComponent("scripts/tests/cuda-libtorch-offline").path
        let r = try Subprocess.run("/bin/bash", [script])
        #expect(r.status == 0 && r.output.hasSuffix("ok\n"), "\(r.output)")
    }
}
