import CGDAL
import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataGeo

@Suite struct RasterReadTests {
    @Test(.enabled(if: SharedData.shouldRun)) func metadataOfRGBByte() throws {
        let r = try Raster(path: try RealData.rgb())
        #expect(r.width == 791 && r.height == 718 && r.bandCount == 3)
        #expect(r.driver == "GTiff")
        #expect(r.crs?.epsg == 32618)
        #expect(r.crs == (try CRS(epsg: 32618)))
        let gt = try #require(r.geoTransform)
        #expect(gt.originX == 101985 && gt.originY == 2826915)
        #expect(abs(r.resolution.x - 300.0379266750948) < 1e-9)
        #expect(abs(r.bounds.maxX - (101985 + 791 * gt.coefficients[1])) < 1e-6)
        let grid = try r.grid
        #expect(grid.width == 791 && grid.height == 718 && grid.crs.epsg == 32618)
        #expect(r.bands.map(\.dtype) == [.uint8, .uint8, .uint8])
        #expect(r.bands.allSatisfy { $0.nodata == 0 && $0.scale == 1 && $0.offset == 0 && $0.gdalType == "Byte" })
        #expect(r.bands.map(\.colorInterpretation) == ["Red", "Green", "Blue"])
    }

    /// Windows (inside, on the edge and partly outside) equal gdal_translate -srcwin, read back as raw bytes.
    @Test(.enabled(if: SharedData.shouldRun)) func windowsMatchGdalTranslate() throws {
        let path = try RealData.rgb()
        let r = try Raster(path: path)
        let dir = try SharedData.tempDir("geo-win")
        defer { try? FileManager.default.removeItem(at: dir) }
        let windows = [PixelWindow(x: 100, y: 200, width: 64, height: 48), PixelWindow(x: 727, y: 654, width: 64, height: 64),
                       PixelWindow(x: -20, y: 690, width: 50, height: 40)]
        for (i, w) in windows.enumerated() {
            let out = dir.appendingPathComponent("w\(i).bin").path
            try Oracle.run("gdal_translate", ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", "-srcwin", "\(w.x)", "\(w.y)", "\(w.width)", "\(w.height)", path, out])
            let want = try Oracle.readRaw(out, .uint8)
            let t = try r.read(window: w)
            #expect(t.shape == [3, w.height, w.width] && t.dtype == .uint8)
            #expect(Oracle.mismatches(try t.doubles(), want) == 0, "window \(w)")
            // Band subset, reordered.
            let sub = try r.read(window: w, bands: [3, 1])
            let plane = w.count
            #expect(try sub.doubles() == Array(want[2 * plane..<3 * plane] + want[0..<plane]))
        }
    }

    /// GDAL's validity mask equals gdal_translate's `-b mask`, and outside the raster is invalid.
    @Test(.enabled(if: SharedData.shouldRun)) func nodataMaskMatchesGdal() throws {
        let path = try RealData.rgb()
        let r = try Raster(path: path)
        let dir = try SharedData.tempDir("geo-mask")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = PixelWindow(x: 0, y: 300, width: 120, height: 100)  // the left edge holds nodata collar
        let out = dir.appendingPathComponent("m.bin").path
        try Oracle.run("gdal_translate", ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", "-b", "mask,1", "-srcwin", "\(w.x)", "\(w.y)", "\(w.width)", "\(w.height)", path, out])
        let want = try Oracle.readRaw(out, .uint8).map { $0 != 0 ? 1.0 : 0.0 }
        let mask = try r.readMask(window: w, bands: [1])
        #expect(mask.dtype == .bool && mask.shape == [1, 100, 120])
        let got = try mask.to(.uint8).doubles()
        #expect(got == want)
        #expect(got.contains(0) && got.contains(1), "the window has both nodata and data")
        // The mask agrees with value != nodata.
        let values = try r.read(window: w, bands: [1]).doubles()
        #expect(zip(values, got).allSatisfy { ($0 != 0) == ($1 == 1) })
        // Boundless: outside is invalid and filled with nodata (0) or the given fill.
        let outside = PixelWindow(x: 780, y: -5, width: 20, height: 10)
        let m2 = try r.readMask(window: outside, bands: [1]).to(.uint8).doubles()
        let filled = try r.read(window: outside, bands: [1], fill: 7).doubles()
        let inside = try r.read(window: PixelWindow(x: 780, y: 0, width: 11, height: 5), bands: [1]).doubles()
        for row in 0..<10 {
            for col in 0..<20 {
                let k = row * 20 + col
                if row >= 5 && col < 11 {
                    #expect(filled[k] == inside[(row - 5) * 11 + col])
                } else {
                    #expect(filled[k] == 7 && m2[k] == 0)
                }
            }
        }
    }

    @Test(.enabled(if: SharedData.shouldRun)) func worldBoundsAndFloatReads() throws {
        let r = try Raster(path: try RealData.rgb())
        let gt = try #require(r.geoTransform)
        let w = PixelWindow(x: 300, y: 250, width: 32, height: 16)
        let a = gt.world(pixel: 300, line: 250), b = gt.world(pixel: 332, line: 266)
        let box = BoundingBox(minX: a.x, minY: b.y, maxX: b.x, maxY: a.y)
        #expect(try r.window(for: box) == w)
        let byBounds = try r.read(bounds: box)
        #expect(try byBounds.doubles() == (try r.read(window: w).doubles()))
        let f = try r.read(window: w, as: .float32)
        #expect(try f.dtype == .float32 && f.doubles() == byBounds.doubles())
        let i = try r.read(window: w, as: .dtype(.int64))
        #expect(i.dtype == .int64)
        // Decimated read through RasterIO's average kernel equals gdal_translate -outsize -r average.
        let dir = try SharedData.tempDir("geo-dec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("d.bin").path
        try Oracle.run("gdal_translate", ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", "-srcwin", "0", "0", "791", "718", "-outsize", "200", "180",
                                          "-r", "average", try RealData.rgb(), out])
        let dec = try r.read(window: PixelWindow(width: 791, height: 718), outputSize: (200, 180), resampling: .average)
        #expect(Oracle.mismatches(try dec.doubles(), try Oracle.readRaw(out, .uint8)) == 0)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func scaleAndOffsetApplyToFloatReads() throws {
        let dir = try SharedData.tempDir("geo-scale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("s.tif").path
        try Oracle.run("gdal_translate", ["-q", "-srcwin", "200", "200", "40", "30", "-a_scale", "0.5", "-a_offset", "10",
                                          "-a_nodata", "0", try RealData.rgb(), out])
        let r = try Raster(path: out)
        #expect(r.bands[0].scale == 0.5 && r.bands[0].offset == 10)
        let w = PixelWindow(x: -2, y: 0, width: 10, height: 4)
        let raw = try r.read(window: w).doubles()
        let phys = try r.read(window: w, as: .float32).doubles()
        for (x, y) in zip(raw, phys) { #expect(y == x * 0.5 + 10) }  // outside: nodata 0 → 10, like inside nodata
        #expect(raw[0] == 0 && phys[0] == 10)
    }

    // MARK: bad input

    @Test(.enabled(if: SharedData.shouldRun)) func badInputGivesOneClearError() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        let missing = message { try Raster(path: "/nonexistent/scene.tif") }
        #expect(missing.contains("raster not found") && missing.contains("/nonexistent/scene.tif"))

        let notRaster = message { try Raster(path: try SharedData.path("SOURCES.md")) }
        #expect(notRaster.contains("cannot open raster") && notRaster.contains("SOURCES.md") && notRaster.contains("not recognized"))
        let vector = message { try Raster(path: try RealData.box()) }
        #expect(vector.contains("cannot open raster") && vector.contains("VectorSource"))

        // Truncated copies. A GeoTIFF whose directory sits at the end fails to open; a COG (directory first)
        // opens and fails when the lost tiles are read. Both errors name the file and GDAL's reason.
        let dir = try SharedData.tempDir("geo-trunc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = try Data(contentsOf: URL(fileURLWithPath: try RealData.rgb()))
        let cut = dir.appendingPathComponent("cut.tif").path
        try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: cut))
        let atOpen = message { try Raster(path: cut) }
        #expect(atOpen.contains("cannot open raster") && atOpen.contains("cut.tif") && atOpen.contains("TIFF"), "\(atOpen)")
        #expect(atOpen.contains("truncated"))
        let cog = dir.appendingPathComponent("cog.tif").path
        try Oracle.run("gdal_translate", ["-q", "-of", "COG", "-co", "OVERVIEWS=NONE", try RealData.rgb(), cog])
        let cogData = try Data(contentsOf: URL(fileURLWithPath: cog))
        let cogCut = dir.appendingPathComponent("cogcut.tif").path
        try cogData.prefix(cogData.count / 2).write(to: URL(fileURLWithPath: cogCut))
        let r0 = try Raster(path: cogCut)
        #expect(r0.width == 791)
        let atRead = message { try r0.read(window: PixelWindow(width: r0.width, height: r0.height)) }
        #expect(atRead.contains("cogcut.tif") && atRead.contains("truncated or corrupt") && atRead.contains("cannot read"), "\(atRead)")
        let header = dir.appendingPathComponent("hdr.tif").path
        try full.prefix(100).write(to: URL(fileURLWithPath: header))
        let tiny = message { try Raster(path: header) }
        #expect(tiny.contains("hdr.tif") && tiny.contains("cannot open raster"))

        let r = try Raster(path: try RealData.rgb())
        let band = message { try r.read(window: PixelWindow(width: 4, height: 4), bands: [4]) }
        #expect(band.contains("band 4 out of range") && band.contains("3 bands"))
        #expect(message { try r.read(window: PixelWindow(width: 4, height: 4), bands: [0]) }.contains("band 0 out of range"))
        #expect(message { try r.read(window: PixelWindow(x: 0, y: 0, width: 0, height: 3)) }.contains("empty window"))
    }

    @Test(.enabled(if: SharedData.shouldRun)) func rasterWithoutCRS() throws {
        let path = try SharedData.path("oscd/train_labels/paris/cm/paris-cm.tif")
        let r = try Raster(path: path)
        #expect(r.crs == nil && r.geoTransform == nil)
        let e = { () -> String in do { _ = try r.grid; return "" } catch { return "\(error)" } }()
        #expect(e.contains("has no CRS") && e.contains("paris-cm.tif") && e.contains("crs"))
        // Pixel windows still work without georeferencing.
        #expect(try r.read(window: PixelWindow(width: 8, height: 8)).shape == [1, 8, 8])
        // Reading onto a grid needs a CRS (and here a geotransform too).
        let g = try GeoGrid(crs: .wgs84, bounds: BoundingBox(minX: 0, minY: 0, maxX: 1, maxY: 1), width: 4, height: 4)
        #expect(throws: GeoError.self) { try r.read(onto: g) }
        #expect(throws: GeoError.self) { try r.read(onto: g, sourceCRS: .wgs84) }
        // A CRS given at open is used.
        let given = try Raster(path: try RealData.rgb(), crs: .webMercator)
        #expect(given.crs == .webMercator)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func virtualPathsOpen() throws {
        // A VRT and a /vsizip/ archive built with GDAL's tools read like the file itself.
        let dir = try SharedData.tempDir("geo-vsi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let vrt = dir.appendingPathComponent("rgb.vrt").path
        try Oracle.run("gdal_translate", ["-q", "-of", "VRT", "-b", "2", try RealData.rgb(), vrt])
        let w = PixelWindow(x: 400, y: 300, width: 16, height: 16)
        let direct = try Raster(path: try RealData.rgb()).read(window: w, bands: [2]).doubles()
        #expect(try Raster(path: vrt).read(window: w).doubles() == direct)
        let tif = dir.appendingPathComponent("copy.tif").path
        try Oracle.run("gdal_translate", ["-q", try RealData.rgb(), tif])
        // Write the zip with GDAL's own /vsizip/ writer.
        let zip = dir.appendingPathComponent("a.zip").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: tif))
        let fp = try #require(VSIFOpenL("/vsizip/\(zip)/inner/copy.tif", "wb"))
        let n = bytes.withUnsafeBytes { VSIFWriteL($0.baseAddress, 1, $0.count, fp) }
        VSIFCloseL(fp)
        #expect(n == bytes.count)
        let zr = try Raster(path: "/vsizip/\(zip)/inner/copy.tif")
        #expect(try zr.read(window: w, bands: [2]).doubles() == direct)
        #expect(throws: GeoError.self) { try Raster(path: "/vsizip/\(zip)/inner/missing.tif") }
    }
}

/// GDAL's messages are captured per thread: concurrent failures each report their own file.
@Suite struct ErrorCaptureTests {
    @Test(.enabled(if: SharedData.shouldRun)) func concurrentErrorsStayOnTheirThread() throws {
        let dir = try SharedData.tempDir("geo-threads")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rgb = try RealData.rgb()
        let expected = try Raster(path: rgb).read(window: PixelWindow(x: 300, y: 300, width: 32, height: 32)).doubles()
        let n = 16
        for i in 0..<n where i % 2 == 1 {
            try "not a raster \(i)".write(to: dir.appendingPathComponent("bad-\(i).txt"), atomically: true, encoding: .utf8)
        }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var messages: [Int: String] = [:]
            var reads: [Int: [Double]] = [:]
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: n) { i in
            for _ in 0..<5 {
                if i % 2 == 1 {
                    let msg: String
                    do { _ = try Raster(path: dir.appendingPathComponent("bad-\(i).txt").path); msg = "no error" } catch { msg = "\(error)" }
                    results.lock.lock(); results.messages[i] = msg; results.lock.unlock()
                } else {
                    let v = (try? Raster(path: rgb).read(window: PixelWindow(x: 300, y: 300, width: 32, height: 32)).doubles()) ?? []
                    results.lock.lock(); results.reads[i] = v; results.lock.unlock()
                }
            }
        }
        for i in 0..<n where i % 2 == 1 {
            let m = results.messages[i] ?? ""
            // The GDAL part of the message names this thread's file and no other.
            let others = (0..<n).filter { $0 != i && m.contains("bad-\($0).txt") }
            #expect(m.contains("bad-\(i).txt' not recognized") && others.isEmpty, "\(m)")
        }
        for i in 0..<n where i % 2 == 0 { #expect(results.reads[i] == expected) }
    }
}
