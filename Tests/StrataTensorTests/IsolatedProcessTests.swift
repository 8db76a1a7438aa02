import Foundation
import Testing
@testable import StrataTensor
import StrataTestSupport

/// Untrusted HDF5 weights are parsed in a child process (`IsolatedProcess`): the result must equal parsing in
/// process, and a child that crashes or hangs must come back as one clear error, never take the caller down.
/// The fault cases set a test hook (`STRATA_TEST_CHILD_FAULT`) in that child's environment only.
@Suite struct IsolatedProcessTests {
    private func smallWeights() -> String {
        SharedData.fixtures("StrataTensorTests").appendingPathComponent("hdf5_small.h5").path
    }

    @Test func childResultEqualsInProcessRead() throws {
        #expect(IsolatedProcess.available)
        try compare(smallWeights())
    }

    @Test(.enabled(if: SharedData.shouldRun)) func realSo2SatWeightsThroughTheChild() throws {
        try compare(try SharedData.path(
            "weights/so2sat-lcz/S2_RESNET20_BS16_LR2e-4_IN32-32-10_PRO-52-0R12_2019-06-27.h5"))
    }

    private func compare(_ path: String) throws {
        let child = try KerasWeights.read(path)
        let local = try KerasWeights.readInProcess(path)
        #expect(!local.isEmpty)
        #expect(child.map(\.name) == local.map(\.name))
        for (a, b) in zip(child, local) {
            #expect(a.weights.map(\.name) == b.weights.map(\.name), "\(a.name)")
            for (x, y) in zip(a.weights, b.weights) {
                #expect(x.tensor.shape == y.tensor.shape && x.tensor.dtype == y.tensor.dtype, "\(a.name)/\(x.name)")
                #expect(try x.tensor.equal(y.tensor), "\(a.name)/\(x.name)")
            }
        }
    }

    @Test func childErrorsComeBackAsTheirMessage() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let notH5 = dir.appendingPathComponent("weights.h5")
        try Data("not an hdf5 file".utf8).write(to: notH5)
        let e = try #require(throws: HDF5Error.self) { try KerasWeights.read(notH5.path) }
        #expect(e.message.contains(notH5.path), "\(e.message)")
        let missing = try #require(throws: HDF5Error.self) { try KerasWeights.read(dir.appendingPathComponent("no.h5").path) }
        #expect(missing.message.contains("no such readable file"))
    }

    @Test func aCrashingChildIsAnError() throws {
        let e = try #require(throws: HDF5Error.self) {
            try KerasWeights.read(smallWeights(), childEnvironment: ["STRATA_TEST_CHILD_FAULT": "abort"])
        }
        #expect(e.message.contains("crashed") && e.message.contains("signal 6"), "\(e.message)")
        #expect(e.message.contains("hdf5_small.h5"))
    }

    @Test func aHangingChildIsStoppedAtTheTimeout() throws {
        let start = Date()
        let e = try #require(throws: HDF5Error.self) {
            try KerasWeights.read(smallWeights(), childEnvironment: ["STRATA_TEST_CHILD_FAULT": "hang"], timeout: 1)
        }
        #expect(e.message.contains("longer than 1 s"), "\(e.message)")
        #expect(Date().timeIntervalSince(start) < 60)
    }
}
