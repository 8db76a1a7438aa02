import Foundation

/// Reads NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) into tensors.
///
/// The file is the magic `\x93NUMPY`, a version, a little-endian header length (2 bytes in 1.0, 4 in 2.0/3.0), a
/// Python-literal header dict `{'descr': '<f4', 'fortran_order': False, 'shape': (480, 32, 32, 10), }`, then the
/// raw array data. Supported element types: `f2 f4 f8 u1 i1 i2 i4 i8 b1` and `u2`/`u4` (widened to int32/int64),
/// either byte order; Fortran-ordered arrays come back in C (row-major) order with the same shape.
///
/// ```swift
/// let chips = try NPY.read("paris_chips.npy")   // float32 [144, 32, 32, 10]
/// ```
public enum NPY {
    /// An unreadable or unsupported `.npy` file.
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// The parsed header.
    public struct Header: Equatable, Sendable {
        public let descr: String
        public let fortranOrder: Bool
        public let shape: [Int]
        /// Byte offset of the array data.
        public let dataOffset: Int
    }

    /// Reads the whole array at `path` into a new CPU tensor.
    public static func read(_ path: String) throws -> Tensor {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FormatError(message: "NPY: no file at \(path)")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        return try read(data: data, source: path)
    }

    /// Parses `.npy` bytes (e.g. one member of an `.npz` archive). `source` names the data in errors.
    public static func read(data: Data, source: String = "<data>") throws -> Tensor {
        let h = try header(data, source)
        let (dtype, elemSize, swap, widenFrom) = try elementType(h.descr, source)
        var count = 1
        for d in h.shape + [elemSize] {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw FormatError(message: "NPY: \(source): shape \(h.shape) of '\(h.descr)' is too large to address")
            }
            count = p
        }
        let bytes = count
        count = elemSize > 0 ? bytes / elemSize : 0
        guard data.count - h.dataOffset >= bytes else {
            throw FormatError(message: "NPY: \(source) is truncated: shape \(h.shape) of '\(h.descr)' needs \(bytes) bytes of data, the file has \(data.count - h.dataOffset)")
        }
        // Fortran order: the data is the C-order array of the reversed shape, transposed.
        let storedShape = h.fortranOrder ? Array(h.shape.reversed()) : h.shape
        var raw = Array(data[(data.startIndex + h.dataOffset)..<(data.startIndex + h.dataOffset + bytes)])
        if swap && elemSize > 1 {
            for i in stride(from: 0, to: raw.count, by: elemSize) { raw[i..<(i + elemSize)].reverse() }
        }
        var t: Tensor
        switch widenFrom {
        case 2:
            let v = raw.withUnsafeBytes { p in (0..<count).map { Int32(p.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } }
            t = try Tensor(v, shape: storedShape)
        case 4:
            let v = raw.withUnsafeBytes { p in (0..<count).map { Int64(p.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) } }
            t = try Tensor(v, shape: storedShape)
        default:
            t = try raw.withUnsafeBytes { try Tensor.copying(bytes: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, shape: storedShape, dtype: dtype) }
        }
        if h.fortranOrder && h.shape.count > 1 {
            t = try permuteOp.tensor([.tensor(t), .ints(Array((0..<h.shape.count).reversed()))]).contiguous()
        }
        return t
    }

    private static let permuteOp = Op("aten::permute")

    /// Parses only the header of the file at `path`.
    public static func header(of path: String) throws -> Header {
        guard let fh = FileHandle(forReadingAtPath: path) else { throw FormatError(message: "NPY: no file at \(path)") }
        defer { try? fh.close() }
        let head = fh.readData(ofLength: 65536 + 12)
        return try header(head, path)
    }

    static func header(_ data: Data, _ source: String) throws -> Header {
        let b = [UInt8](data.prefix(12))
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
            throw FormatError(message: "NPY: \(source) is not a .npy file (missing the \\x93NUMPY magic)")
        }
        let major = b[6]
        let len: Int, start: Int
        switch major {
        case 1:
            len = Int(b[8]) | Int(b[9]) << 8
            start = 10
        case 2, 3:
            guard b.count >= 12 else { throw FormatError(message: "NPY: \(source) has a truncated header") }
            len = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        default:
            throw FormatError(message: "NPY: \(source) uses format version \(major).\(b[7]); versions 1, 2 and 3 are supported")
        }
        guard data.count >= start + len else { throw FormatError(message: "NPY: \(source) has a truncated header") }
        let bytes = data[(data.startIndex + start)..<(data.startIndex + start + len)]
        let text = String(decoding: bytes, as: major == 3 ? UTF8.self : UTF8.self)
        let descr = try field("descr", in: text, source)
        let fortran = try field("fortran_order", in: text, source)
        let shapeText = try field("shape", in: text, source)
        guard descr.hasPrefix("'") || descr.hasPrefix("\""), descr.count >= 2 else {
            throw FormatError(message: "NPY: \(source): structured dtype \(descr) is not supported")
        }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for d in dims {
            guard let v = Int(d.hasSuffix("L") ? String(d.dropLast()) : d), v >= 0 else {
                throw FormatError(message: "NPY: \(source): bad shape \(shapeText)")
            }
            shape.append(v)
        }
        guard fortran == "True" || fortran == "False" else {
            throw FormatError(message: "NPY: \(source): bad fortran_order \(fortran)")
        }
        return Header(descr: String(descr.dropFirst().dropLast()), fortranOrder: fortran == "True", shape: shape,
                      dataOffset: start + len)
    }

    /// The raw text of `key`'s value in the header dict (a quoted string, True/False, or a tuple).
    private static func field(_ key: String, in text: String, _ source: String) throws -> String {
        for quote in ["'", "\""] {
            guard let r = text.range(of: "\(quote)\(key)\(quote)") else { continue }
            var rest = text[r.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { break }
            rest = rest.dropFirst().drop { $0 == " " }
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { break }
                return String(rest[...close])
            }
            if let q = rest.first, q == "'" || q == "\"" {
                guard let close = rest.dropFirst().firstIndex(of: q) else { break }
                return String(rest[...close])
            }
            return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
        }
        throw FormatError(message: "NPY: \(source): header has no '\(key)' entry")
    }

    /// (dtype, element size, needs byte swap, widen-from-unsigned size or 0).
    private static func elementType(_ descr: String, _ source: String) throws -> (DType, Int, Bool, Int) {
        guard descr.count >= 3, let order = descr.first else { throw FormatError(message: "NPY: \(source): bad descr '\(descr)'") }
        let code = String(descr.dropFirst())
        let bigEndian = order == ">"
        guard order == "<" || order == ">" || order == "|" || order == "=" else {
            throw FormatError(message: "NPY: \(source): bad byte order in descr '\(descr)'")
        }
        switch code {
        case "f2": return (.float16, 2, bigEndian, 0)
        case "f4": return (.float32, 4, bigEndian, 0)
        case "f8": return (.float64, 8, bigEndian, 0)
        case "u1": return (.uint8, 1, false, 0)
        case "i1": return (.int8, 1, false, 0)
        case "b1": return (.bool, 1, false, 0)
        case "i2": return (.int16, 2, bigEndian, 0)
        case "i4": return (.int32, 4, bigEndian, 0)
        case "i8": return (.int64, 8, bigEndian, 0)
        case "u2": return (.int32, 2, bigEndian, 2)
        case "u4": return (.int64, 4, bigEndian, 4)
        default:
            throw FormatError(message: "NPY: \(source): element type '\(descr)' is not supported (use f2/f4/f8, u1/u2/u4, i1/i2/i4/i8 or b1)")
        }
    }
}
