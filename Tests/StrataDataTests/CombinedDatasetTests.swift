import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

@Suite struct CombinedDatasetTests {
    /// A UTM raster ∩ the same scene reprojected to EPSG:3857: chips of both land on the first's grid, and the
    /// reprojected part equals gdalwarp of the 3857 file onto that chip's grid.
    @Test(.enabled(if: SharedData.shouldRun)) func intersectionOfUTMAndWebMercatorIsAligned() throws {
        let c = try Crops("inter")
        defer { c.remove() }
        let rgb = try Real.rgb()
        let merc = c.dir.appendingPathComponent("rgb-3857.tif").path
        try Tool.run("gdalwarp", ["-q", "-t_srs", "EPSG:3857", "-r", "bilinear", "-co", "TILED=YES", rgb, merc])
        let utm = try RasterDataset(paths: [rgb])
        let web = try RasterDataset(paths: [merc])
        #expect(web.crs.epsg == 3857 && utm.crs.epsg == 32618)
        let inter = try IntersectionDataset(utm, web)
        #expect(inter.crs == utm.crs && inter.resolution == utm.resolution)
        #expect(inter.bandNames.count == 6)
        let src = try Raster(path: rgb)
        var compared = 0
        for chip in try RandomGeoSampler(inter, size: 48, length: 6, seed: 11).chips(epoch: 0) {
            let s = try inter.sample(bounds: chip)
            #expect(s.image?.shape == [6, 48, 48])
            let v = try s.image!.doubles(), plane = 48 * 48
            // The UTM half is the file's own pixels (same lattice, no resampling).
            let w = try #require(try src.grid.window(of: s.grid))
            #expect(Array(v[0..<3 * plane]) == (try src.read(window: w, as: .float32).doubles()))
            // The 3857 half equals gdalwarp onto the same grid (gdalwarp's default approximate transformer, and the
            // fixed resampling scale).
            let want = try Tool.raw("gdalwarp", ["-r", "bilinear"] + Tool.scaleArgs(merc, s.grid) + Tool.gridArgs(s.grid) + [merc],
                                    type: "Float32", in: c.dir)
            #expect(Tool.maxRelativeError(Array(v[3 * plane..<6 * plane]), want) <= 1e-4)
            // Same scene, so both halves agree closely where both have data (a sanity check of alignment).
            var diff = 0.0, n = 0.0
            for i in 0..<(3 * plane) where v[i] > 0 && v[3 * plane + i] > 0 { diff += abs(v[i] - v[3 * plane + i]); n += 1 }
            if n > 100 { #expect(diff / n < 12, "mean |UTM − 3857→UTM| = \(diff / n)") }
            compared += 1
        }
        #expect(compared == 6)

        // A mask (integer, nearest) reprojected on the fly: the warper's Byte output converted to int64, equal to
        // gdalwarp -r near.
        let labels = try RasterDataset(paths: [merc], bands: ["1"], isImage: false)
        let withMask = try IntersectionDataset(utm, labels)
        let mchip = try RandomGeoSampler(withMask, size: 40, length: 1, seed: 3).chips(epoch: 0)[0]
        let ms = try withMask.sample(bounds: mchip)
        #expect(ms.mask?.shape == [40, 40] && ms.mask?.dtype == .int64 && ms.image?.shape == [3, 40, 40])
        let wantMask = try Tool.raw("gdalwarp", ["-r", "near"] + Tool.gridArgs(ms.grid) + [merc], type: "Byte", in: c.dir)
        #expect(try ms.mask!.doubles() == Array(wantMask[0..<1600]))  // band 1 of gdalwarp's output

        // An explicit target grid: both operands land on it.
        let target = try GeoGrid(crs: .webMercator, bounds: try utm.crs.transform(utm.bounds, to: .webMercator), resolution: 400)
        let onGrid = try IntersectionDataset(utm, web, target: target)
        #expect(onGrid.crs == .webMercator && onGrid.resolution.x == 400)
        let chip = try GridGeoSampler(onGrid, size: 40).chips(epoch: 0)[3]
        let s = try onGrid.sample(bounds: chip)
        let want = try Tool.raw("gdalwarp", ["-r", "bilinear"] + Tool.scaleArgs(rgb, s.grid) + Tool.gridArgs(s.grid) + [rgb], type: "Float32", in: c.dir)
        #expect(Tool.maxRelativeError(Array(try s.image!.doubles()[0..<3 * 1600]), want) <= 1e-4)
        #expect(abs((chip.minX - target.transform.originX) / 400 - ((chip.minX - target.transform.originX) / 400).rounded()) < 1e-6)
    }

    /// Unions fill one dataset's gaps with the other; overlapping files mosaic first-wins or nodata-aware; a
    /// user nodata fills areas without data.
    @Test(.enabled(if: SharedData.shouldRun)) func mosaicsUnionsAndNodata() throws {
        let c = try Crops("mosaic")
        defer { c.remove() }
        let rgb = try Real.rgb()
        // A: the scene's top-left (with its black nodata collar); B: overlapping A, bands reversed.
        try c.crop(rgb, "a.tif", x: 0, y: 0, w: 300, h: 300)
        try c.crop(rgb, "b.tif", x: 200, y: 200, w: 300, h: 300, bands: [3, 2, 1])
        let src = try Raster(path: rgb)
        let res = src.resolution
        let q = try src.grid.subgrid(PixelWindow(x: 150, y: 150, width: 200, height: 200))
        let want = try src.read(window: PixelWindow(x: 150, y: 150, width: 200, height: 200)).toArray(UInt8.self)
        let rev = try src.read(window: PixelWindow(x: 150, y: 150, width: 200, height: 200), bands: [3, 2, 1]).toArray(UInt8.self)
        for merge in [RasterDataset.MergeMethod.first, .firstValid] {
            let ds = try RasterDataset(paths: [c.dir.path], dtype: .uint8, merge: merge)
            #expect(ds.nodata == 0)
            let got = try ds.sample(bounds: q.bounds).image!.toArray(UInt8.self)
            var checked = 0
            for band in 0..<3 { for y in 0..<200 { for x in 0..<200 {
                let px = 150 + x, py = 150 + y, i = (band * 200 + y) * 200 + x
                let inA = px < 300 && py < 300, inB = px >= 200 && py >= 200 && px < 500 && py < 500
                let a = want[i], b = rev[i]
                let expected: UInt8
                if inA && (merge == .first || a != 0) { expected = a } else if inB { expected = b } else { expected = 0 }
                if got[i] != expected { checked = -1_000_000 }
                checked += 1
            } } }
            #expect(checked == 120_000, "\(merge)")
        }
        // A user nodata fills what no file covers.
        let nd = try RasterDataset(paths: [c.dir.appendingPathComponent("a.tif").path], nodata: 7, dtype: .uint8)
        let outside = BoundingBox(minX: q.bounds.minX, minY: q.bounds.minY, maxX: q.bounds.minX + 200 * res.x, maxY: q.bounds.maxY)
        let s = try nd.sample(bounds: outside).image!.toArray(UInt8.self)
        #expect(s[199 * 200 + 199] == 7 && s.count == 3 * 200 * 200)

        // Union: A ∪ B(bands reversed back to RGB order via band selection) — A's valid pixels, B elsewhere.
        let a = try RasterDataset(paths: [c.dir.appendingPathComponent("a.tif").path], dtype: .uint8)
        let b = try RasterDataset(paths: [c.dir.appendingPathComponent("b.tif").path], bands: ["3", "2", "1"], dtype: .uint8)
        let u = try UnionDataset(a, b)
        #expect(u.index.count == 2)
        let got = try u.sample(bounds: q.bounds).image!.toArray(UInt8.self)
        var mismatches = 0
        for band in 0..<3 { for y in 0..<200 { for x in 0..<200 {
            let px = 150 + x, py = 150 + y, i = (band * 200 + y) * 200 + x
            let inA = px < 300 && py < 300, inB = px >= 200 && py >= 200
            let expected: UInt8 = inA && want[i] != 0 ? want[i] : (inB ? want[i] : 0)
            if got[i] != expected { mismatches += 1 }
        } } }
        #expect(mismatches == 0)
    }
}
