import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

@Suite struct SamplerTests {
    /// Every pixel of every file is covered by the grid sampler — files of odd sizes and one smaller than a chip
    /// included — and reading the chips reproduces each file exactly.
    @Test(.enabled(if: SharedData.shouldRun)) func gridCoversEveryPixelOfOddSizedFiles() throws {
        let c = try Crops("grid")
        defer { c.remove() }
        let rgb = try Real.rgb()
        let files = [try c.crop(rgb, "a.tif", x: 10, y: 20, w: 301, h: 157),
                     try c.crop(rgb, "b.tif", x: 400, y: 300, w: 37, h: 23),    // smaller than a chip
                     try c.crop(rgb, "c.tif", x: 500, y: 450, w: 129, h: 65)]
        let ds = try RasterDataset(paths: [c.dir.path], filenameGlob: "*.tif", dtype: .uint8, resampling: .nearest)
        #expect(ds.count == 3)
        let res = ds.resolution
        for stride in [64, 50, 17] {
            let sampler = try GridGeoSampler(ds, size: 64, stride: .pixels(stride))
            if stride == 64 { #expect(sampler.count == 5 * 3 + 1 * 1 + 3 * 2) }
            let loader = try GeoDataLoader(dataset: ds, sampler: sampler, batchSize: 7, workers: 2)
            var seen = 0
            for f in files {
                let r = try Raster(path: f)
                let want = try r.read(window: PixelWindow(width: r.width, height: r.height)).toArray(UInt8.self)
                var canvas = [UInt8](repeating: 0, count: want.count)
                var covered = [Bool](repeating: false, count: r.width * r.height)
                let stream = loader.epoch(0)
                while let batch = try stream.next() {
                    let image = try batch.image!.toArray(UInt8.self)
                    #expect(batch.image!.shape == [batch.count, 3, 64, 64])
                    for (k, b) in batch.bounds.enumerated() where b.intersects(r.bounds) {
                        // Chips start on the file's pixel lattice.
                        let fx = (b.minX - r.bounds.minX) / res.x, fy = (r.bounds.maxY - b.maxY) / res.y
                        #expect(abs(fx - fx.rounded()) < 1e-6 && abs(fy - fy.rounded()) < 1e-6)
                        let ox = Int(fx.rounded()), oy = Int(fy.rounded())
                        for band in 0..<3 { for y in 0..<64 { for x in 0..<64 {
                            let px = ox + x, py = oy + y
                            guard px >= 0, py >= 0, px < r.width, py < r.height else { continue }
                            let v = image[((k * 3 + band) * 64 + y) * 64 + x]
                            canvas[(band * r.height + py) * r.width + px] = v
                            covered[py * r.width + px] = true
                        } } }
                    }
                    seen += batch.count
                }
                #expect(covered.allSatisfy { $0 }, "every pixel of \(f) (stride \(stride))")
                #expect(canvas == want, "chips reproduce \(f) (stride \(stride))")
            }
            #expect(seen == sampler.count * files.count)
        }
    }

    /// Random chips: deterministic per seed and epoch, on the pixel lattice, inside the ROI, carrying the entry's
    /// time; batch samplers keep a batch in one file.
    @Test(.enabled(if: SharedData.shouldRun)) func randomSamplersAreDeterministicAndStayInside() throws {
        let c = try Crops("random")
        defer { c.remove() }
        let rgb = try Real.rgb()
        try c.crop(rgb, "a.tif", x: 0, y: 0, w: 400, h: 300)
        try c.crop(rgb, "b.tif", x: 391, y: 418, w: 400, h: 300)
        let ds = try RasterDataset(paths: [c.dir.path])
        let s1 = try RandomGeoSampler(ds, size: 32, length: 200, seed: 7)
        let s2 = try RandomGeoSampler(ds, size: 32, length: 200, seed: 7)
        #expect(s1.chips(epoch: 0) == s2.chips(epoch: 0))
        #expect(s1.chips(epoch: 0) != s1.chips(epoch: 1))
        #expect(try RandomGeoSampler(ds, size: 32, length: 200, seed: 8).chips(epoch: 0) != s1.chips(epoch: 0))
        let entries = ds.index.entries
        let res = ds.resolution
        for b in s1.chips(epoch: 0) {
            #expect(abs(b.width - 32 * res.x) < 1e-6 && abs(b.height - 32 * res.y) < 1e-6)
            let e = entries.first { $0.contains(b) }
            #expect(e != nil, "chip inside one file")
            if let e {
                let fx = (b.minX - e.minX) / res.x
                #expect(abs(fx - fx.rounded()) < 1e-6)
            }
        }
        // Both files are drawn, roughly by area (equal areas here).
        let inA = s1.chips(epoch: 0).filter { entries[0].contains($0) }.count
        #expect(inA > 60 && inA < 140)

        // ROI as a box and as a polygon (a triangle): chips stay within the box / have their centre inside.
        let e0 = entries[0]
        let roiBox = BoundingBox(minX: e0.minX + 50 * res.x, minY: e0.minY + 40 * res.y, maxX: e0.minX + 200 * res.x, maxY: e0.maxY - 30 * res.y)
        for b in try RandomGeoSampler(ds, size: .units(16 * res.x), length: 100, roi: .bounds(roiBox), seed: 1).chips(epoch: 0) {
            #expect(roiBox.contains(b))
        }
        let tri: [(x: Double, y: Double)] = [(e0.minX, e0.minY), (e0.maxX, e0.minY), (e0.minX, e0.maxY)]
        let roi = RegionOfInterest.polygon(tri)
        for b in try RandomGeoSampler(ds, size: 16, length: 100, roi: roi, seed: 2).chips(epoch: 0) {
            #expect(roi.contains(x: b.center.x, y: b.center.y))
        }

        // One file per batch.
        let bs = try RandomBatchGeoSampler(ds, size: 32, batchSize: 8, length: 80, seed: 3)
        let batches = bs.batches(epoch: 0)
        #expect(batches.count == 10 && batches == bs.batches(epoch: 0))
        for batch in batches {
            #expect(batch.count == 8)
            #expect(Set(batch.map { b in entries.firstIndex { $0.contains(b) } ?? -1 }).count == 1)
        }
        // Pre-chipped: one chip per file, shuffled deterministically.
        let pre = try PreChippedGeoSampler(ds, shuffle: true, seed: 4)
        #expect(Set(pre.chips(epoch: 0)) == Set(entries))
        #expect(pre.chips(epoch: 3) == pre.chips(epoch: 3))
    }

    /// Dates from file names: the time range picks the acquisition, and bad ROIs / time ranges fail clearly.
    @Test(.enabled(if: SharedData.shouldRun)) func timeRangesAndClearErrors() throws {
        let root = try SharedData.path("oscd/images/paris")
        let ds = try RasterDataset(paths: ["\(root)/imgs_1", "\(root)/imgs_2"],
                                   filenameRegex: #"(?<date>\d{8}T\d{6}).*_(?<band>B[0-9A]{2})\.tif$"#,
                                   dateFormat: "yyyyMMdd'T'HHmmss", bands: ["B04", "B03", "B02"], resampling: .nearest)
        #expect(ds.count == 2)
        let f = ISO8601DateFormatter()
        let y2016 = TimeSpan(f.date(from: "2016-01-01T00:00:00Z"), f.date(from: "2016-12-31T00:00:00Z"))
        let y2017 = TimeSpan(f.date(from: "2017-01-01T00:00:00Z"), f.date(from: "2017-12-31T00:00:00Z"))
        let c16 = try RandomGeoSampler(ds, size: 64, length: 3, timeRange: y2016, seed: 1).chips(epoch: 0)
        let c17 = try RandomGeoSampler(ds, size: 64, length: 3, timeRange: y2017, seed: 1).chips(epoch: 0)
        #expect(c16.allSatisfy { $0.minT == f.date(from: "2016-11-30T13:07:57Z")!.timeIntervalSince1970 })
        #expect(c17.allSatisfy { $0.minT == f.date(from: "2017-11-07T10:52:29Z")!.timeIntervalSince1970 })
        // The same place at the two dates reads the two acquisitions.
        var a = c16[0], b = c16[0]
        b.minT = c17[0].minT; b.maxT = c17[0].maxT
        let first = try ds.sample(bounds: a).image!.floats(), second = try ds.sample(bounds: b).image!.floats()
        let stack1 = try Raster(path: try SharedData.path("oscd/derived/paris_t1_13band_10m.tif"))
        let w = try stack1.grid.window(of: ds.sample(bounds: a).grid)!
        #expect(try stack1.read(window: w, bands: [4, 3, 2], as: .float32).floats() == first)
        #expect(first != second)
        a.minT = nil; a.maxT = nil
        #expect(try ds.sample(bounds: a).image!.floats() == first, "without a time, the first file wins")

        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        let y2020 = TimeSpan(f.date(from: "2020-01-01T00:00:00Z"), f.date(from: "2020-12-31T00:00:00Z"))
        #expect(message { try RandomGeoSampler(ds, size: 64, timeRange: y2020) }.contains("does not overlap the dataset's dates"))
        #expect(message { try GridGeoSampler(ds, size: 64, timeRange: TimeSpan(start: 10, end: 5)) }.contains("ends before it starts"))
        let far = BoundingBox(minX: 100, minY: 10, maxX: 101, maxY: 11)
        #expect(message { try GridGeoSampler(ds, size: 64, roi: .bounds(far)) }.contains("does not overlap the dataset"))
        #expect(message { try RandomGeoSampler(ds, size: 0) }.contains("chip size must be positive"))
        #expect(message { try ds.sample(bounds: far) }.contains("no data in"))
    }
}

@Suite struct FeatureSamplerTests {
    /// Chips around small features of a large raster: each chip contains a pixel of a drawn feature, lies inside
    /// the raster on its pixel lattice, features are drawn equally often (or by weight), and the draw is seeded.
    @Test(.enabled(if: SharedData.shouldRun)) func chipsSurroundTheFeatures() throws {
        let ds = try RasterDataset(paths: [try Real.rgb()])
        let e = ds.index.entries[0]
        let res = ds.resolution
        func box(_ col: Double, _ row: Double, _ w: Double, _ h: Double) -> BoundingBox {
            BoundingBox(minX: e.minX + col * res.x, minY: e.maxY - (row + h) * res.y,
                        maxX: e.minX + (col + w) * res.x, maxY: e.maxY - row * res.y)
        }
        // Three small features: one in the middle, one at the top-left corner, one long strip near the bottom.
        let features = [box(380, 350, 12, 9), box(0, 0, 5, 5), box(100, 690, 300, 6)]
        let s = try FeatureGeoSampler(ds, features: features, size: 64, length: 600, seed: 5)
        let chips = s.chips(epoch: 0)
        #expect(chips.count == 600)
        #expect(chips == (try FeatureGeoSampler(ds, features: features, size: 64, length: 600, seed: 5)).chips(epoch: 0))
        #expect(chips != s.chips(epoch: 1))
        var hits = [0, 0, 0]
        for b in chips {
            #expect(abs(b.width - 64 * res.x) < 1e-6 && abs(b.height - 64 * res.y) < 1e-6)
            #expect(e.contains(b), "chip inside the raster")
            let fx = (b.minX - e.minX) / res.x, fy = (e.maxY - b.maxY) / res.y
            #expect(abs(fx - fx.rounded()) < 1e-6 && abs(fy - fy.rounded()) < 1e-6, "on the pixel lattice")
            let touched = features.indices.filter { features[$0].intersection(b).map { $0.width > 0 && $0.height > 0 } ?? false }
            #expect(!touched.isEmpty, "chip \(b) contains part of a feature")
            for i in touched { hits[i] += 1 }
        }
        // Each feature is drawn about a third of the time (the big strip is not favoured for its area).
        for h in hits { #expect(h > 150 && h < 260, "draws per feature: \(hits)") }
        // The middle feature ends up at varied places in its chips, not always at the centre.
        let offsets = Set(chips.filter { $0.contains(features[0]) }.map { Int((($0.minX - e.minX) / res.x).rounded()) })
        #expect(offsets.count > 10)

        // Weights pick features; bad inputs fail clearly.
        for b in try FeatureGeoSampler(ds, features: features, size: 32, length: 50, weights: [0, 1, 0], seed: 1).chips(epoch: 0) {
            #expect(b.intersects(features[1]))
        }
        let far = BoundingBox(minX: 0, minY: 0, maxX: 10, maxY: 10)
        #expect(throws: DataError.self) { try FeatureGeoSampler(ds, features: [far], size: 32, length: 5) }
        #expect(throws: DataError.self) { try FeatureGeoSampler(ds, features: features, size: 32, length: 5, weights: [1]) }
    }
}
