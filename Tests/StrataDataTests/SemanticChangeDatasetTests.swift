import Foundation
import Testing
import StrataGeo
import StrataTensor
@testable import StrataData

/// SECOND and Hi-UCD loaders on small files written in the published formats (RGB-coded SECOND label PNGs;
/// Hi-UCD's one 3-channel mask PNG per pair), checked pixel by pixel against the encodings.
@Suite struct SemanticChangeDatasetTests {
    static let w = 4, h = 3

    /// Writes a band-sequential RGB PNG from per-pixel (r, g, b) triples (row-major).
    static func png(_ pixels: [(UInt8, UInt8, UInt8)], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let planes = pixels.map(\.0) + pixels.map(\.1) + pixels.map(\.2)
        try ImageWriter.pngPending(planes: planes, width: w, height: h, bands: 3, to: path).commit()
    }

    static func image(seed: Int) -> [(UInt8, UInt8, UInt8)] {
        (0..<(w * h)).map { i in (UInt8((i * 17 + seed) % 256), UInt8((i * 5 + seed) % 256), UInt8(i + seed)) }
    }

    static func tempRoot() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("strata-scd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    @Test func secondColoursBecomeClassIndices() throws {
        let root = try Self.tempRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("train").path
        // label indices per pixel (0 = no change, white)
        let la = [0, 1, 2, 3, 4, 5, 6, 0, 5, 5, 0, 1]
        let lb = [0, 4, 4, 6, 1, 2, 3, 0, 3, 2, 0, 5]
        try Self.png(Self.image(seed: 1), to: "\(dir)/im1/00001.png")
        try Self.png(Self.image(seed: 9), to: "\(dir)/im2/00001.png")
        try Self.png(la.map { SECOND.colours[$0] }, to: "\(dir)/label1/00001.png")
        try Self.png(lb.map { SECOND.colours[$0] }, to: "\(dir)/label2/00001.png")
        let ds = try SECOND(root: root.path, split: .train)
        #expect(ds.count == 1)
        #expect(ds.id(at: 0) == "00001")
        let s = try ds.sample(at: 0)
        #expect(try s.semanticA!.toArray(Int64.self) == la.map(Int64.init))
        #expect(try s.semanticB!.toArray(Int64.self) == lb.map(Int64.init))
        let wantChange: [Int64] = la.map { $0 == 0 ? 0 : 1 }
        #expect(try s.change.toArray(Int64.self) == wantChange)
        #expect(s.imageA.shape == [3, Self.h, Self.w])
        #expect(try s.imageA.select(dim: 0, index: 0).toArray(Float.self) == Self.image(seed: 1).map { Float($0.0) })
        // a colour outside SECOND's table is an error naming it
        var bad = lb.map { SECOND.colours[$0] }
        bad[3] = (1, 2, 3)
        try Self.png(bad, to: "\(dir)/label2/00001.png")
        #expect(throws: DatasetError.self) { try ds.sample(at: 0) }
        #expect(throws: DatasetError.self) { try SECOND(root: root.path, split: .val) }
        #expect(throws: DatasetError.self) { try SECOND(root: root.path, split: .test) }
    }

    @Test func hiUCDMasksGetClearSCDsEncoding() throws {
        let root = try Self.tempRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("val").path
        let s1 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 1]     // raw codes, 0 = unlabelled
        let s2 = [1, 1, 0, 3, 5, 5, 6, 9, 8, 2, 9, 4]
        let ch = [0, 1, 2, 1, 2, 1, 1, 2, 1, 2, 0, 2]      // 0 unlabelled, 1 unchanged, 2 changed
        try Self.png(Self.image(seed: 3), to: "\(dir)/image/2017/0_1_2.png")
        try Self.png(Self.image(seed: 4), to: "\(dir)/image/2018/0_1_2.png")
        try Self.png((0..<12).map { (UInt8(s1[$0]), UInt8(s2[$0]), UInt8(ch[$0])) },
                     to: "\(dir)/mask/2017_2018/0_1_2.png")
        let ds = try HiUCD(root: root.path, split: .val)
        #expect(ds.years == ("2017", "2018"))
        let s = try ds.sample(at: 0)
        let wantA: [Int64] = s1.map { $0 == 0 ? 9 : Int64($0 - 1) }
        let wantB: [Int64] = s2.map { $0 == 0 ? 9 : Int64($0 - 1) }
        let wantC: [Int64] = ch.map { $0 == 0 ? 255 : Int64($0 - 1) }
        #expect(try s.semanticA!.toArray(Int64.self) == wantA)
        #expect(try s.semanticB!.toArray(Int64.self) == wantB)
        #expect(try s.change.toArray(Int64.self) == wantC)
        #expect(try s.imageB.select(dim: 0, index: 2).toArray(Float.self) == Self.image(seed: 4).map { Float($0.2) })
        // the same file read as already re-encoded is rejected only where it is out of range: here the raw
        // change code 2 is not 0/1/255
        #expect(throws: DatasetError.self) { try HiUCD(root: root.path, split: .val, encoding: .clearSCD).sample(at: 0) }
        // a ClearSCD-encoded mask (deal_hiucd.py output) read as such
        func sem(_ v: Int) -> UInt8 { v == 0 ? 9 : UInt8(v - 1) }
        func chg(_ v: Int) -> UInt8 { v == 0 ? 255 : UInt8(v - 1) }
        let enc: [(UInt8, UInt8, UInt8)] = (0..<12).map { i in (sem(s1[i]), sem(s2[i]), chg(ch[i])) }
        try Self.png(enc, to: "\(dir)/mask/2017_2018/0_1_2.png")
        let e = try HiUCD(root: root.path, split: .val, encoding: .clearSCD).sample(at: 0)
        #expect(try e.semanticA!.equal(s.semanticA!))
        #expect(try e.change.equal(s.change))
        // ... and read as raw it is an error pointing at the encoding option
        #expect(throws: DatasetError.self) { try ds.sample(at: 0) }
        #expect(throws: DatasetError.self) { try HiUCD(root: root.path, split: .train) }
        #expect(throws: DatasetError.self) { try HiUCD(root: root.path, split: .all) }
    }
}
