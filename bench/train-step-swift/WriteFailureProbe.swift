import Foundation
import StrataTensor

/// Write-failure probe (WriteFailureTests runs it under `ulimit -f`, so the file-size limit stays out of the test
/// process): saves `--megabytes` MiB of float32 with `TorchPickle.save` to `--path`. With SIGXFSZ ignored, a write
/// beyond the limit fails with EFBIG, as on a full disk. Prints `saved: 1` or exits 1 with the error.
func pthSaveProbe(_ o: Options) throws {
    signal(SIGXFSZ, SIG_IGN)
    guard let path = o.string("path") else { throw TorchError("pth-save needs --path") }
    let n = o.int("megabytes", 4) * 1024 * 1024 / 4
    var sd = StateDict()
    sd["w"] = try Tensor.ones([n])
    try TorchPickle.save(sd, to: path)
    print("saved: 1")
}
