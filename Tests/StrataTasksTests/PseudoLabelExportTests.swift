import Foundation
import Testing
import StrataData
import StrataGeo
import StrataTasks
import StrataTensor
import StrataTestSupport

/// `strata pseudo-labels` on a real OSCD pair (Hong Kong, whose second date is 2 px smaller): the maps lie on the
/// first date's grid, the second date is read onto it, and every tile of the Hi-UCD and SECOND copies
/// says exactly what the maps say at that place.
struct PseudoLabelExportTests {
    @Test(.enabled(if: SharedData.shouldRun)) func hongKongPairMapsAndTiles() throws {
        let t1 = try SharedData.path("oscd/derived/hongkong_t1_13band_10m.tif")
        let t2 = try SharedData.path("oscd/derived/hongkong_t2_13band_10m.tif")
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = PseudoLabelExport.Options()
        o.name = "hk"
        o.tileSize = 96
        let s = try PseudoLabelExport.run(before: t1, after: t2, to: dir.path, options: o)

        // Maps: the first date's grid, class names and a colour table; fractions add up.
        let source = try Raster(path: t1)
        let m1 = try Raster(path: dir.appendingPathComponent("hk_t1_pseudo.tif").path)
        let m2 = try Raster(path: dir.appendingPathComponent("hk_t2_pseudo.tif").path)
        let mc = try Raster(path: dir.appendingPathComponent("hk_change_pseudo.tif").path)
        for m in [m1, m2, mc] {
            #expect(m.width == source.width && m.height == source.height)
            #expect(try m.grid.transform == source.grid.transform)
            #expect(m.bands[0].nodata == 255)
        }
        for f in s.classFractions { #expect(abs(f.values.reduce(0, +) - 1) < 1e-9) }
        #expect(s.labelledFraction > 0.5 && s.changedFraction > 0 && s.changedFraction < 0.5)

        // The second date is 538×693 px but georeferenced to the same extent (slightly larger pixels): read onto the
        // first date's 540×695 grid it covers it to the last row, so the bottom rows are labelled like the rest.
        #expect(try Raster(path: t2).width == source.width - 2)
        let c2 = try m2.read(window: try m2.grid.fullWindow).to(.int64)
        let rim = try c2.narrow(dim: 1, start: source.height - 2, length: 2)
        #expect(try rim.ne(255).to(.float32).mean().item() > 0.5)
        let c1 = try m1.read(window: try m1.grid.fullWindow).to(.int64)
        let change = try mc.read(window: try mc.grid.fullWindow).to(.int64)
        #expect(try change.equal(SpectralPseudoLabels.change(c1, c2)))

        // Tiles: every Hi-UCD mask and SECOND label equals the maps' window, in each format's own codes.
        let masks = dir.appendingPathComponent("hiucd/mask/t1_t2")
        let names = try FileManager.default.contentsOfDirectory(atPath: masks.path).sorted()
        #expect(names.count == s.tiles && s.tiles > 0)
        let a1 = try c1.squeeze(dim: 0), a2 = try c2.squeeze(dim: 0), ac = try change.squeeze(dim: 0)
        for name in names.prefix(6) {
            let parts = name.dropLast(4).split(separator: "_")
            let row = Int(parts[1])!, col = Int(parts[2])!
            func window(_ t: Tensor) throws -> [Int64] {
                try t.narrow(dim: 0, start: row, length: 96).narrow(dim: 1, start: col, length: 96)
                    .contiguous().toArray(Int64.self)
            }
            let w1 = try window(a1), w2 = try window(a2), wc = try window(ac)
            let hi = try Raster(path: masks.appendingPathComponent(name).path)
            let planes = try hi.read(window: PixelWindow(width: 96, height: 96)).to(.uint8).contiguous().toArray(UInt8.self)
            #expect(planes == SCDLabelFormats.hiUCDPlanes(before: w1, after: w2, change: wc), "\(name)")
            let second = try Raster(path: dir.appendingPathComponent("second/label2/\(name)").path)
            let rgb = try second.read(window: PixelWindow(width: 96, height: 96)).to(.uint8).contiguous().toArray(UInt8.self)
            let idx = try SCDLabelFormats.secondIndices(rgb: rgb, pixels: 96 * 96)
            for i in 0..<(96 * 96) {
                let expected = wc[i] == 1 ? SpectralPseudoLabels.LandClass(rawValue: Int(w2[i]))
                    .map { UInt8(SCDLabelFormats.secondIndex($0)) } ?? 0 : 0
                if idx[i] != expected { Issue.record("\(name) pixel \(i): SECOND \(idx[i]) vs map \(expected)"); break }
            }
            let image = try Raster(path: dir.appendingPathComponent("second/im1/\(name)").path)
            #expect(image.bandCount == 3 && image.width == 96)
        }

        // The copies read back through the datasets: ClearSCD's encoding and SECOND's, same pixels as the maps.
        let hi = try HiUCD(root: dir.appendingPathComponent("hiucd").path)
        let second = try SECOND(root: dir.appendingPathComponent("second").path)
        #expect(hi.count == s.tiles && second.count == s.tiles)
        let first = try hi.sample(at: 0)
        let parts = first.id.split(separator: "_")
        let row = Int(parts[1])!, col = Int(parts[2])!
        func window(_ t: Tensor) throws -> Tensor {
            try t.narrow(dim: 0, start: row, length: 96).narrow(dim: 1, start: col, length: 96)
        }
        let hiCode = try window(a1).toArray(Int64.self).map { v -> Int64 in
            SpectralPseudoLabels.LandClass(rawValue: Int(v)).map { Int64(SCDLabelFormats.hiUCDCode($0)) - 1 } ?? 9
        }
        #expect(try first.semanticA!.toArray(Int64.self) == hiCode)
        #expect(try first.change.equal(window(ac)))
        let sec = try second.sample(at: 0)
        #expect(sec.id == first.id)
        #expect(try sec.change.toArray(Int64.self) == window(ac).toArray(Int64.self).map { $0 == 1 ? 1 : 0 })
    }

    @Test func clearErrors() throws {
        let dir = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: (any Error).self) {
            try PseudoLabelExport.run(before: dir.appendingPathComponent("missing.tif").path,
                                      after: dir.appendingPathComponent("missing.tif").path, to: dir.path)
        }
        var o = PseudoLabelExport.Options()
        o.tileSize = 8
        let e = try #require(throws: DatasetError.self) {
            try PseudoLabelExport.run(before: "a.tif", after: "b.tif", to: dir.path, options: o)
        }
        #expect(e.message.contains("tile size"))
    }
}
