import Foundation
import Testing
import StrataTensor
import StrataTestSupport
import StrataGeo
@testable import StrataData

/// The same crop/flip/rotation on both dates and every mask: after augmentation date B − date A is still the
/// constant offset it was built with at every pixel, and the masks still equal the functions of date A they were
/// built from — which fails as soon as one of them is moved differently.
@Suite struct PairAugmentationTests {
    static func pair() throws -> ChangeSample {
        let a = try Tensor.arange(0, 2 * 12 * 12, step: 1).reshape([2, 12, 12]).to(.float32)
        let b = try a + 1000
        let change = try a.select(dim: 0, index: 0).remainder(3).eq(0).to(.int64)
        let sem = try a.select(dim: 0, index: 0).remainder(7).to(.int64)
        let geo = ChipGeoreference(crs: try CRS(epsg: 32631), bounds: BoundingBox(minX: 0, minY: 0, maxX: 120, maxY: 120))
        return ChangeSample(imageA: a, imageB: b, change: change, semanticA: sem, semanticB: sem, georeference: geo,
                            bandNames: ["x", "y"], index: 0, id: "synthetic")
    }

    @Test func bothDatesAndMasksMoveTogether() throws {
        let aug = try PairAugmentation(crop: 8)
        var draws = Set<String>()
        for seed in UInt64(0)..<24 {
            let s = try aug.apply(Self.pair(), seed: seed)
            #expect(s.imageA.shape == [2, 8, 8] && s.change.shape == [8, 8] && s.semanticB?.shape == [8, 8])
            #expect(try (s.imageB - s.imageA).eq(1000).all().item() != 0)
            let first = try s.imageA.select(dim: 0, index: 0)
            #expect(try s.change.eq(first.remainder(3).eq(0).to(.int64)).all().item() != 0)
            #expect(try s.semanticA!.eq(first.remainder(7).to(.int64)).all().item() != 0)
            #expect(try s.semanticB!.eq(s.semanticA!).all().item() != 0)
            draws.insert("\(try s.imageA.sum().item()) \(try first.select(dim: 0, index: 0).select(dim: 0, index: 0).item())")
            // Same seed, same augmentation.
            let again = try aug.apply(Self.pair(), seed: seed)
            #expect(try (again.imageA - s.imageA).abs().max().item() == 0)
        }
        #expect(draws.count > 8, "24 seeds gave only \(draws.count) distinct crops/orientations")
    }

    /// A crop without flips keeps the pixels of its window and the window's bounds (10 m pixels, north-up).
    @Test func cropKeepsItsBounds() throws {
        let aug = try PairAugmentation(crop: 4, horizontalFlip: false, verticalFlip: false, rotate90: false)
        let s = try aug.apply(Self.pair(), seed: 5)
        let a = try s.imageA.select(dim: 0, index: 0)
        let top = try a.select(dim: 0, index: 0).select(dim: 0, index: 0).itemInt()
        let (row, col) = (top / 12, top % 12)
        let b = try #require(s.georeference?.bounds)
        #expect(b == BoundingBox(minX: Double(col) * 10, minY: 120 - Double(row + 4) * 10,
                                 maxX: Double(col + 4) * 10, maxY: 120 - Double(row) * 10))
        #expect(s.georeference?.crs?.epsg == 32631)
    }

    /// The stacked form (`[2C, H, W]` + change mask) gets the same treatment through the loader transform.
    @Test func stackedChipTransform() throws {
        let p = try Self.pair()
        let chip = ChipSample(image: try Tensor.cat([p.imageA, p.imageB], dim: 0), label: .single(0), mask: p.change,
                              bandNames: ["x", "y", "x@2", "y@2"], index: 0, id: "synthetic")
        let t = try PairAugmentation(crop: 6).chipTransform(channelsPerDate: 2)
        let out = try t(chip, 11)
        #expect(out.image.shape == [4, 6, 6] && out.mask?.shape == [6, 6])
        let a = try out.image.narrow(dim: 0, start: 0, length: 2), b = try out.image.narrow(dim: 0, start: 2, length: 2)
        #expect(try (b - a).eq(1000).all().item() != 0)
        #expect(throws: TransformError.self) { try PairAugmentation(crop: 6).chipTransform(channelsPerDate: 3)(chip, 0) }
    }

    @Test func badSettingsAreClearErrors() throws {
        #expect(throws: TransformError.self) { try PairAugmentation(crop: 0) }
        #expect(throws: TransformError.self) { try PairAugmentation(crop: 20).apply(Self.pair(), seed: 0) }
        var p = try Self.pair()
        p.change = try p.change.narrow(dim: 0, start: 0, length: 5)
        #expect(throws: TransformError.self) { try PairAugmentation().apply(p, seed: 0) }
    }
}
