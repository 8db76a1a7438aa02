import CTorch
import Foundation

/// NumPy `.npz` archives: a ZIP of `.npy` members (`np.savez` stores them, `np.savez_compressed` deflates them),
/// one per array, named `<key>.npy`. Read with ``ZipArchive`` and ``NPY``; written stored, as `np.savez` does.
///
/// ```swift
/// let patch = try NPZ.read("sen2_image_7.npz", keys: ["image", "label"])   // image [32, 32, 10], label []
/// try NPZ.write([("image", chip), ("label", try Tensor([Int64(3)]).reshape([]))], to: "out.npz")
/// ```
public enum NPZ {
    /// The array names in the archive at `path` (member names without `.npy`), in archive order.
    public static func keys(_ path: String) throws -> [String] {
        try ZipArchive(path: path).entries.map { Self.key(of: $0.name) }
    }

    /// Reads the arrays `keys` (nil: every array) of the archive at `path`. Members not asked for are never
    /// decoded, so an archive may hold arrays of types ``NPY`` does not read (object arrays such as a pickled
    /// `None`) as long as they are not requested. A missing key is an error listing the keys present.
    public static func read(_ path: String, keys: [String]? = nil) throws -> [String: Tensor] {
        let zip = try ZipArchive(path: path)
        let present = zip.entries.map { key(of: $0.name) }
        var out: [String: Tensor] = [:]
        for k in keys ?? present {
            guard let e = zip.entries.first(where: { key(of: $0.name) == k }) else {
                throw NPY.FormatError(message: "NPZ: \(path) has no array '\(k)'; it holds \(present)")
            }
            out[k] = try NPY.read(data: try zip.contents(of: e), source: "\(path)[\(k)]")
        }
        return out
    }

    /// Writes `arrays` (name, tensor) to `path` as `np.savez` does (stored members `<name>.npy`, format 1.0),
    /// atomically. Supported dtypes: float16/32/64, uint8, int8/16/32/64, bool.
    public static func write(_ arrays: [(String, Tensor)], to path: String) throws {
        try ZipWriter.write(arrays.map { ("\($0.0).npy", try NPY.encode($0.1)) }, to: path)
    }

    static func key(of member: String) -> String { member.hasSuffix(".npy") ? String(member.dropLast(4)) : member }
}

extension NPY {
    /// The `.npy` bytes (format 1.0, C order, little-endian) of a tensor's values.
    public static func encode(_ t: Tensor) throws -> Data {
        let descr: String
        switch t.dtype {
        case .float16: descr = "<f2"
        case .float32: descr = "<f4"
        case .float64: descr = "<f8"
        case .uint8: descr = "|u1"
        case .int8: descr = "|i1"
        case .int16: descr = "<i2"
        case .int32: descr = "<i4"
        case .int64: descr = "<i8"
        case .bool: descr = "|b1"
        default: throw FormatError(message: "NPY: cannot write a \(t.dtype) tensor (no NumPy equivalent here)")
        }
        let shape = t.shape
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(\(shape.map(String.init).joined(separator: ", ")))"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends with a newline.
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Array(header.utf8))
        let c = try t.to(Device.cpu).contiguous()
        var bytes = [UInt8](repeating: 0, count: c.count * t.dtype.byteSize)
        if !bytes.isEmpty {
            try bytes.withUnsafeMutableBytes { try check(ct_copy_to(c.handle, $0.baseAddress!, $0.count)) }
        }
        out.append(contentsOf: bytes)
        return out
    }
}
