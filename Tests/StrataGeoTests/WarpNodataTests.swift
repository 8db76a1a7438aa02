import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataGeo

/// Both warp set-ups (training's `WindowReader(warping:)`, prediction's `Raster.read(onto:)`) honour each band's own
/// nodata, built by the one `WarpOptions` builder: on a raster whose bands have different nodata (−9999 and 0),
/// averaging onto a 20 m grid skips each band's missing pixels and fills blocks without data with that band's
/// nodata. Applying band 1's nodata to band 2 (the old training reader) averages band 2's zeros in (e.g. 502
/// instead of 1004 in the first block).
@Suite struct WarpNodataTests {
    static func target() throws -> GeoGrid {
        let n = MultiNodataRaster.size, r = MultiNodataRaster.resolution
        let box = BoundingBox(minX: MultiNodataRaster.originX, minY: MultiNodataRaster.originY - Double(n) * r,
                              maxX: MultiNodataRaster.originX + Double(n) * r, maxY: MultiNodataRaster.originY)
        return try GeoGrid(crs: try CRS("EPSG:32631"), bounds: box, resolution: 2 * r)
    }

    @Test func eachBandsNodataIsRespectedWhenWarping() throws {
        let dir = try SharedData.tempDir("warp-nodata")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try MultiNodataRaster.write(in: dir)
        let grid = try Self.target()
        let expected = (0..<2).map { MultiNodataRaster.blockAverages(band: $0) }
        #expect(expected[1][0] == 1004, "the fixture's first block has two band-2 nodata pixels")

        // Prediction's path.
        let raster = try Raster(path: path)
        #expect(raster.bands.map(\.nodata) == [-9999, 0])
        let predicted = try raster.read(onto: grid, resampling: .average, as: .float32).toArray(Float.self).map(Double.init)
        #expect(Array(predicted[0..<16]) == expected[0])
        #expect(Array(predicted[16..<32]) == expected[1])

        // Training's path: a warping reader (float32 working type, as RasterDataset builds it).
        let reader = try WindowReader(warping: path, onto: grid, bands: [1, 2], resampling: .average, workingType: .float32)
        #expect(reader.nodata == [-9999, 0])
        let chip = try Tensor.zeros([2, grid.height, grid.width])
        try reader.read(bands: [1, 2], window: (0, 0, Double(grid.width), Double(grid.height)),
                        into: try ChipBuffer(tensor: chip), resampling: .average)
        let trained = try chip.toArray(Float.self).map(Double.init)
        #expect(Array(trained[0..<16]) == expected[0])
        #expect(Array(trained[16..<32]) == expected[1])
    }

    /// A chip lying wholly outside the raster starts from each band's own nodata.
    @Test func uncoveredChipsAreFilledPerBand() throws {
        let dir = try SharedData.tempDir("warp-nodata-fill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try MultiNodataRaster.write(in: dir)
        let grid = try Self.target()
        let reader = try WindowReader(warping: path, onto: grid, bands: [1, 2], resampling: .average, workingType: .float32)
        let chip = try Tensor.full([2, 2, 2], 7)
        try reader.read(bands: [1, 2], window: (100, 100, 2, 2), into: try ChipBuffer(tensor: chip), resampling: .average)
        #expect(try chip.toArray(Float.self) == [-9999, -9999, -9999, -9999, 0, 0, 0, 0])
    }
}
