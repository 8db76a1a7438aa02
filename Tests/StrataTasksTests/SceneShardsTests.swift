import Foundation
import StrataTestSupport
import Testing
@testable import StrataTasks

/// The scene list (folders, globs, list files) and the deterministic assignment of scenes to ranks.
struct SceneShardsTests {
    static func job(_ name: String, _ w: Int, _ h: Int) -> SceneJob {
        SceneJob(path: "/in/\(name).tif", width: w, height: h, output: "/out/\(name).tif")
    }

    @Test func folderGlobAndListExpandInOrderWithoutDuplicates() throws {
        let dir = try SharedData.tempDir("scene-list")
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in ["b.tif", "a.tif", "c.vrt", "notes.txt", ".hidden.tif"] {
            try Data().write(to: dir.appendingPathComponent(n))
        }
        let sub = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try Data().write(to: sub.appendingPathComponent("z.tif"))
        let list = sub.appendingPathComponent("list.txt")
        try "# scenes\nz.tif\n\n\(dir.path)/a.tif\n".write(to: list, atomically: true, encoding: .utf8)

        let folder = try SceneList.expand(patterns: [dir.path], listFiles: [])
        #expect(folder.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a.tif", "b.tif", "c.vrt"])
        let globbed = try SceneList.expand(patterns: [dir.path + "/*.tif"], listFiles: [list.path])
        #expect(globbed.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a.tif", "b.tif", "z.tif"],
                "the listed a.tif is the globbed one: kept once")
        #expect(throws: PredictionError.self) { try SceneList.expand(patterns: [dir.path + "/*.jp2"], listFiles: []) }
        try "missing.tif\n".write(to: list, atomically: true, encoding: .utf8)
        do {
            _ = try SceneList.expand(patterns: [], listFiles: [list.path])
            Issue.record("a missing listed scene must be refused")
        } catch {
            #expect("\(error)".contains("line 1") && "\(error)".contains("missing.tif"), "\(error)")
        }
        #expect(SceneList.outputPath(for: "/x/y/scene.v2.tif", in: "/o") == "/o/scene.v2.tif")
    }

    /// Largest first to the least-loaded rank: loads end within the largest scene of each other, every scene has
    /// one rank, and the plan is the same however often it is computed.
    @Test func assignmentIsBalancedAndDeterministic() throws {
        let scenes = [Self.job("a", 100, 100), Self.job("b", 50, 50), Self.job("c", 100, 60), Self.job("d", 10, 10),
                      Self.job("e", 80, 80), Self.job("f", 100, 100)]
        let plan = try SceneShardPlan(scenes: scenes, worldSize: 3)
        // a 10000 → 0, f 10000 → 1, e 6400 → 2, c 6000 → 2 (6400 < 10000), b 2500 → 0, d 100 → 1.
        #expect(plan.assignment == [0, 0, 2, 1, 2, 1])
        #expect(plan.load == [12500, 10100, 12400])
        #expect(try SceneShardPlan(scenes: scenes, worldSize: 3).fingerprint == plan.fingerprint)
        #expect(try SceneShardPlan(scenes: scenes, worldSize: 2).fingerprint != plan.fingerprint)
        #expect(Set((0..<3).flatMap { plan.indices(for: $0) }) == Set(scenes.indices))
        // More ranks than scenes: the extra ranks get nothing.
        let wide = try SceneShardPlan(scenes: Array(scenes.prefix(2)), worldSize: 4)
        #expect(wide.assignment == [0, 1] && wide.indices(for: 3).isEmpty)
    }

    @Test func doneScenesGoToNoRankAndCollidingOutputsAreRefused() throws {
        let scenes = [Self.job("a", 100, 100), Self.job("b", 50, 50), Self.job("c", 100, 60)]
        let plan = try SceneShardPlan(scenes: scenes, worldSize: 2, done: [true, false, false])
        #expect(plan.assignment == [nil, 1, 0])
        var twin = Self.job("a", 10, 10)
        twin.path = "/elsewhere/a.tif"
        do {
            _ = try SceneShardPlan(scenes: scenes + [twin], worldSize: 2)
            Issue.record("two scenes mapped to one file must be refused")
        } catch {
            #expect("\(error)".contains("/in/a.tif") && "\(error)".contains("/elsewhere/a.tif"), "\(error)")
        }
    }

    @Test func summaryChecksThatEachSceneWasMappedByItsRank() throws {
        let plan = try SceneShardPlan(scenes: [Self.job("a", 10, 10), Self.job("b", 5, 5)], worldSize: 2,
                                      done: [false, true])
        let s = try SceneJobSummary(plan: plan, stats: [1, 0.5, 1e-4, 0, 0, 0], mosaic: nil, seconds: 1)
        #expect(s.scenes.map(\.status) == ["mapped", "skipped"] && s.scenes[0].rank == 0)
        #expect(throws: PredictionError.self) {
            try SceneJobSummary(plan: plan, stats: [2, 0.5, 1e-4, 0, 0, 0], mosaic: nil, seconds: 1)
        }
    }
}
