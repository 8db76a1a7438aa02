import Testing
import StrataGeo
import StrataTensor
@testable import StrataData

@Suite struct GeoBatchTransformTests {
    @Test func transformsKeepGeoreferenceAndAreReproduciblePerBatch() throws {
        Runtime.manualSeed(5)
        let image = try Tensor.rand([3, 2, 8, 8])
        let boxes = (0..<3).map { BoundingBox(minX: Double($0) * 80, minY: 0, maxX: Double($0) * 80 + 80, maxY: 80) }
        let crs = try CRS(epsg: 32631)
        let pipeline = Compose([try AppendSpectralIndices([.ndvi], bands: [.nir: "n", .red: "r"]), try RandomHorizontalFlip(), RandomRot90()])
        let b0 = GeoBatch(index: 0, image: image, mask: try image.argmax(dim: 1), crs: crs, bounds: boxes, bandNames: ["r", "n"])
        let b1 = GeoBatch(index: 1, image: image, mask: b0.mask, crs: crs, bounds: boxes, bandNames: ["r", "n"])
        let t0 = try b0.transformed(by: pipeline, seed: 1)
        #expect(t0.bandNames == ["r", "n", "NDVI"] && t0.image!.shape == [3, 3, 8, 8])
        #expect(t0.crs == crs && t0.bounds == boxes && t0.index == 0)
        #expect(try t0.image!.narrow(dim: 1, start: 0, length: 2).argmax(dim: 1).equal(t0.mask!))
        // same seed, batch and epoch: identical; another batch index or epoch: another stream
        #expect(try b0.transformed(by: pipeline, seed: 1).image!.equal(t0.image!))
        #expect(try !b1.transformed(by: pipeline, seed: 1).image!.equal(t0.image!))
        #expect(try !b0.transformed(by: pipeline, seed: 1, epoch: 1).image!.equal(t0.image!))
        let noImage = GeoBatch(index: 2, image: nil, mask: b0.mask, crs: crs, bounds: boxes, bandNames: [])
        #expect(throws: TransformError.self) { try noImage.transformed(by: pipeline, seed: 1) }
    }
}

@Suite struct ChipBatchTransformTests {
    @Test func loaderBatchTransformUsesTheLoaderSeedAndKeepsLabels() throws {
        Runtime.manualSeed(6)
        let image = try Tensor.rand([4, 2, 6, 6])
        let batch = ChipBatch(index: 3, image: image, label: try Tensor([0, 1, 2, 1]), mask: try image.argmax(dim: 1),
                              indices: [7, 8, 9, 10], ids: ["a", "b", "c", "d"],
                              georeferences: [nil, nil, nil, nil], bandNames: ["r", "n"])
        let pipeline = Compose([try AppendSpectralIndices([.ndvi], bands: [.nir: "n", .red: "r"]), try RandomVerticalFlip(), RandomRot90()])
        let f = pipeline.chipBatchTransform
        let out = try f(batch, 42)
        let direct = try pipeline.apply(try TransformBatch(image: image, mask: batch.mask, bandNames: ["r", "n"]), seed: 42)
        #expect(try out.image.equal(direct.image) && out.mask!.equal(direct.mask!))
        #expect(out.bandNames == ["r", "n", "NDVI"] && out.ids == batch.ids && out.index == 3)
        #expect(try out.label.equal(batch.label))
        #expect(try out.image.narrow(dim: 1, start: 0, length: 2).argmax(dim: 1).equal(out.mask!))
    }
}
