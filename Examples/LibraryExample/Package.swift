// swift-tools-version:6.0
// A package outside Strata that depends on it by version, as any other project would. Before its first build, run
// Strata's scripts/setup once on the machine (it makes libtorch findable through pkg-config).
// scripts/test-consumer builds it against a snapshot of the Strata checkout tagged 0.1.0 (it points the URL below
// at that snapshot; your own package uses Strata's real git URL) and checks that Sources/LibraryExample/main.swift
// is the README's library example.
import PackageDescription

let package = Package(
    name: "LibraryExample",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://example.com/strata.git", from: "0.1.0"),
    ],
    targets: [
        .executableTarget(name: "LibraryExample", dependencies: [.product(name: "Strata", package: "strata")]),
    ]
)
