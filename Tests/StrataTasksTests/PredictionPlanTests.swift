import Foundation
import StrataGeo
import StrataTestSupport
import Testing
@testable import StrataTasks

@Suite struct PredictionPlanTests {
    @Test func chipsStepByStrideAndTheLastOneMeetsTheEdge() {
        #expect(TileAxis.positions(length: 1000, chip: 256, stride: 192) == [0, 192, 384, 576, 744])
        #expect(TileAxis.positions(length: 256 + 192, chip: 256, stride: 192) == [0, 192], "an exact fit adds no extra chip")
        #expect(TileAxis.positions(length: 256, chip: 256, stride: 192) == [0])
        #expect(TileAxis.positions(length: 100, chip: 256, stride: 192) == [0], "smaller than a chip: one padded chip")
        #expect(TileAxis.positions(length: 257, chip: 256, stride: 192) == [0, 1])
    }

    /// Cosine weights: 1 on the scene's edges, 0 on a chip's inner border pixel, and neighbouring chips' weights
    /// sum to exactly 1 across their overlap (a partition of unity), so the blend is a weighted mean.
    @Test func cosineWeightsPartitionUnityAndVanishOnInnerBorders() {
        let xs = TileAxis.positions(length: 700, chip: 128, stride: 96)
        let w = BlendWeights.axis(.cosine, xs, 128, 700)
        #expect(w[0][0] == 1 && w.last!.last! == 1, "no taper on the scene's edges")
        #expect(w[0][127] == 0 && w[1][0] == 0 && w[1][127] == 0)
        for x in 0..<700 {
            var sum: Float = 0
            for (i, p) in xs.enumerated() where x >= p && x < p + 128 { sum += w[i][x - p] }
            #expect(sum > 0.999 && sum < 1.001 || xs.filter({ x >= $0 && x < $0 + 128 }).count > 2, "x = \(x): sum \(sum)")
            #expect(sum > 0)
        }
        let g = BlendWeights.axis(.gaussian(sigma: 0.125), xs, 128, 700)
        #expect(g[0].allSatisfy { $0 > 0 } && abs(g[0][63] - g[0][64]) < 1e-6)
    }

    /// Column blocks split the output columns exactly once, start on 256-pixel boundaries, and each block holds every
    /// chip that touches its columns.
    @Test func columnBlocksPartitionTheSceneAndCarryTheirChips() throws {
        let p = try SegmentationPlan(width: 3000, height: 500, chipH: 256, chipW: 256, overlap: 64, maxBlockWidth: 1000)
        #expect(p.blocks.map(\.outX.count) == [768, 768, 768, 696], "1000 px rounds down to 3 × 256")
        var seen = [Int](repeating: 0, count: 3000)
        for b in p.blocks {
            #expect(b.outX.lowerBound % 256 == 0)
            for x in b.outX { seen[x] += 1 }
            for (i, x) in p.xs.enumerated() where x < b.outX.upperBound && x + 256 > b.outX.lowerBound {
                #expect(b.tileCols.contains(i))
            }
            #expect(b.accX <= b.outX.lowerBound && b.accX + b.accWidth >= b.outX.upperBound)
        }
        #expect(seen.allSatisfy { $0 == 1 })
        #expect(p.tiles.count == p.blocks.reduce(0) { $0 + $1.tileCols.count } * p.ys.count)
        #expect(p.tiles.filter(\.endsBlock).count == 4)
        let one = try SegmentationPlan(width: 3000, height: 500, chipH: 256, chipW: 256, overlap: 64, maxBlockWidth: 10_000)
        #expect(one.blocks.count == 1 && one.maxAccWidth == 3000)
        #expect(throws: PredictionError.self) { try SegmentationPlan(width: 10, height: 10, chipH: 64, chipW: 64, overlap: 64, maxBlockWidth: 100) }
    }

    @Test func sceneWindowsAreCentredOnTheirCells() throws {
        let p = try ScenePlan(width: 100, height: 70, window: [48, 48], stride: [32, 32])
        #expect(p.cols == 4 && p.rows == 3)
        #expect(p.window(cell: 0) == PixelWindow(x: -8, y: -8, width: 48, height: 48))
        #expect(p.window(cell: 5) == PixelWindow(x: 24, y: 24, width: 48, height: 48))
        let g = GeoGrid(crs: .wgs84, transform: GeoTransform(originX: 2, originY: 49, resX: 0.001, resY: 0.001), width: 100, height: 70)
        let out = p.outputGrid(scene: g)
        #expect(out.width == 4 && out.height == 3)
        #expect(out.transform.coefficients == [2, 0.032, 0, 49, 0, -0.032])
    }

    /// Ellipsoidal pixel areas on a geographic grid agree with the planar area of the same cells in an equal-area
    /// projection (ETRS89-LAEA, EPSG:3035), computed through PROJ with densified edges.
    @Test func geographicPixelAreasMatchAnEqualAreaProjection() throws {
        let g = GeoGrid(crs: .wgs84, transform: GeoTransform(originX: 2.0, originY: 49.0, resX: 0.05, resY: 0.05), width: 4, height: 3)
        let area = try PixelArea(grid: g)
        #expect(area.method == .ellipsoidal)
        let laea = try CRS(epsg: 3035)
        for row in 0..<3 {
            let top = 49.0 - 0.05 * Double(row), bottom = top - 0.05, left = 2.0, right = 2.05
            var ring: [(x: Double, y: Double)] = []
            let n = 50
            for i in 0..<n { ring.append((left + (right - left) * Double(i) / Double(n), bottom)) }
            for i in 0..<n { ring.append((right, bottom + (top - bottom) * Double(i) / Double(n))) }
            for i in 0..<n { ring.append((right - (right - left) * Double(i) / Double(n), top)) }
            for i in 0..<n { ring.append((left, top - (top - bottom) * Double(i) / Double(n))) }
            let p = try CRS.wgs84.transform(points: ring, to: laea)
            var s = 0.0
            for i in p.indices { let j = (i + 1) % p.count; s += p[i].x * p[j].y - p[j].x * p[i].y }
            let reference = abs(s) / 2
            #expect(abs(area.squareMetres(row: row) - reference) / reference < 1e-5, "row \(row): \(area.squareMetres(row: row)) vs \(reference)")
        }
        let utm = GeoGrid(crs: try CRS(epsg: 32631), transform: GeoTransform(originX: 400000, originY: 5400000, resX: 10, resY: 10), width: 2, height: 2)
        let planar = try PixelArea(grid: utm)
        #expect(planar.method == .planar && planar.squareMetres(row: 1) == 100)
    }

    @Test func paletteUsesConventionalColoursForCommonNames() {
        let c = ClassPalette.colors(for: ["Water", "Forest", "no change", "change", "thing"])
        #expect(c[0] == RGBA(30, 100, 200) && c[1] == RGBA(20, 110, 40))
        #expect(c[2] == RGBA(40, 40, 40) && c[3] == RGBA(230, 30, 30))
        #expect(c[4] == ClassPalette.qualitative[0])
        #expect(ClassPalette.hex(RGBA(1, 171, 255)) == "#01abff")
    }

    @Test func bitmapFontDrawsKnownGlyphPixels() {
        var planes = [UInt8](repeating: 255, count: 3 * 12 * 7)
        BitmapFont.draw("L1", x: 0, y: 0, scale: 1, color: (0, 0, 0), into: &planes, width: 12, height: 7)
        // "L": a full left column and a full bottom row.
        for y in 0..<7 { #expect(planes[y * 12] == 0) }
        for x in 0..<5 { #expect(planes[6 * 12 + x] == 0) }
        #expect(planes[0 * 12 + 1] == 255)
        // "1" starts at x = 6: its top pixel is in the glyph's middle column.
        #expect(planes[6 + 2] == 0 && planes[6] == 255)
        #expect(BitmapFont.glyph("a") == BitmapFont.glyph("A") && BitmapFont.glyph("§") == BitmapFont.glyph("?"))
    }
}
