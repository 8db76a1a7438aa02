import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataGeo

/// Reading onto target grids equals gdalwarp on the same inputs and grid.
@Suite struct WarpTests {
    /// gdalwarp onto `grid` into raw BSQ, read back without StrataGeo. Strata fixes the resampling kernel's scale
    /// for the whole raster (see `Raster.kernelScale`); the same value is passed to gdalwarp as XSCALE/YSCALE.
    static func gdalwarp(_ src: String, _ grid: GeoGrid, _ r: String, _ raw: Oracle.Raw, extra: [String] = [],
                         in dir: URL) throws -> [Double] {
        let out = dir.appendingPathComponent("warp-\(UUID().uuidString).bin").path
        let raster = try Raster(path: src)
        let scale = try #require(raster.kernelScale(resolution: grid.resolution, crs: grid.crs, srcCRS: raster.crs!))
        let wo = ["-wo", "XSCALE=\(scale.x)", "-wo", "YSCALE=\(scale.y)"]
        try Oracle.run("gdalwarp", ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", "-r", r] + Oracle.gridArgs(grid) + wo + extra + [src, out])
        return try Oracle.readRaw(out, raw)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func reprojectionToWebMercatorMatchesGdalwarp() throws {
        let path = try RealData.rgb()
        let r = try Raster(path: path)
        let dir = try SharedData.tempDir("geo-warp")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A 3857 grid over part of the raster that also runs off its edge (nodata there).
        let src = try r.crs!.transform(BoundingBox(minX: 150_000, minY: 2_600_000, maxX: 360_000, maxY: 2_760_000), to: .webMercator)
        let grid = try GeoGrid(crs: .webMercator, bounds: src, resolution: 450)
        let near = try r.read(onto: grid, resampling: .nearest)
        #expect(near.shape == [3, grid.height, grid.width] && near.dtype == .uint8)
        let wantNear = try Self.gdalwarp(path, grid, "near", .uint8, in: dir)
        let got = try near.doubles()
        #expect(Oracle.mismatches(got, wantNear) == 0)
        #expect(got.contains(0) && got.contains { $0 > 100 }, "the grid holds both nodata and data")

        let bil = try r.read(onto: grid, resampling: .bilinear, as: .float32)
        let wantBil = try Self.gdalwarp(path, grid, "bilinear", .float32, extra: ["-ot", "Float32"], in: dir)
        #expect(Oracle.maxRelativeError(try bil.doubles(), wantBil) <= 1e-4)
        // Native-type bilinear (rounded to Byte by the warper) equals gdalwarp's Byte output.
        let bilByte = try r.read(onto: grid, resampling: .bilinear)
        let wantByte = try Self.gdalwarp(path, grid, "bilinear", .uint8, in: dir)
        #expect(Oracle.mismatches(try bilByte.doubles(), wantByte) == 0)
    }

    /// Chips read through the shared warped VRT of a lattice equal gdalwarp onto each chip's grid when both use the
    /// exact transformer, and stay within the approximation of the per-request warp otherwise.
    @Test(.enabled(if: SharedData.shouldRun)) func sharedLatticeChipsMatchGdalwarp() throws {
        let path = try RealData.rgb()
        let r = try Raster(path: path)
        let dir = try SharedData.tempDir("geo-shared")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lattice = try GeoGrid(crs: .webMercator, bounds: try r.crs!.transform(r.bounds, to: .webMercator), resolution: 400)
        // Chips inside, across the edge of the data, and partly outside the lattice.
        let chips = [PixelWindow(x: 200, y: 150, width: 64, height: 48), PixelWindow(x: -10, y: 300, width: 40, height: 40),
                     PixelWindow(x: lattice.width - 30, y: lattice.height - 20, width: 50, height: 50)]
        for w in chips {
            let g = lattice.subgrid(w)
            let near = try r.read(onto: g, errorThreshold: 0, warp: .sharedLattice)
            let want = try Self.gdalwarp(path, g, "near", .uint8, extra: ["-et", "0"], in: dir)
            #expect(Oracle.mismatches(try near.doubles(), want) == 0, "\(w)")
            let bil = try r.read(onto: g, resampling: .bilinear, as: .float32, errorThreshold: 0, warp: .sharedLattice)
            let wantBil = try Self.gdalwarp(path, g, "bilinear", .float32, extra: ["-et", "0", "-ot", "Float32"], in: dir)
            #expect(Oracle.maxRelativeError(try bil.doubles(), wantBil) <= 1e-4, "\(w)")
            // Default (approximate, ≤ 0.125 px) transformer: nearest picks a neighbouring source pixel only where the
            // exact position lies within that error of a pixel edge — a few percent of pixels at 300 → 400 m.
            let a = try r.read(onto: g, warp: .sharedLattice).doubles(), b = try r.read(onto: g).doubles()
            #expect(Double(Oracle.mismatches(a, b)) <= 0.05 * Double(a.count))
        }
        #expect(r.warpedViews.count == 3, "one view per (lattice, kernel, type) combination")
    }

    @Test(.enabled(if: SharedData.shouldRun)) func sameLatticeTakesTheWindowPath() throws {
        let r = try Raster(path: try RealData.rgb())
        let w = PixelWindow(x: 500, y: -10, width: 40, height: 30)
        let sub = try r.grid.subgrid(w)
        let viaGrid = try r.read(onto: sub, resampling: .bilinear)
        #expect(try viaGrid.doubles() == (try r.read(window: w).doubles()))
        // The same grid given with an equivalent CRS spelled differently still aligns.
        var other = sub
        other.crs = try CRS("+proj=utm +zone=18 +datum=WGS84 +units=m +no_defs")
        #expect(try r.grid.window(of: other) == w)
    }

    /// OSCD's per-band Sentinel-2 files (EPSG:4326; 10, 20 and 60 m) read as one 13-band chip on the 10 m grid.
    @Test(.enabled(if: SharedData.shouldRun)) func oscdThirteenBandChipOnTheTenMetreGrid() throws {
        let files = try RealData.oscd("paris")
        let ten = try Raster(path: files[1])  // B02, 10 m
        let chipGrid = try ten.grid.subgrid(PixelWindow(x: 100, y: 120, width: 96, height: 80))
        #expect(chipGrid.crs.epsg == 4326)
        var planes: [Tensor] = []
        var resolutions: Set<Int> = []
        for f in files {
            let r = try Raster(path: f)
            resolutions.insert(Int((r.resolution.x / ten.resolution.x).rounded()))
            let t = try r.read(onto: chipGrid)
            #expect(t.shape == [1, 80, 96] && t.dtype == .int32)
            planes.append(t)
        }
        #expect(resolutions == [1, 2, 6], "the bands come at 10, 20 and 60 m")
        let chip = try Op("aten::cat").tensor([.tensors(planes), 0])
        #expect(chip.shape == [13, 80, 96])
        // Oracle: gdalwarp of each band file onto the same grid (nearest) — exact.
        let dir = try SharedData.tempDir("geo-oscd")
        defer { try? FileManager.default.removeItem(at: dir) }
        var want: [Double] = []
        for f in files { want += try Self.gdalwarp(f, chipGrid, "near", .uint16, in: dir) }
        #expect(Oracle.mismatches(try chip.doubles(), want) == 0)
        // Bilinear, float32: within 1e-4 relative of gdalwarp -ot Float32.
        let b11 = try Raster(path: files[11]).read(onto: chipGrid, resampling: .bilinear, as: .float32)
        let wantB11 = try Self.gdalwarp(files[11], chipGrid, "bilinear", .float32, extra: ["-ot", "Float32"], in: dir)
        #expect(Oracle.maxRelativeError(try b11.doubles(), wantB11) <= 1e-4)
    }

    /// BigEarthNet's 10/20/60 m bands (UTM) read onto one 10 m grid (120 × 120).
    @Test(.enabled(if: SharedData.shouldRun)) func bigEarthNetBandsOnOneTenMetreGrid() throws {
        let files = try RealData.bigEarthNet()
        let grid = try Raster(path: files[1]).grid  // B02
        #expect(grid.width == 120 && grid.resolution.x == 10)
        let dir = try SharedData.tempDir("geo-ben")
        defer { try? FileManager.default.removeItem(at: dir) }
        var sizes: Set<Int> = []
        for f in files {
            let r = try Raster(path: f)
            sizes.insert(r.width)
            for method in [Resampling.nearest, .bilinear] {
                let t = try r.read(onto: grid, resampling: method, as: .float32)
                #expect(t.shape == [1, 120, 120])
                let want = try Self.gdalwarp(f, grid, method == .nearest ? "near" : "bilinear", .float32,
                                             extra: ["-ot", "Float32"], in: dir)
                if method == .nearest {
                    #expect(Oracle.mismatches(try t.doubles(), want) == 0, "\(f)")
                } else {
                    #expect(Oracle.maxRelativeError(try t.doubles(), want) <= 1e-4, "\(f)")
                }
            }
        }
        #expect(sizes == [120, 60, 20])
    }

    @Test(.enabled(if: SharedData.shouldRun)) func modeAndAverageForCoarserGrids() throws {
        let path = try RealData.rgb()
        let r = try Raster(path: path)
        let dir = try SharedData.tempDir("geo-mode")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grid = try GeoGrid(crs: r.crs!, bounds: BoundingBox(minX: 130_000, minY: 2_650_000, maxX: 310_000, maxY: 2_800_000),
                               resolution: 1000)
        for (m, name) in [(Resampling.mode, "mode"), (.average, "average")] {
            let t = try r.read(onto: grid, bands: [1], resampling: m)
            let want = try Self.gdalwarp(path, grid, name, .uint8, in: dir)
            #expect(Oracle.mismatches(try t.doubles(), Array(want[0..<grid.width * grid.height])) == 0, "\(name)")
        }
    }
}
