import Foundation
import Testing
import StrataTensor
import StrataTestSupport
import StrataGeo
@testable import StrataData

/// OSCD read from the real per-band files of `../shared/data/oscd` (7 of the official train cities), against the
/// 13-band 10 m stacks in `oscd/derived` (made independently with GDAL, nearest resampling) and the `cm` labels.
@Suite struct OSCDTests {
    static func derived(_ name: String) throws -> Tensor {
        try readAll(SharedData.path("oscd/derived/\(name)_13band_10m.tif"), as: .float32)
    }

    static func readAll(_ path: String, as type: PixelType = .native) throws -> Tensor {
        let r = try Raster(path: path)
        return try r.read(window: PixelWindow(width: r.width, height: r.height), as: type)
    }

    /// Paris: both dates equal the derived stacks band for band (20/60 m bands repeated by nearest neighbour onto
    /// the 10 m grid), the change mask counts the label's 2s, CRS and bounds are date 1's B02's.
    @Test(.enabled(if: SharedData.shouldRun)) func parisEqualsTheDerivedStacks() throws {
        let ds = try OSCD(root: SharedData.path("oscd"), cities: ["paris"])
        #expect(ds.count == 1 && ds.bandNames.count == 13)
        let s = try ds.sample(at: 0)
        #expect(s.id == "paris" && s.imageA.shape == [13, 408, 390] && s.imageB.shape == [13, 408, 390])
        #expect(try ModelsLike.maxAbsDiff(s.imageA, Self.derived("paris_t1")) == 0)
        #expect(try ModelsLike.maxAbsDiff(s.imageB, Self.derived("paris_t2")) == 0)
        let cm = try Self.readAll(SharedData.path("oscd/train_labels/paris/cm/paris-cm.tif"))
        #expect(try s.change.sum().itemInt() == (try cm.eq(2).sum().itemInt()))
        #expect(try s.change.sum().itemInt() > 0)
        let b02 = try Raster(path: ds.cities[0].dateA[1])
        let geo = try #require(s.georeference)
        #expect(geo.bounds == b02.bounds)
        #expect(geo.crs?.epsg == 4326)
    }

    /// Hong Kong's date 2 is 2 px smaller over the same extent (same origin): it comes onto date 1's 540 × 695 grid,
    /// each pixel from the pixel of the band's own file under its centre — the nearest-neighbour mapping computed
    /// here from the two grids, band by band (10, 20 and 60 m files alike).
    @Test(.enabled(if: SharedData.shouldRun)) func hongKongDate2IsAlignedOntoDate1() throws {
        let ds = try OSCD(root: SharedData.path("oscd"), cities: ["hongkong"])
        let s = try ds.sample(at: 0)
        #expect(s.imageA.shape == [13, 695, 540] && s.imageB.shape == [13, 695, 540] && s.change.shape == [695, 540])
        #expect(try Self.derived("hongkong_t2").shape == [13, 693, 538])
        let g1 = try ds.grid(at: 0)
        func index(_ n: Int, _ r1: Double, _ r2: Double, _ limit: Int) -> [Int64] {
            (0..<n).map { Int64(min(limit - 1, Int((Double($0) + 0.5) * abs(r1) / abs(r2)))) }
        }
        for (b, path) in ds.cities[0].dateB.enumerated() {
            let r = try Raster(path: path)
            let g = try r.grid
            #expect(g.transform.originX == g1.transform.originX && g.transform.originY == g1.transform.originY)
            let native = try Self.readAll(path, as: .float32).squeeze(dim: 0)
            let rows = try Tensor(index(695, g1.resolution.y, r.resolution.y, r.height))
            let cols = try Tensor(index(540, g1.resolution.x, r.resolution.x, r.width))
            let expected = try native.indexSelect(dim: 0, index: rows).indexSelect(dim: 1, index: cols)
            let equal = try s.imageB.select(dim: 0, index: b).eq(expected).to(.float64).mean().item()
            #expect(equal > 0.995, "band \(OSCD.bands[b]): share equal to the nearest-neighbour mapping \(equal)")
        }
        #expect(try ModelsLike.maxAbsDiff(s.imageA, Self.derived("hongkong_t1")) == 0)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func splitsAndErrors() throws {
        let root = try SharedData.path("oscd")
        let all = try OSCD(root: root)
        #expect((0..<all.count).map(all.id) == ["aguasclaras", "bercy", "bordeaux", "hongkong", "nantes", "paris",
                                                  "rennes"])
        // The official train list names 14 cities; only 7 are here: a clear error naming the absent ones.
        do {
            _ = try OSCD(root: root, split: .train)
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.message.contains("abudhabi") && e.message.contains("cities:"))
        }
        #expect(throws: DatasetError.self) { try OSCD(root: root, split: .val) }
        #expect(throws: DatasetError.self) { try OSCD(root: root, cities: ["atlantis"]) }
        #expect(throws: DatasetError.self) { try OSCD(root: try SharedData.tempDir().path) }
    }
}

/// Small tensor comparisons for these tests.
enum ModelsLike {
    static func maxAbsDiff(_ a: Tensor, _ b: Tensor) throws -> Double {
        guard a.shape == b.shape else { return .infinity }
        return try (a.to(.float64) - b.to(.float64)).abs().max().item()
    }
}
