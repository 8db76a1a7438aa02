import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

@Suite struct RasterDatasetTests {
    /// OSCD's per-band Sentinel-2 files (EPSG:4326, 10/20/60 m) read as one 13-band 10 m image; with nearest
    /// resampling it equals the derived 13-band stack made from the same files.
    @Test(.enabled(if: SharedData.shouldRun)) func oscdPerBandFilesReadAsThirteenBandTenMetreChip() throws {
        let dir = try SharedData.path("oscd/images/paris/imgs_1")
        let ds = try RasterDataset(paths: [dir], filenameGlob: "*.tif", filenameRegex: Real.s2Regex, resampling: .nearest)
        #expect(ds.bandNames == Real.oscdBands)
        #expect(ds.count == 1 && ds.files.count == 13)
        #expect(ds.crs.epsg == 4326)
        let stack = try Raster(path: try SharedData.path("oscd/derived/paris_t1_13band_10m.tif"))
        #expect(abs(ds.resolution.x - stack.resolution.x) < 1e-12 && abs(ds.resolution.y - stack.resolution.y) < 1e-12)
        #expect(ds.bounds.minX == stack.bounds.minX && ds.bounds.maxY == stack.bounds.maxY)
        // A 256 × 256 chip at an offset that is not a multiple of 2 or 6 (the 20 and 60 m pixels).
        let grid = try stack.grid.subgrid(PixelWindow(x: 77, y: 131, width: 256, height: 256))
        let s = try ds.sample(bounds: grid.bounds)
        #expect(s.image?.shape == [13, 256, 256] && s.image?.dtype == .float32)
        #expect(s.crs == ds.crs && s.bounds == grid.bounds && s.bandNames == Real.oscdBands)
        let want = try stack.read(window: PixelWindow(x: 77, y: 131, width: 256, height: 256), as: .float32)
        #expect(try s.image!.floats() == want.floats())
        // Band selection by name keeps the requested order.
        let sel = try RasterDataset(paths: [dir], filenameRegex: Real.s2Regex, bands: ["B8A", "B02"], resampling: .nearest)
        let t = try sel.sample(bounds: grid.bounds).image!
        let all = try s.image!.floats(), plane = 256 * 256
        #expect(try t.floats() == Array(all[8 * plane..<9 * plane]) + Array(all[1 * plane..<2 * plane]))
    }

    /// BigEarthNet's 10/20/60 m band files (120/60/20 px) read onto one 10 m grid, checked against gdalwarp of each
    /// band onto that grid.
    @Test(.enabled(if: SharedData.shouldRun)) func bigEarthNetMixedResolutionsOntoOneGrid() throws {
        let patch = "S2A_MSIL2A_20170613T101031_87_48"
        let dir = try SharedData.path("bigearthnet/BigEarthNet-S2-Example/\(patch)")
        let tmp = try SharedData.tempDir("ben")
        defer { try? FileManager.default.removeItem(at: tmp) }
        for r in [Resampling.nearest, .bilinear] {
            let ds = try RasterDataset(paths: [dir], filenameGlob: "*_B*.tif", filenameRegex: Real.s2Regex, resampling: r)
            #expect(ds.bandNames == Real.benBands)
            #expect(ds.resolution.x == 10 && ds.resolution.y == 10 && ds.crs.epsg == 32633)
            let s = try ds.sample(bounds: ds.bounds)
            #expect(s.image?.shape == [12, 120, 120])
            let got = try s.image!.doubles()
            let grid = s.grid
            for (k, b) in Real.benBands.enumerated() {
                let f = "\(dir)/\(patch)_\(b).tif"
                let want = try Tool.raw("gdalwarp", ["-r", r == .nearest ? "near" : "bilinear", "-et", "0"] + Tool.gridArgs(grid) + [f],
                                        type: "Float32", in: tmp)
                let plane = Array(got[k * 14_400..<(k + 1) * 14_400])
                if r == .nearest {
                    #expect(plane == want, "band \(b)")
                } else {
                    // RasterIO resamples in the file's type (UInt16): gdalwarp's values rounded.
                    let worst = zip(plane, want).map { abs($0 - $1) }.max()!
                    #expect(worst <= 0.5 + 1e-3, "band \(b): max |Strata − gdalwarp| = \(worst)")
                }
            }
        }
    }
}
