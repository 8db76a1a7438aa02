import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataGeo

@Suite(.enabled(if: SharedData.shouldRun)) struct ChipFileTests {
    @Test func readsWholeFilesLikeGDAL() throws {
        let tile = try SharedData.path("eurosat-ms/eurosat/Highway/Highway_7.tif")
        let dir = try SharedData.tempDir("strata-chipfile")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Oracle.run("gdal_translate", ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", "-b", "4", "-b", "3", "-b", "13", tile, "\(dir.path)/a.bin"])
        let oracle = try Oracle.readRaw("\(dir.path)/a.bin", .uint16)
        let c = try ChipFile.read(tile, bands: [4, 3, 13], as: .float32)
        #expect(c.image.shape == [3, 64, 64] && c.image.dtype == .float32)
        #expect(try c.image.doubles() == oracle)
        #expect(c.width == 64 && c.height == 64 && c.bandCount == 13)
        #expect(c.crs == nil)   // not asked for
        let r = try Raster(path: tile)
        #expect(c.bounds == r.bounds)
        #expect(try ChipFile.crs(of: tile) == r.crs)
        #expect(try ChipFile.read(tile, crs: true).crs == r.crs)
        // Native type: UInt16 comes back as int32, like Raster's .native.
        #expect(try ChipFile.read(tile, bands: [1]).image.dtype == .int32)
    }

    @Test func resamplesTheWholeFileWithRasterIO() throws {
        let b05 = try RealData.bigEarthNet()[4]   // 20 m, 60 × 60
        let dir = try SharedData.tempDir("strata-chipfile-rs")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Oracle.run("gdal_translate", ["-q", "-of", "ENVI", "-outsize", "120", "120", "-r", "cubic", "-ot", "Int32", b05, "\(dir.path)/b.bin"])
        let c = try ChipFile.read(b05, as: .int32, outputSize: (120, 120), resampling: .cubic)
        #expect(c.image.shape == [1, 120, 120])
        #expect(try c.image.doubles() == (try Oracle.readRaw("\(dir.path)/b.bin", .int32)))
        #expect(c.bounds == (try Raster(path: b05)).bounds)
    }

    @Test func errorsNameTheFile() throws {
        #expect {
            try ChipFile.read("/nonexistent/chip.tif")
        } throws: { e in "\(e)".contains("/nonexistent/chip.tif") }
        let tile = try SharedData.path("eurosat-ms/eurosat/Highway/Highway_7.tif")
        #expect {
            try ChipFile.read(tile, bands: [14])
        } throws: { e in "\(e)".contains("band 14 out of range") && "\(e)".contains("13 bands") }
        #expect(throws: GeoError.self) { try ChipFile.read(tile, outputSize: (32, 32), resampling: .q1) }
    }
}
