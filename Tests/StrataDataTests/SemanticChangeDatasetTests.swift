import Foundation
import Testing
import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport

/// SECOND and Hi-UCD read from small files written in their exact formats: RGB-coded label PNGs per date (SECOND),
/// one 3-channel code PNG per pair (Hi-UCD), decoded to the conventions their metrics expect.
struct SemanticChangeDatasetTests {
    static let w = 4, h = 2

    static func png(_ planes: [UInt8], bands: Int, _ path: URL) throws {
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ImageWriter.pngPending(planes: planes, width: w, height: h, bands: bands, to: path.path).commit()
    }

    static func rgbImage(_ seed: UInt8) -> [UInt8] { (0..<(3 * w * h)).map { UInt8(truncatingIfNeeded: Int(seed) + $0 * 7) } }

    @Test func secondDecodesColoursToClassIndices() throws {
        let root = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let pal = SCDLabelFormats.secondPalette
        // label1 classes per pixel, label2 classes; both white (0) where unchanged.
        let l1: [Int] = [0, 1, 2, 3, 0, 4, 5, 6], l2: [Int] = [0, 5, 5, 1, 0, 3, 2, 4]
        func planes(_ l: [Int]) -> [UInt8] { l.map { pal[$0].0 } + l.map { pal[$0].1 } + l.map { pal[$0].2 } }
        for split in ["train", "test"] {
            let d = root.appendingPathComponent(split)
            try Self.png(Self.rgbImage(1), bands: 3, d.appendingPathComponent("im1/00001.png"))
            try Self.png(Self.rgbImage(2), bands: 3, d.appendingPathComponent("im2/00001.png"))
            try Self.png(planes(l1), bands: 3, d.appendingPathComponent("label1/00001.png"))
            try Self.png(planes(l2), bands: 3, d.appendingPathComponent("label2/00001.png"))
        }
        let ds = try SECOND(root: root.path, split: .train)
        #expect(ds.count == 1)
        let s = try ds.sample(at: 0)
        #expect(try s.semanticA!.toArray(Int64.self) == l1.map(Int64.init))
        #expect(try s.semanticB!.toArray(Int64.self) == l2.map(Int64.init))
        #expect(try s.change.toArray(Int64.self) == [0, 1, 1, 1, 0, 1, 1, 1])
        #expect(s.imageA.shape == [3, Self.h, Self.w])
        #expect(try SECOND(root: root.path).count == 2)

        // A colour outside SECOND's palette is an error naming it.
        var bad = planes(l1)
        bad[3] = 17
        try Self.png(bad, bands: 3, root.appendingPathComponent("train/label1/00001.png"))
        let e = try #require(throws: DatasetError.self) { try SECOND(root: root.path, split: .train).sample(at: 0) }
        #expect(e.message.contains("(17,"), "\(e.message)")
    }

    @Test func hiUCDDecodesToClearSCDsEncoding() throws {
        let root = try SharedData.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        // raw codes: date 1, date 2 (0 unlabelled, 1…9 classes), change (0 unlabelled, 1 unchanged, 2 changed)
        let c1: [UInt8] = [0, 1, 2, 3, 9, 8, 1, 4], c2: [UInt8] = [1, 1, 0, 5, 9, 2, 1, 4]
        let ch: [UInt8] = [0, 1, 0, 2, 1, 2, 1, 1]
        let d = root.appendingPathComponent("train/2017/9")
        try Self.png(Self.rgbImage(3), bands: 3, root.appendingPathComponent("train/2017/9/a.png"))
        try Self.png(Self.rgbImage(4), bands: 3, root.appendingPathComponent("train/2018/9/a.png"))
        try Self.png(c1 + c2 + ch, bands: 3, root.appendingPathComponent("train/mask/2017_2018/9/a.png"))
        _ = d
        let ds = try HiUCD(root: root.path, before: "train/2017/9", after: "train/2018/9", mask: "train/mask/2017_2018/9")
        let s = try ds.sample(at: 0)
        #expect(try s.semanticA!.toArray(Int64.self) == [9, 0, 1, 2, 8, 7, 0, 3])
        #expect(try s.semanticB!.toArray(Int64.self) == [0, 0, 9, 4, 8, 1, 0, 3])
        #expect(try s.change.toArray(Int64.self) == [255, 0, 255, 1, 0, 1, 0, 0])
        #expect(HiUCD.classNames.count == 9 && HiUCD.classNames[0] == "water")

        try Self.png(c1 + c2 + ch.map { $0 == 2 ? 3 : $0 }, bands: 3, root.appendingPathComponent("train/mask/2017_2018/9/a.png"))
        #expect(throws: DatasetError.self) {
            try HiUCD(root: root.path, before: "train/2017/9", after: "train/2018/9", mask: "train/mask/2017_2018/9")
                .sample(at: 0)
        }
    }
}
