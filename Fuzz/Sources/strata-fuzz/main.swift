import Foundation

/// One fuzz harness: feeds one input to a parser. A thrown error is a pass; a crash, a trap or an
/// AddressSanitizer report is a finding.
protocol Harness {
    static var name: String { get }
    static func run(_ data: Data) throws
}

/// Every harness, by the name `STRATA_FUZZ_TARGET` selects (also the folder names under Fuzz/regressions).
let harnesses: [any Harness.Type] = [
    SafeTensorsHarness.self, PickleHarness.self, PthHarness.self, NPYHarness.self, KerasH5Harness.self,
    ConfigHarness.self, ModelCardHarness.self, GeoTIFFHarness.self, SAMRLEHarness.self,
]

nonisolated(unsafe) var selected: (any Harness.Type)?

/// A scratch file per process in /dev/shm (or the temp folder) for parsers that take a path.
let scratchDir: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = "\(base)/strata-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

func scratchFile(_ data: Data, ext: String) -> String {
    let path = "\(scratchDir)/input.\(ext)"
    _ = FileManager.default.createFile(atPath: path, contents: data)
    return path
}

/// One input to the selected harness (libFuzzer's callback). Also exported under libFuzzer's own name, which its
/// archive's main() references even though SwiftPM's entry point replaces that main().
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = count > 0 && bytes != nil ? Data(bytes: bytes!, count: count) : Data()
    do { try selected?.run(data) } catch {}
    return 0
}

/// libFuzzer's driver, run from this executable's own main (SwiftPM names the entry point itself, so libFuzzer's
/// main() is not used; its flags and corpus arguments work the same).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

let targetName = ProcessInfo.processInfo.environment["STRATA_FUZZ_TARGET"] ?? ""
guard let chosen = harnesses.first(where: { $0.name == targetName }) else {
    let names = harnesses.map { $0.name }.joined(separator: ", ")
    FileHandle.standardError.write(Data("strata-fuzz: set STRATA_FUZZ_TARGET to one of: \(names)\n".utf8))
    exit(2)
}
selected = chosen
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzTestOneInput($0, $1) })
