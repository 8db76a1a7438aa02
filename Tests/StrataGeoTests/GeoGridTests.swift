import Testing
@testable import StrataGeo

@Suite struct GeoGridTests {
    let utm = try! CRS(epsg: 32618)

    @Test func sizeSnapsWithCeil() throws {
        let b = BoundingBox(minX: 0, minY: 0, maxX: 100.5, maxY: 50)
        let g = try GeoGrid(crs: utm, bounds: b, resolution: 10)
        #expect(g.width == 11 && g.height == 5)
        #expect(g.bounds == BoundingBox(minX: 0, minY: 0, maxX: 110, maxY: 50))
        // Floating-point noise does not add a column.
        let n = try GeoGrid(crs: utm, bounds: BoundingBox(minX: 0, minY: 0, maxX: 0.1 * 3, maxY: 0.3), resolution: 0.1)
        #expect(n.width == 3 && n.height == 3)
        let exact = try GeoGrid(crs: utm, bounds: b, width: 201, height: 100)
        #expect(exact.resolution.x == 0.5 && exact.resolution.y == 0.5)
        #expect(throws: GeoError.self) { try GeoGrid(crs: utm, bounds: b, resolution: 0) }
        #expect(throws: GeoError.self) { try GeoGrid(crs: utm, bounds: BoundingBox(minX: 1, minY: 0, maxX: 1, maxY: 5), resolution: 1) }
    }

    @Test func windowsAndSubgrids() throws {
        let g = GeoGrid(crs: utm, transform: GeoTransform(originX: 1000, originY: 2000, resX: 10, resY: 10), width: 100, height: 80)
        let w = g.window(covering: BoundingBox(minX: 1015, minY: 1900, maxX: 1100, maxY: 1985))
        #expect(w == PixelWindow(x: 1, y: 1, width: 9, height: 9))
        let s = g.subgrid(w)
        #expect(s.transform.originX == 1010 && s.transform.originY == 1990 && s.width == 9 && s.height == 9)
        #expect(g.window(of: s) == w)
        #expect(g.isAligned(with: s))
        // Half-pixel shift, other resolution or other CRS: not on the lattice.
        var shifted = s
        shifted.transform = GeoTransform(originX: 1015, originY: 1990, resX: 10, resY: 10)
        #expect(g.window(of: shifted) == nil)
        #expect(g.window(of: try s.resampled(to: 20)) == nil)
        var other = s
        other.crs = try CRS(epsg: 32619)
        #expect(g.window(of: other) == nil)
        // Windows beyond the grid are allowed (boundless reads).
        #expect(g.window(covering: BoundingBox(minX: 950, minY: 1990, maxX: 1005, maxY: 2020)) == PixelWindow(x: -5, y: -2, width: 6, height: 3))
        #expect(PixelWindow(x: -5, y: -2, width: 6, height: 3).intersection(g.fullWindow) == PixelWindow(x: 0, y: 0, width: 1, height: 1))
    }

    @Test func rotatedTransformRoundTrips() {
        let gt = GeoTransform([100, 2, 1, 500, 1, -2])
        #expect(!gt.isNorthUp)
        let w = gt.world(pixel: 3, line: 4)
        let p = gt.pixel(x: w.x, y: w.y)
        #expect(abs(p.px - 3) < 1e-12 && abs(p.py - 4) < 1e-12)
        #expect(abs(gt.resolution.x - 5.0.squareRoot()) < 1e-12)
    }
}
