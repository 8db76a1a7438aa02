import Foundation
import StrataData

/// SAM automatic-mask-generator JSON with COCO RLE masks → InstanceMaskFiles.readSAMJSON (JSON parsing, the
/// compressed-counts decoder and the bounds-checked run expansion), plus the raw input as a counts string.
enum SAMRLEHarness: Harness {
    static let name = "sam-rle"
    static func run(_ data: Data) throws {
        defer { _ = try? COCORLE.counts(fromString: String(decoding: data, as: UTF8.self)) }
        _ = try InstanceMaskFiles.readSAMJSON(scratchFile(data, ext: "json"))
    }
}
