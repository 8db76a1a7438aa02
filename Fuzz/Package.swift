// swift-tools-version:6.0
// Strata's libFuzzer harnesses, a package of their own so the main package's build is unaffected. Built and run by
// `make fuzz` (Fuzz/run): swift build -Xswiftc -sanitize=fuzzer,address. One binary holds every harness; the
// harness is chosen with STRATA_FUZZ_TARGET (see Sources/strata-fuzz/main.swift).
import PackageDescription

let package = Package(
    name: "StrataFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Strata", path: "..")],
    targets: [
        // main.swift hands control to libFuzzer's driver (LLVMFuzzerRunDriver).
        .executableTarget(name: "strata-fuzz", dependencies: [.product(name: "Strata", package: "Strata")]),
    ]
)
