import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// `strata predict --scenes … --output-dir …` as a user runs it: one process, and `--nproc 2` (two worker processes
/// of the binary, c10d TCPStore rendezvous and Gloo collectives over loopback), on four windows of the OSCD Bercy
/// scene (13 bands) cut by gdal_translate, with the conv-stack checkpoint of `PredictionCLITests`.
@Suite(.serialized) struct ScenePredictionCLITests {
    /// Four non-overlapping windows (x, y, width, height) of the 360 × 395 scene: a mosaic with gaps.
    static let windows: [(String, [Int])] = [("a", [0, 0, 120, 100]), ("b", [120, 0, 100, 100]),
                                             ("c", [0, 100, 90, 140]), ("d", [200, 150, 130, 110])]

    static func strata(_ args: [String]) throws -> (status: Int32, output: String) {
        try StrataBinary.run(["predict", "--no-progress", "--threads", "1"] + args)
    }

    /// The scene folder (four GeoTIFFs) and the model.
    static func setUp(_ dir: URL) throws -> (scenes: URL, model: String) {
        let source = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let scenes = dir.appendingPathComponent("scenes")
        try FileManager.default.createDirectory(at: scenes, withIntermediateDirectories: true)
        for (name, w) in windows {
            try GDALTool.run("gdal_translate", ["-q", "-srcwin"] + w.map(String.init)
                             + [source, scenes.appendingPathComponent("\(name).tif").path])
        }
        return (scenes, try PredictionCLITests.checkpoint(in: dir))
    }

    static func names(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    static func summary(_ dir: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: dir.appendingPathComponent("scenes.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    @Test(.enabled(if: SharedData.shouldRun)) func twoProcessesMapEverySceneOnceLikeOneProcess() throws {
        let dir = try SharedData.tempDir("predict-scenes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (scenes, model) = try Self.setUp(dir)
        let ref = dir.appendingPathComponent("ref"), out = dir.appendingPathComponent("out")
        let common = ["--checkpoint", model, "--chip", "64", "--overlap", "16", "--batch-size", "4"]

        // One process over the folder, and one plain one-scene run: the scene mode maps a scene as --input does.
        var r = try Self.strata(common + ["--scenes", scenes.path, "--output-dir", ref.path])
        #expect(r.status == 0, "\(r.output)")
        let plain = dir.appendingPathComponent("plain-c.tif").path
        r = try Self.strata(common + ["--input", scenes.appendingPathComponent("c.tif").path, "--output", plain])
        #expect(r.status == 0, "\(r.output)")
        #expect(try readBytes(plain) == readBytes(ref.appendingPathComponent("c.tif").path))

        // Two processes, the scenes given as a glob.
        r = try Self.strata(common + ["--scenes", scenes.path + "/*.tif", "--output-dir", out.path, "--nproc", "2"])
        #expect(r.status == 0, "\(r.output)")
        for (name, _) in Self.windows {
            let map = out.appendingPathComponent("\(name).tif").path
            #expect(try readBytes(map) == readBytes(ref.appendingPathComponent("\(name).tif").path), "\(name)")
            // Mapped exactly once: one progress line per scene in the job's output.
            let lines = r.output.split(separator: "\n").filter { $0.contains("→ \(map)") }
            #expect(lines.count == 1, "\(name): \(lines)")
        }
        let listed = try Self.names(out)
        #expect(listed.filter { $0.hasPrefix(".") }.isEmpty, "no temporary files: \(listed)")

        // The summary names the rank of each scene: the plan's deterministic assignment (largest first to the
        // least-loaded rank: d 14300 px → 0, c 12600 → 1, a 12000 → 1 (12600 < 14300), b 10000 → 0), so both
        // ranks worked.
        let s = try Self.summary(out)
        #expect(s["world_size"] as? Int == 2)
        let rows = s["scenes"] as! [[String: Any]]
        let ranks = Dictionary(uniqueKeysWithValues: rows.map {
            (URL(fileURLWithPath: $0["scene"] as! String).deletingPathExtension().lastPathComponent, $0["rank"] as? Int)
        })
        #expect(ranks == ["a": 1, "b": 0, "c": 1, "d": 0], "\(ranks)")
        #expect(rows.allSatisfy { $0["status"] as? String == "mapped" })
        let jobs = try Self.windows.map { n, w in
            SceneJob(path: scenes.appendingPathComponent("\(n).tif").path, width: w[2], height: w[3],
                     output: out.appendingPathComponent("\(n).tif").path)
        }
        #expect(try SceneShardPlan(scenes: jobs, worldSize: 2).assignment == [1, 0, 1, 0])

        // The mosaic, by GDAL's own gdalinfo: every map, and the union of their extents on their common lattice.
        let vrt = try GDALTool.info(out.appendingPathComponent("mosaic.vrt").path)
        let files = Set((vrt["files"] as! [String]).map { URL(fileURLWithPath: $0).lastPathComponent })
        #expect(files.isSuperset(of: ["a.tif", "b.tif", "c.tif", "d.tif"]), "\(files)")
        var minX = Double.infinity, maxY = -Double.infinity, maxX = -Double.infinity, minY = Double.infinity
        var res = 0.0
        for (name, _) in Self.windows {
            let info = try GDALTool.info(out.appendingPathComponent("\(name).tif").path)
            let gt = info["geoTransform"] as! [Double], size = info["size"] as! [Int]
            res = gt[1]
            minX = min(minX, gt[0]); maxY = max(maxY, gt[3])
            maxX = max(maxX, gt[0] + Double(size[0]) * gt[1]); minY = min(minY, gt[3] + Double(size[1]) * gt[5])
        }
        let gt = vrt["geoTransform"] as! [Double], size = vrt["size"] as! [Int]
        // Origins are whole pixels of the same scene apart: equal to well below a pixel (relative 1e-9 of one).
        #expect(abs(gt[0] - minX) < res * 1e-6 && abs(gt[3] - maxY) < res * 1e-6, "\(gt) vs \(minX), \(maxY)")
        #expect(abs(gt[1] - res) < res * 1e-9 && gt[2] == 0 && gt[4] == 0)
        #expect(size == [Int(((maxX - minX) / res).rounded()), Int(((maxY - minY) / res).rounded())], "\(size)")
        #expect(size == [330, 260])
        // And its pixels where scene d lies are d's map (read through GDAL's VRT driver).
        let mosaic = try Raster(path: out.appendingPathComponent("mosaic.vrt").path)
        let dMap = try readBytes(out.appendingPathComponent("d.tif").path)
        let dWindow = try mosaic.read(window: PixelWindow(x: 200, y: 150, width: 130, height: 110), bands: [1])
        #expect(try dWindow.toArray(UInt8.self) == dMap)

        // --skip-existing: with one map removed, only that scene is mapped again (by one rank), and equals before.
        let cMap = out.appendingPathComponent("c.tif").path
        try FileManager.default.removeItem(atPath: cMap)
        let before = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("a.tif").path)
        r = try Self.strata(common + ["--scenes", scenes.path, "--output-dir", out.path, "--nproc", "2",
                                      "--skip-existing"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.split(separator: "\n").filter { $0.contains("→ ") }.count == 1, "\(r.output)")
        #expect(try readBytes(cMap) == readBytes(ref.appendingPathComponent("c.tif").path))
        let after = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("a.tif").path)
        #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date, "a.tif was not rewritten")
        let status = try (Self.summary(out)["scenes"] as! [[String: Any]]).map { $0["status"] as! String }
        #expect(status == ["skipped", "skipped", "mapped", "skipped"], "\(status)")
    }

    /// A scene whose pixels cannot be decoded fails the job with an error naming the rank and the scene; the other
    /// rank is stopped, no mosaic or summary is written, and nothing partial is left: only complete maps.
    @Test(.enabled(if: SharedData.shouldRun)) func aCorruptSceneFailsTheJobNamingRankAndScene() throws {
        let dir = try SharedData.tempDir("predict-scenes-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (scenes, model) = try Self.setUp(dir)
        // _e (listed first): a DEFLATE GeoTIFF whose compressed strips are overwritten with garbage (the header
        // still reads).
        let source = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let broken = scenes.appendingPathComponent("_e.tif")
        // The largest scene, so rank 0 starts with it while rank 1 maps d (each batch held back 0.2 s): rank 1 is
        // stopped mid-scene, and the temporary files it leaves are removed.
        try GDALTool.run("gdal_translate", ["-q", "-co", "COMPRESS=DEFLATE", "-srcwin", "40", "250", "150", "120",
                                            source, broken.path])
        var bytes = try Data(contentsOf: broken)
        for i in (bytes.count * 3 / 10)..<(bytes.count * 7 / 10) { bytes[i] = UInt8(truncatingIfNeeded: i * 7919) }
        try bytes.write(to: broken)
        let out = dir.appendingPathComponent("out")
        let ref = dir.appendingPathComponent("ref")
        let common = ["--checkpoint", model, "--chip", "64", "--overlap", "16", "--batch-size", "4"]
        let t0 = Date()
        let r = try Self.strata(common + ["--scenes", scenes.path, "--output-dir", out.path, "--nproc", "2",
                                          "--dist-timeout", "60", "--batch-delay", "0.2"])
        #expect(r.status != 0)
        #expect(Date().timeIntervalSince(t0) < 60, "failed well within the timeout")
        #expect(r.output.contains("failed on scene \(broken.path)"), "\(r.output)")
        #expect(r.output.contains("rank 0 of 2 failed on scene"), "_e is rank 0's first scene: \(r.output)")
        let left = try Self.names(out)
        #expect(!left.contains("mosaic.vrt") && !left.contains("scenes.json"), "\(left)")
        #expect(left.allSatisfy { !$0.hasPrefix(".") && !$0.hasPrefix("_e") }, "nothing partial: \(left)")
        // Whatever maps the ranks finished before the job stopped are complete and correct.
        let good = Self.windows.map(\.0).filter { left.contains("\($0).tif") }
        if !good.isEmpty {
            let each = good.flatMap { ["--scenes", scenes.appendingPathComponent("\($0).tif").path] }
            let one = try Self.strata(common + each + ["--output-dir", ref.path, "--no-mosaic"])
            #expect(one.status == 0, "\(one.output)")
            for n in good {
                let map = "\(n).tif"
                #expect(try readBytes(out.appendingPathComponent(map).path) == readBytes(ref.appendingPathComponent(map).path))
            }
        }
    }

    /// Scenes in two CRSs: the mosaic is refused up front with the remedy; with --grid onto one CRS it is built.
    @Test(.enabled(if: SharedData.shouldRun)) func scenesInSeveralCRSsNeedAGridForTheMosaic() throws {
        let dir = try SharedData.tempDir("predict-scenes-crs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let scenes = dir.appendingPathComponent("scenes")
        try FileManager.default.createDirectory(at: scenes, withIntermediateDirectories: true)
        let p = scenes.appendingPathComponent("p.tif").path, q = scenes.appendingPathComponent("q.tif").path
        try GDALTool.run("gdal_translate", ["-q", "-srcwin", "0", "0", "64", "64", source, p])
        try GDALTool.run("gdalwarp", ["-q", "-t_srs", "EPSG:32631", "-tr", "20", "20", source, q])
        let model = try PredictionCLITests.checkpoint(in: dir)
        let out = dir.appendingPathComponent("out")
        let args = ["--checkpoint", model, "--scenes", scenes.path, "--output-dir", out.path]
        var r = try Self.strata(args + ["--nproc", "2"])
        #expect(r.status != 0)
        #expect(["2 CRSs", "--grid", "--no-mosaic"].allSatisfy { r.output.contains($0) }, "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("q.tif").path), "refused before mapping")
        r = try Self.strata(args + ["--grid", "EPSG:32631:20"])
        #expect(r.status == 0, "\(r.output)")
        let vrt = try GDALTool.info(out.appendingPathComponent("mosaic.vrt").path)
        #expect((vrt["files"] as! [String]).count >= 3, "\(vrt["files"] ?? [])")  // the VRT, p.tif, q.tif
        #expect((vrt["geoTransform"] as! [Double])[1] == 20)
    }

    /// A rank that never comes (torchrun-style variables, rank 1 not started) fails rank 0 within --dist-timeout,
    /// before anything is mapped, with an error naming the rank; no hang.
    @Test(.enabled(if: SharedData.shouldRun)) func aMissingRankFailsWithinTheTimeout() throws {
        let dir = try SharedData.tempDir("predict-scenes-hang")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try PredictionCLITests.checkpoint(in: dir)
        let scene = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let out = dir.appendingPathComponent("out")
        let t0 = Date()
        let r = try Subprocess.run(try StrataBinary.path(),
                                   ["predict", "--no-progress", "--checkpoint", model, "--scenes", scene,
                                    "--output-dir", out.path, "--dist-timeout", "3"],
                                   environment: ["RANK": "0", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
                                                 "MASTER_PORT": String(try Self.freePort())])
        #expect(r.status != 0)
        #expect(Date().timeIntervalSince(t0) < 30, "bounded by the 3 s timeout (plus start-up)")
        #expect(r.output.contains("rank 0 of 2") && r.output.contains("1/2 clients joined"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("bercy_t1_13band_10m.tif").path))
    }

    /// A TCP port free on loopback now (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard fd >= 0, ok else { throw PredictionError("no free TCP port on loopback") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// The multi-scene options are refused where they mean nothing, with the fix.
    @Test(.enabled(if: SharedData.shouldRun)) func sceneOptionsAreExplained() throws {
        let dir = try SharedData.tempDir("predict-scenes-args")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try PredictionCLITests.checkpoint(in: dir)
        let scene = try SharedData.path("oscd/derived/bercy_t1_13band_10m.tif")
        let map = dir.appendingPathComponent("m.tif").path
        var r = try Self.strata(["--checkpoint", model, "--input", scene, "--output", map,
                                 "--nproc", "2"])
        #expect(r.status != 0 && r.output.contains("--nproc splits many scenes"), "\(r.output)")
        r = try Self.strata(["--checkpoint", model, "--scenes", scene])
        #expect(r.status != 0 && r.output.contains("need --output-dir"), "\(r.output)")
        r = try Self.strata(["--checkpoint", model, "--scenes", dir.path + "/*.tif", "--output-dir", dir.path])
        #expect(r.status != 0 && r.output.contains("matches no file"), "\(r.output)")
    }
}
