import CTorch
import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// A `.pth` write that fails part-way (full disk, file-size limit) is an error, never `std::terminate`, and leaves
/// nothing at the target path. Before the fix, `ct_zip_writer_abort` destroyed an unfinished libtorch writer whose
/// destructor finished the archive and threw from a noexcept destructor after the earlier failed write.
@Suite struct WriteFailureTests {
    /// The shim on a device that is always full: the failing record write is an error, and aborting the writer
    /// afterwards returns (this call used to terminate the process).
    @Test func shimRecordWriteOnFullDeviceThenAbort() throws {
        try #require(FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full (Linux)")
        let w = try #require(ct_zip_writer_open("/dev/full"))
        let bytes = [UInt8](repeating: 7, count: 1 << 20)  // larger than stdio's buffer: fwrite reaches the device
        let status = bytes.withUnsafeBytes { ct_zip_write_record(w, "data/0", $0.baseAddress, $0.count) }
        #expect(status == -1)
        #expect(!String(cString: ct_last_error()).isEmpty)
        // A second write after the failure is refused with a clear message, not attempted.
        let again = bytes.withUnsafeBytes { ct_zip_write_record(w, "data/1", $0.baseAddress, 16) }
        #expect(again == -1)
        #expect(String(cString: ct_last_error()).contains("earlier write failed"))
        ct_zip_writer_abort(w)
    }

    /// Small records stay in stdio's buffer; finishing is where the full device shows: an error, no crash.
    @Test func shimFinishOnFullDevice() throws {
        try #require(FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full (Linux)")
        let w = try #require(ct_zip_writer_open("/dev/full"))
        let bytes = [UInt8](repeating: 1, count: 64)
        #expect(bytes.withUnsafeBytes { ct_zip_write_record(w, "data.pkl", $0.baseAddress, $0.count) } == 0)
        #expect(ct_zip_writer_finish(w) == -1)
        #expect(!String(cString: ct_last_error()).isEmpty)
    }

    /// `TorchPickle.save` under a 256 KiB file-size limit (in its own process, `strata-bench pth-save`): the
    /// process reports the failure and exits 1 (not a signal), and the folder holds neither the target nor the
    /// temporary file. The same save without the limit succeeds, so the limit is what fails it.
    @Test func torchPickleSaveBeyondFileSizeLimit() throws {
        guard let exe = StrataBench.executable else {
            Issue.record("strata-bench not found beside \(CommandLine.arguments[0]); run swift build --build-tests")
            return
        }
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("weights.pth").path
        let script = "ulimit -f 512 && exec \"$0\" pth-save --path \"$1\" --megabytes 4"
        let limited = try Subprocess.run("/bin/sh", ["-c", script, exe.path, target])
        #expect(limited.status == 1, "expected exit status 1, got \(limited.status): \(limited.output)")
        #expect(limited.stderr.contains("TorchPickle.save('\(target)')"), "\(limited.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])

        let free = try Subprocess.run(exe.path, ["pth-save", "--path", target, "--megabytes", "4"])
        #expect(free.status == 0, "\(free.output)")
        #expect(try TorchPickle.load(target)["w"]?.shape == [1 << 20])
    }
}
