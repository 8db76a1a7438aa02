// swift-tools-version:6.0
// Strata: deep learning on Earth-observation imagery. libtorch (via the CTorch C shim) + GDAL (via CGDAL).
import PackageDescription

// libtorch comes in through pkg-config (`strata-libtorch.pc`, written by scripts/setup for the libtorch it installs
// or for `LIBTORCH=`): no paths and no unsafe flags here, so other packages can depend on Strata by version.
let package = Package(
    name: "Strata",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Strata", targets: ["StrataTensor", "StrataGeo", "StrataData", "StrataModels", "StrataTasks"]),
        .executable(name: "strata", targets: ["strata"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C ends
        .target(name: "CTorch", dependencies: ["CLibTorch"]),
        .systemLibrary(name: "CLibTorch", pkgConfig: "strata-libtorch"),
        .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // Swift layers (imports only point down)
        .target(name: "StrataTensor", dependencies: ["CTorch", "CHDF5", "CZlib"]),
        .target(name: "StrataGeo", dependencies: ["CGDAL", "StrataTensor"]),
        .target(name: "StrataData", dependencies: ["StrataGeo", "StrataTensor"]),
        .target(name: "StrataModels", dependencies: ["StrataTensor", "CZlib"]),
        .target(name: "StrataTasks", dependencies: ["StrataData", "StrataModels", "Yams"]),
        // Swift side of bench/train-step and isolated-process probes for the memory/determinism tests.
        .executableTarget(name: "strata-bench", dependencies: ["StrataModels"], path: "bench/train-step-swift"),
        .executableTarget(name: "strata", dependencies: [
            "StrataTasks", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmark drivers (bench/<name> scripts build and run them in release mode).
        .executableTarget(name: "strata-bench-sampling", dependencies: ["StrataData"], path: "bench/sampling-tool"),
        // Strata's side of bench/timeseries (series chips through SeriesDataset + GeoDataLoader).
        .executableTarget(name: "strata-bench-timeseries", dependencies: ["StrataData"], path: "bench/timeseries-tool"),
        // Tests mirror the modules; fixtures are read in place from Tests/<Target>/Fixtures.
        .target(name: "StrataTestSupport", path: "Tests/Support"),
        .testTarget(name: "StrataTensorTests", dependencies: ["StrataTensor", "StrataTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataGeoTests", dependencies: ["StrataGeo", "StrataTestSupport"]),
        .testTarget(name: "StrataDataTests", dependencies: ["StrataData", "StrataTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataModelsTests", dependencies: ["StrataModels", "StrataTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataTasksTests", dependencies: ["StrataTasks", "StrataTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataCLITests", dependencies: ["strata", "StrataTasks", "StrataTestSupport"]),
    ],
    cxxLanguageStandard: .cxx20
)
