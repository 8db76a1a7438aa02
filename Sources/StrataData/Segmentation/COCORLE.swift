import Foundation

/// COCO run-length encoded masks (pycocotools' `maskApi.c`), as SAM's automatic mask generator writes them with
/// `output_mode="coco_rle"`: `{"size": [h, w], "counts": …}`, where `counts` is either a list of run lengths
/// (uncompressed RLE) or pycocotools' compressed string. Runs alternate background/foreground starting with
/// background, over the mask in **column-major** order (Fortran order, as pycocotools stores masks).
///
/// Every input is untrusted (mask files come from other programs): characters, run lengths, overflow and the
/// total are checked, and anything malformed throws — decoding never reads or writes out of bounds.
public enum COCORLE {
    /// Largest mask decoded (h × w): 2^28 pixels (16384²), so a few bytes of counts cannot demand gigabytes.
    public static let maxPixels = 1 << 28

    /// Run lengths from pycocotools' compressed string (`rleFrString`): each count is a little-endian sequence of
    /// 5-bit groups in characters `'0'`…`'o'` (48…111), bit 0x20 meaning "more groups follow" and bit 0x10 of the
    /// last group the sign; from the third count on, counts are stored as differences to the count two before.
    public static func counts(fromString s: String) throws -> [Int] {
        var out: [Int] = []
        var it = Array(s.utf8)[...]
        while !it.isEmpty {
            var x = 0, k = 0, more = true
            while more {
                guard let ch = it.popFirst() else {
                    throw DatasetError(.badFile, "COCO RLE: the counts string ends inside a number")
                }
                guard ch >= 48, ch <= 111 else {
                    throw DatasetError(.badFile, "COCO RLE: character \(ch) is outside '0'…'o' in the counts string")
                }
                guard k < 12 else { throw DatasetError(.badFile, "COCO RLE: a count in the counts string is too long") }
                let c = Int(ch) - 48
                x |= (c & 0x1f) << (5 * k)
                more = c & 0x20 != 0
                k += 1
                if !more && c & 0x10 != 0 { x |= -1 << (5 * k) }
            }
            if out.count > 2 {
                let (sum, overflow) = x.addingReportingOverflow(out[out.count - 2])
                guard !overflow else { throw DatasetError(.badFile, "COCO RLE: a run length overflows") }
                x = sum
            }
            guard x >= 0 else { throw DatasetError(.badFile, "COCO RLE: negative run length \(x) (corrupt counts string)") }
            out.append(x)
        }
        return out
    }

    /// The mask as `height × width` bytes (0/1) in row-major order, from run lengths that must add up to exactly
    /// `height × width`.
    public static func decode(counts: [Int], height: Int, width: Int) throws -> [UInt8] {
        guard height >= 0, width >= 0, height.multipliedReportingOverflow(by: width).overflow == false,
              height * width <= maxPixels else {
            throw DatasetError(.badFile, "COCO RLE: mask size \(height)×\(width) is invalid or too large")
        }
        let n = height * width
        var total = 0
        for c in counts {
            guard c >= 0 else { throw DatasetError(.badFile, "COCO RLE: negative run length \(c)") }
            let (t, overflow) = total.addingReportingOverflow(c)
            guard !overflow, t <= n else {
                throw DatasetError(.badFile, "COCO RLE: the runs cover more than the mask's \(height)×\(width) pixels")
            }
            total = t
        }
        guard total == n else {
            throw DatasetError(.badFile, "COCO RLE: the runs cover \(total) pixels, the mask has \(height)×\(width) = \(n)")
        }
        var out = [UInt8](repeating: 0, count: n)
        var p = 0, on = false
        for c in counts {
            if on {
                for q in p..<(p + c) { out[(q % height) * width + q / height] = 1 }  // column-major → row-major
            }
            p += c
            on.toggle()
        }
        return out
    }

    /// Decodes one RLE object: `size` `[h, w]` and `counts` (a string or a list of integers), as parsed from JSON.
    public static func decode(_ object: Any) throws -> (mask: [UInt8], height: Int, width: Int) {
        guard let d = object as? [String: Any], let size = d["size"] as? [Any], size.count == 2,
              let h = size[0] as? Int, let w = size[1] as? Int else {
            throw DatasetError(.badFile, "COCO RLE: expected {\"size\": [h, w], \"counts\": …}")
        }
        let counts: [Int]
        if let s = d["counts"] as? String {
            counts = try Self.counts(fromString: s)
        } else if let list = d["counts"] as? [Any] {
            counts = try list.map { v in
                guard let i = v as? Int else {
                    throw DatasetError(.badFile, "COCO RLE: counts list holds a non-integer")
                }
                return i
            }
        } else {
            throw DatasetError(.badFile, "COCO RLE: counts must be a string or a list of integers")
        }
        return (try decode(counts: counts, height: h, width: w), h, w)
    }
}
