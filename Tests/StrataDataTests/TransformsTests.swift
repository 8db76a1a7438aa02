import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataData

/// Transforms checked against NumPy values (scripts/fixtures/transforms.py) and hand-computed small tensors.
@Suite struct TransformsTests {
    struct Fixture: Decodable {
        struct Batch: Decodable { let shape: [Int]; let values: [Double] }
        struct OptBatch: Decodable { let shape: [Int]; let values: [Double?] }
        struct Stats: Decodable { let count: [Int]; let mean, std, min, max, p2, p50, p98: [Double] }
        struct FloatStats: Decodable { let count: [Int]; let mean, std, min, max, p5, p95: [Double] }
        struct Percentile: Decodable { let shape: [Int]; let values, expected: [Double] }
        let bands: [String]
        let dn_shape: [Int]
        let dn: [Double]
        let indices: [String: [Double]]
        let stat_batches: [Batch]
        let stats: Stats
        let float_batch: OptBatch
        let float_stats: FloatStats
        let percentile_image: Percentile
    }
    static let fx: Fixture = {
        let url = SharedData.fixtures("StrataDataTests").appendingPathComponent("transforms.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    // MARK: spectral indices

    @Test func spectralIndicesMatchNumpyFormulas() throws {
        let fx = Self.fx
        let image = try Tensor(fx.dn, shape: fx.dn_shape)  // float64: compare to 1e-12
        let t = try AppendSpectralIndices(SpectralIndex.allCases, scale: 1e-4)
        let out = try t.apply(try TransformBatch(image: image, bandNames: fx.bands))
        #expect(out.image.shape == [2, 13 + 14, 5, 6])
        #expect(out.bandNames == fx.bands + SpectralIndex.allCases.map(\.name))
        #expect(try out.image.narrow(dim: 1, start: 0, length: 13).doubles() == fx.dn)
        for (k, idx) in SpectralIndex.allCases.enumerated() {
            let got = try out.image.select(dim: 1, index: 13 + k).doubles()
            let want = try #require(fx.indices[idx.name])
            let worst = zip(got, want).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-12, "\(idx.name): max relative error \(worst)")
        }
        // float32 input stays float32 and agrees to float32 precision
        let out32 = try AppendSpectralIndices([.ndvi, .ndwi]).apply(try TransformBatch(image: try image.to(.float32), bandNames: fx.bands))
        #expect(out32.image.dtype == .float32)
        let ndvi = try out32.image.select(dim: 1, index: 13).doubles()
        #expect(zip(ndvi, fx.indices["NDVI"]!).allSatisfy { abs($0 - $1) < 1e-6 })
        // the all-zero pixel gives 0, not NaN
        #expect(try out.image.isnan().any().item() == 0)
    }

    @Test func spectralIndicesFindBandsByNameAndExplainMissingOnes() throws {
        let fx = Self.fx
        let image = try Tensor(fx.dn, shape: fx.dn_shape)
        // only B03, B04, B08 under custom names, in another order
        let pick = try Tensor.cat([7, 2, 3].map { try image.narrow(dim: 1, start: $0, length: 1) }, dim: 1)
        let b = try TransformBatch(image: pick, bandNames: ["nir_custom", "G", "Rouge"])
        let ndvi = try AppendSpectralIndices([.ndvi, .gndvi], bands: [.nir: "nir_custom", .red: "rouge", .green: "g"], scale: 1e-4).apply(b)
        #expect(ndvi.bandNames == ["nir_custom", "G", "Rouge", "NDVI", "GNDVI"])
        let got = try ndvi.image.select(dim: 1, index: 3).doubles()
        #expect(zip(got, fx.indices["NDVI"]!).allSatisfy { abs($0 - $1) < 1e-12 })
        let gndvi = try ndvi.image.select(dim: 1, index: 4).doubles()
        #expect(zip(gndvi, fx.indices["GNDVI"]!).allSatisfy { abs($0 - $1) < 1e-12 })

        func message(_ body: () throws -> Void) -> String { do { try body(); return "" } catch { return "\(error)" } }
        let noSwir = try TransformBatch(image: try image.narrow(dim: 1, start: 0, length: 11), bandNames: Array(fx.bands.prefix(11)))
        let m = message { _ = try AppendSpectralIndices([.ndvi, .mndwi]).apply(noSwir) }
        #expect(m.contains("MNDWI needs the swir1 band") && m.contains("B11") && m.contains("B09"), "\(m)")
        let unnamed = try TransformBatch(image: image)
        #expect(message { _ = try AppendSpectralIndices([.ndvi]).apply(unnamed) }.contains("needs band names"))
        #expect(throws: TransformError.self) { try AppendSpectralIndices([]) }
    }

    // MARK: statistics and normalisation

    @Test func streamingBandStatisticsMatchNumpy() throws {
        let fx = Self.fx
        let h = BandStatistics.Histogram(lower: 0, upper: 2048, bins: 2048)
        let batches = try fx.stat_batches.map { try Tensor($0.values.map(Int.init), shape: $0.shape) }
        let s = try BandStatistics.compute(batches, bands: 3, nodata: 0, histogram: h)
        #expect(s.count == fx.stats.count)
        for c in 0..<3 {
            #expect(abs(s.mean[c] - fx.stats.mean[c]) < 1e-9)
            #expect(abs(s.std[c] - fx.stats.std[c]) < 1e-9)
            #expect(s.min[c] == fx.stats.min[c] && s.max[c] == fx.stats.max[c])
        }
        // integer data, unit bins: percentiles are exact
        #expect(zip(try s.percentile(2), fx.stats.p2).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(try s.percentile(50), fx.stats.p50).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(try s.percentile(98), fx.stats.p98).allSatisfy { abs($0 - $1) < 1e-9 })
        // batching does not matter: one concatenated batch, and single chips
        let one = try BandStatistics.compute([try Tensor.cat(batches, dim: 0)], bands: 3, nodata: 0, histogram: h)
        #expect(one.count == s.count && one.histogramCounts == s.histogramCounts)
        #expect(zip(one.mean, s.mean).allSatisfy { abs($0 - $1) < 1e-9 })
        let chips = try batches.flatMap { b in try (0..<b.size(0)).map { try b.select(dim: 0, index: $0) } }
        let perChip = try BandStatistics.compute(chips, bands: 3, nodata: 0)
        #expect(zip(perChip.std, s.std).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(throws: TransformError.self) { try perChip.percentile(50) }
    }

    @Test func floatStatisticsSkipNaNs() throws {
        let fx = Self.fx
        let x = try Tensor(fx.float_batch.values.map { $0 ?? .nan }, shape: fx.float_batch.shape)
        let h = BandStatistics.Histogram(lower: 0, upper: 0.5, bins: 5000)
        var s = try BandStatistics(bands: 2, histogram: h)
        try s.update(try x.narrow(dim: 0, start: 0, length: 2))
        try s.update(try x.narrow(dim: 0, start: 2, length: 3))
        let e = fx.float_stats
        #expect(s.count == e.count)
        for c in 0..<2 {
            #expect(abs(s.mean[c] - e.mean[c]) < 1e-12 && abs(s.std[c] - e.std[c]) < 1e-12)
            #expect(s.min[c] == e.min[c] && s.max[c] == e.max[c])
        }
        // float data: percentiles within a bin width (1e-4)
        #expect(zip(try s.percentile(5), e.p5).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(try s.percentile(95), e.p95).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func normaliseMinMaxAndPercentileClip() throws {
        // hand-checked: band 0 = [1, 3], band 1 = [10, 30]
        let x = try TransformBatch(image: try Tensor([1, 3, 10, 30] as [Float], shape: [1, 2, 1, 2]))
        #expect(try Normalize(mean: [2, 20], std: [1, 10]).apply(x).image.floats() == [-1, 1, -1, 1])
        #expect(try MinMaxScale(min: [0, 10], max: [4, 20]).apply(x).image.floats() == [0.25, 0.75, 0, 1])
        #expect(try MinMaxScale(min: [0, 10], max: [4, 20], clamp: false).apply(x).image.floats() == [0.25, 0.75, 0, 2])
        #expect(try PercentileClip(.dataset(low: [2, 0], high: [3, 20])).apply(x).image.floats() == [0, 1, 0.5, 1])
        #expect(try PercentileClip(.dataset(low: [2, 0], high: [3, 20]), rescale: false).apply(x).image.floats() == [2, 3, 10, 20])
        // integer images become float
        let xi = try TransformBatch(image: try Tensor([1, 3, 10, 30], shape: [1, 2, 1, 2]))
        #expect(try Normalize(mean: [2, 20], std: [1, 10]).apply(xi).image.dtype == .float32)
        // from statistics
        var st = try BandStatistics(bands: 2)
        try st.update(x.image)
        #expect(try Normalize(st).apply(x).image.floats() == [-1, 1, -1, 1])
        // per-image 2–98 % stretch vs NumPy
        let p = Self.fx.percentile_image
        let out = try PercentileClip(.perImage(lower: 2, upper: 98)).apply(try TransformBatch(image: try Tensor(p.values.map(Float.init), shape: p.shape)))
        #expect(zip(try out.image.doubles(), p.expected).allSatisfy { abs($0 - $1) < 1e-5 })
        // bad configurations
        #expect(throws: TransformError.self) { try Normalize(mean: [0], std: [0]) }
        #expect(throws: TransformError.self) { try Normalize(mean: [0, 1], std: [1]) }
        #expect(throws: TransformError.self) { try Normalize(mean: [0, 0, 0], std: [1, 1, 1]).apply(x) }
        #expect(throws: TransformError.self) { try MinMaxScale(min: [1], max: [1]) }
        #expect(throws: TransformError.self) { try PercentileClip(.perImage(lower: 50, upper: 10)) }
    }

    // MARK: augmentations

    /// A batch whose mask is the argmax of the image channels, so geometric consistency is checkable.
    func labelled(_ n: Int = 6, _ h: Int = 8, _ w: Int = 8) throws -> TransformBatch {
        Runtime.manualSeed(3)
        let image = try Tensor.rand([n, 4, h, w])
        return try TransformBatch(image: image, mask: try image.argmax(dim: 1), bandNames: ["a", "b", "c", "d"])
    }
    func consistent(_ b: TransformBatch) throws -> Bool {
        try b.image.argmax(dim: 1).equal(b.mask!)
    }

    @Test func flipsAndRotationsKeepImageAndMaskAligned() throws {
        let b = try labelled()
        let all = try RandomHorizontalFlip(p: 1).apply(b)
        #expect(try all.image.equal(try b.image.flip([3])) && all.mask!.equal(try b.mask!.flip([2])))
        let none = try RandomVerticalFlip(p: 0).apply(b)
        #expect(try none.image.equal(b.image))
        for seed in 0..<5 as Range<UInt64> {
            for t in [try RandomHorizontalFlip() as any BatchTransform, try RandomVerticalFlip(), RandomRot90()] {
                let out = try t.apply(b, seed: seed)
                #expect(try consistent(out))
                #expect(out.image.shape == b.image.shape)
            }
        }
        // each sample is one of its four rotations, and not all the same one
        let r = try RandomRot90().apply(b, seed: 11)
        var ks: [Int] = []
        for i in 0..<6 {
            let s = try b.image.select(dim: 0, index: i), o = try r.image.select(dim: 0, index: i)
            let k = try (0..<4).first { try s.rot90($0, dims: [1, 2]).equal(o) }
            #expect(k != nil)
            ks.append(k ?? -1)
        }
        #expect(Set(ks).count > 1)
        // a [B, K, H, W] mask follows too
        let multi = try TransformBatch(image: b.image, mask: try b.mask!.unsqueeze(1))
        #expect(try RandomRot90().apply(multi, seed: 11).mask!.squeeze(dim: 1).equal(r.mask!))
        #expect(throws: TransformError.self) { try RandomRot90().apply(try labelled(2, 4, 6)) }
    }

    @Test func randomResizedCropKeepsMaskConsistentAndSamplesValidBoxes() throws {
        let b = try labelled(6, 16, 16)
        let nearest = try RandomResizedCrop(scale: 0.2...1, imageInterpolation: .nearest)
        for seed in 0..<5 as Range<UInt64> {
            let out = try nearest.apply(b, seed: seed)
            #expect(out.image.shape == [6, 4, 16, 16] && out.mask!.shape == [6, 16, 16])
            #expect(out.mask!.dtype == .int64)
            #expect(try consistent(out))
        }
        let resized = try RandomResizedCrop(size: (8, 12)).apply(b, seed: 1)
        #expect(resized.image.shape == [6, 4, 8, 12] && resized.mask!.shape == [6, 8, 12])
        // the whole chip at the same size is the identity, even bilinear
        let whole = try RandomResizedCrop(scale: 1...1, ratio: 1...1).apply(b, seed: 4)
        #expect(try whole.image.allClose(b.image, atol: 1e-6) && whole.mask!.equal(b.mask!))
        // crop boxes: inside the chip, area and aspect within the requested ranges
        let t = try RandomResizedCrop(scale: 0.25...0.5, ratio: 0.5...2)
        var rng = TransformRNG(seed: 9)
        for _ in 0..<200 {
            let box = t.cropBox(40, 60, &rng)
            #expect(box.top >= 0 && box.left >= 0 && box.top + box.height <= 40 && box.left + box.width <= 60)
            let area = Double(box.height * box.width) / 2400, aspect = Double(box.width) / Double(box.height)
            #expect(area > 0.2 && area < 0.56, "area \(area)")
            #expect(aspect > 0.45 && aspect < 2.2, "aspect \(aspect)")
        }
    }

    @Test func brightnessContrastIsAPerBandAffineMapAndLeavesMasks() throws {
        let b = try labelled(3, 8, 8)
        #expect(try RandomBrightnessContrast(brightness: 0, contrast: 0).apply(b).image.allClose(b.image, atol: 1e-6))
        let out = try RandomBrightnessContrast(brightness: 0.2, contrast: 0.3).apply(b, seed: 5)
        #expect(try out.mask!.equal(b.mask!))
        let x = try b.image.to(.float64), y = try out.image.to(.float64)
        let mx = try x.mean(dims: [2, 3], keepdim: true), my = try y.mean(dims: [2, 3], keepdim: true)
        let shift = try (my - mx).doubles()
        #expect(shift.allSatisfy { abs($0) <= 0.2 + 1e-6 })
        let gain = try ((y - my).pow(2).sum(dims: [2, 3]) / (x - mx).pow(2).sum(dims: [2, 3])).sqrt().doubles()
        #expect(gain.allSatisfy { $0 >= 0.7 - 1e-5 && $0 <= 1.3 + 1e-5 })
        #expect(Set(gain.map { ($0 * 1e4).rounded() }).count > 1)  // per sample and band
        // affine: y − μy = g (x − μx) exactly, per band
        let g = try Tensor(gain, shape: [3, 4, 1, 1])
        #expect(try (y - my).allClose(try (x - mx) * g, atol: 1e-5))
    }

    @Test func gaussianNoiseHasTheRequestedSpreadAndIsSeeded() throws {
        let image = try Tensor.zeros([4, 3, 64, 64])
        let b = try TransformBatch(image: image, mask: try Tensor.zeros([4, 64, 64], .init(dtype: .int64)))
        let n = try GaussianNoise(std: 0.5)
        let out = try n.apply(b, seed: 1)
        let v = try out.image.doubles()
        let mean = v.reduce(0, +) / Double(v.count)
        let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        #expect(abs(mean) < 0.01 && abs(sd - 0.5) < 0.01, "mean \(mean) sd \(sd)")
        #expect(try n.apply(b, seed: 1).image.equal(out.image))
        #expect(try !n.apply(b, seed: 2).image.equal(out.image))
        #expect(try out.mask!.equal(b.mask!))
    }

    @Test func composedPipelineIsReproducibleForASeed() throws {
        let b = try labelled(5, 12, 12)
        let pipeline = Compose([
            try AppendSpectralIndices([.ndvi], bands: [.nir: "a", .red: "b"]),
            try Normalize(mean: [0.5, 0.5, 0.5, 0.5, 0], std: [0.3, 0.3, 0.3, 0.3, 1]),
            try RandomHorizontalFlip(), try RandomVerticalFlip(), RandomRot90(),
            try RandomApply(try RandomResizedCrop(scale: 0.5...1, imageInterpolation: .nearest), p: 0.7),
            try RandomBrightnessContrast(), try GaussianNoise(std: 0.01),
        ])
        let a1 = try pipeline.apply(b, seed: 7), a2 = try pipeline.apply(b, seed: 7), a3 = try pipeline.apply(b, seed: 8)
        #expect(a1.bandNames == ["a", "b", "c", "d", "NDVI"])
        #expect(try a1.image.equal(a2.image) && a1.mask!.equal(a2.mask!))
        #expect(try !a1.image.equal(a3.image))
        // streams: the same seed with different streams differ, each reproducible
        var r1 = TransformRNG(seed: 7, stream: 0), r2 = TransformRNG(seed: 7, stream: 1), r3 = TransformRNG(seed: 7, stream: 1)
        #expect(r1.next() != r2.next())
        _ = r3.next()
        #expect(r2.next() == r3.next())
    }

    @Test func batchValidation() throws {
        #expect(throws: TransformError.self) { try TransformBatch(image: try Tensor.zeros([3, 8, 8])) }
        #expect(throws: TransformError.self) { try TransformBatch(image: try Tensor.zeros([1, 3, 8, 8]), bandNames: ["a"]) }
        #expect(throws: TransformError.self) {
            try TransformBatch(image: try Tensor.zeros([2, 3, 8, 8]), mask: try Tensor.zeros([2, 8, 7]))
        }
    }
}
