import CTorch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A malformed or unreadable safetensors file. `message` names the problem (and the path when there is one).
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads and writes the safetensors format (https://huggingface.co/docs/safetensors):
///
///     [8 bytes: N, little-endian u64] [N bytes: JSON header] [raw little-endian tensor data]
///
/// The header maps each tensor name to `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`
/// (offsets relative to the start of the data section) and may hold a `"__metadata__"` map of strings.
/// Supported dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
///
/// Loading maps the file into memory and wraps each tensor's bytes without copying (a private copy-on-write
/// mapping: writing into a loaded tensor never touches the file). Saving writes a temporary file next to the
/// destination and renames it into place.
public enum SafeTensors {
    /// The contents of a safetensors file: tensors in data order (the order they were saved in), plus metadata.
    public struct Contents: @unchecked Sendable {
        /// Tensor names in the order their data appears in the file.
        public let names: [String]
        public let tensors: [String: Tensor]
        /// The optional `"__metadata__"` string map.
        public let metadata: [String: String]
        /// Tensors as `(name, tensor)` pairs in file order.
        public var ordered: [(String, Tensor)] { names.map { ($0, tensors[$0]!) } }
    }

    /// Largest header accepted (the reference implementation's limit), so a corrupt length cannot ask for GBs.
    static let maxHeaderBytes = 100_000_000

    // MARK: dtype names

    static func dtype(named name: String) -> DType? {
        switch name {
        case "F64": .float64
        case "F32": .float32
        case "F16": .float16
        case "BF16": .bfloat16
        case "I64": .int64
        case "I32": .int32
        case "I16": .int16
        case "I8": .int8
        case "U8": .uint8
        case "BOOL": .bool
        default: nil
        }
    }

    static func name(of dtype: DType) -> String {
        switch dtype {
        case .float64: "F64"
        case .float32: "F32"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int64: "I64"
        case .int32: "I32"
        case .int16: "I16"
        case .int8: "I8"
        case .uint8: "U8"
        case .bool: "BOOL"
        }
    }

    // MARK: loading

    /// Loads every tensor of a safetensors file, keyed by name.
    public static func load(_ path: String) throws -> [String: Tensor] { try read(path).tensors }

    /// Loads a safetensors file with tensor order and metadata.
    public static func read(_ path: String) throws -> Contents {
        let mapping = try MappedFile(path: path)
        return try parse(mapping.buffer, owner: mapping, source: path)
    }

    /// Parses safetensors bytes held in memory (copied once into an owned buffer).
    public static func decode(_ bytes: [UInt8]) throws -> Contents {
        let owned = OwnedBytes(bytes)
        return try parse(owned.buffer, owner: owned, source: "<memory>")
    }

    /// Parses a buffer that `owner` keeps alive; tensors borrow it without copying where aligned.
    static func parse(_ buf: UnsafeRawBufferPointer, owner: AnyObject, source: String) throws -> Contents {
        func fail(_ msg: String) -> SafeTensorsError { SafeTensorsError("safetensors \(source): \(msg)") }
        guard buf.count >= 8 else {
            throw fail("file is \(buf.count) bytes, shorter than the 8-byte header length (truncated or not a safetensors file)")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(buf[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeaderBytes) else {
            throw fail("header length \(n) exceeds the \(maxHeaderBytes)-byte limit (corrupt file or not safetensors)")
        }
        let headerLen = Int(n)
        guard 8 + headerLen <= buf.count else {
            throw fail("header claims \(headerLen) bytes but only \(buf.count - 8) follow (truncated file)")
        }
        let headerBytes = Data(UnsafeRawBufferPointer(rebasing: buf[8..<(8 + headerLen)]))
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes, options: [])
        } catch {
            throw fail("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else { throw fail("header JSON is not an object") }
        let dataStart = 8 + headerLen
        let dataLen = buf.count - dataStart

        var metadata: [String: String] = [:]
        struct Entry { let name: String; let dtype: DType; let shape: [Int]; let begin: Int; let end: Int }
        var entries: [Entry] = []
        entries.reserveCapacity(header.count)
        for (key, value) in header {
            if key == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("\"__metadata__\" is not an object") }
                for (mk, mv) in m {
                    guard let s = mv as? String else { throw fail("metadata value for \"\(mk)\" is not a string") }
                    metadata[mk] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("entry \"\(key)\" is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw fail("entry \"\(key)\" has no dtype string") }
            guard let dtype = Self.dtype(named: dtypeName) else {
                throw fail("tensor \"\(key)\" has unsupported dtype \"\(dtypeName)\" (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)")
            }
            guard let shapeAny = info["shape"] as? [Any], let shape = intList(shapeAny), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \"\(key)\" has no valid shape (a list of non-negative integers)")
            }
            guard let offAny = info["data_offsets"] as? [Any], let offs = intList(offAny), offs.count == 2 else {
                throw fail("tensor \"\(key)\" has no valid data_offsets (a list [begin, end])")
            }
            let (begin, end) = (offs[0], offs[1])
            guard begin >= 0, begin <= end, end <= dataLen else {
                throw fail("tensor \"\(key)\" data_offsets [\(begin), \(end)] are out of range for a \(dataLen)-byte data section (truncated file?)")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d)
                return (r.partialValue, acc.1 || r.overflow)
            }
            guard !overflow, count.multipliedReportingOverflow(by: dtype.byteSize).partialValue == end - begin else {
                throw fail("tensor \"\(key)\" has shape \(shape) of \(dtypeName) but data_offsets cover \(end - begin) bytes")
            }
            entries.append(Entry(name: key, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        // The spec asks for a data section fully covered, without holes or overlaps.
        var cursor = 0
        for e in entries {
            guard e.begin == cursor || (e.begin == e.end && e.begin <= cursor) else {
                throw fail(e.begin < cursor ? "tensor \"\(e.name)\" overlaps the previous tensor's data"
                                            : "hole in the data section before tensor \"\(e.name)\" (bytes \(cursor)..<\(e.begin))")
            }
            cursor = max(cursor, e.end)
        }
        guard cursor == dataLen else {
            throw fail("data section has \(dataLen) bytes but the tensors cover \(cursor) (trailing bytes)")
        }

        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(entries.count)
        let base = UnsafeMutableRawPointer(mutating: buf.baseAddress!) + dataStart
        for e in entries {
            let ptr = base + e.begin
            let t: Tensor
            if Int(bitPattern: ptr) % e.dtype.byteSize == 0 && e.end > e.begin {
                t = try Tensor.borrowing(bytes: ptr, shape: e.shape, dtype: e.dtype, owner: owner)
            } else {
                // Misaligned data (allowed by the format) or an empty tensor: copy into an aligned buffer.
                t = try Tensor.copying(bytes: UnsafeRawPointer(ptr), shape: e.shape, dtype: e.dtype)
            }
            tensors[e.name] = t
        }
        return Contents(names: entries.map(\.name), tensors: tensors, metadata: metadata)
    }

    static func intList(_ a: [Any]) -> [Int]? {
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for v in a {
            guard let n = v as? NSNumber else { return nil }
            let d = n.doubleValue
            guard d == d.rounded(), d >= -9.2e18, d <= 9.2e18 else { return nil }
            out.append(n.intValue)
        }
        return out
    }

    // MARK: saving

    /// Writes tensors (in the given order) and optional metadata to `path`, atomically (temporary file + rename).
    /// Tensors on other devices or non-contiguous ones are copied to contiguous CPU memory first.
    public static func save(_ tensors: [(String, Tensor)], metadata: [String: String]? = nil, to path: String) throws {
        let (header, blobs) = try prepare(tensors, metadata: metadata)
        let target = URL(fileURLWithPath: path)
        let tmpURL = AtomicFile.temporaryURL(for: target)
        let tmp = tmpURL.path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw SafeTensorsError("safetensors: cannot create \(tmp): \(String(cString: strerror(errno)))")
        }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            defer { close(fd) }
            try header.withUnsafeBytes { try writeAll(fd, $0, tmp) }
            for blob in blobs {
                guard blob.count > 0 else { continue }
                guard let p = blob.dataPointer else { throw SafeTensorsError("safetensors: tensor data not on the CPU") }
                try writeAll(fd, UnsafeRawBufferPointer(start: p, count: blob.count * blob.dtype.byteSize), tmp)
                withExtendedLifetime(blob) {}
            }
            guard fsync(fd) == 0 || errno == EINVAL else {
                throw SafeTensorsError("safetensors: fsync \(tmp) failed: \(String(cString: strerror(errno)))")
            }
        }
        do {
            try AtomicFile.replace(target, with: tmpURL)
        } catch {
            throw SafeTensorsError("safetensors: \(error.localizedDescription)")
        }
        ok = true
    }

    /// Writes a dictionary of tensors (stored in name order) and optional metadata to `path`.
    public static func save(_ tensors: [String: Tensor], metadata: [String: String]? = nil, to path: String) throws {
        try save(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: path)
    }

    /// The bytes of a safetensors file holding `tensors` (in order) and optional metadata.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String]? = nil) throws -> [UInt8] {
        let (header, blobs) = try prepare(tensors, metadata: metadata)
        var out = header
        for blob in blobs where blob.count > 0 {
            guard let p = blob.dataPointer else { throw SafeTensorsError("safetensors: tensor data not on the CPU") }
            out.append(contentsOf: UnsafeRawBufferPointer(start: p, count: blob.count * blob.dtype.byteSize))
            withExtendedLifetime(blob) {}
        }
        return out
    }

    /// Builds the length prefix + JSON header (padded with spaces to a multiple of 8, as the reference writer
    /// does, so data stays aligned) and the contiguous CPU tensors to write after it.
    static func prepare(_ tensors: [(String, Tensor)], metadata: [String: String]?) throws -> ([UInt8], [Tensor]) {
        var seen = Set<String>()
        var json = "{"
        var first = true
        if let metadata, !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
                .joined(separator: ",")
            json += "}"
            first = false
        }
        var blobs: [Tensor] = []
        var offset = 0
        for (name, t) in tensors {
            guard name != "__metadata__" else { throw SafeTensorsError("safetensors: \"__metadata__\" is reserved and cannot name a tensor") }
            guard seen.insert(name).inserted else { throw SafeTensorsError("safetensors: duplicate tensor name \"\(name)\"") }
            guard t.isDefined else { throw SafeTensorsError("safetensors: tensor \"\(name)\" is undefined") }
            var c = try t.detached()
            if c.device != .cpu { c = try c.to(.cpu) }
            c = try c.contiguous()
            let nbytes = c.count * c.dtype.byteSize
            if !first { json += "," }
            first = false
            json += "\(jsonString(name)):{\"dtype\":\"\(Self.name(of: c.dtype))\",\"shape\":[\(c.shape.map(String.init).joined(separator: ","))],"
            json += "\"data_offsets\":[\(offset),\(offset + nbytes)]}"
            offset += nbytes
            blobs.append(c)
        }
        json += "}"
        var headerBytes = Array(json.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count)
        let n = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out.append(contentsOf: headerBytes)
        return (out, blobs)
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String) throws {
        var p = bytes.baseAddress
        var left = bytes.count
        while left > 0, let cur = p {
            let n = write(fd, cur, min(left, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw SafeTensorsError("safetensors: writing \(path) failed: \(String(cString: strerror(errno)))")
            }
            left -= n
            p = cur + n
        }
    }
}

/// A private (copy-on-write) read/write memory mapping of a whole file, unmapped when the last tensor borrowing
/// it is gone.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeMutableRawPointer?
    let size: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw SafeTensorsError("safetensors: cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw SafeTensorsError("safetensors: cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SafeTensorsError("safetensors: \(path) is not a regular file") }
        size = Int(st.st_size)
        if size == 0 {
            base = nil
            return
        }
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw SafeTensorsError("safetensors: cannot map \(path): \(String(cString: strerror(errno)))")
        }
        base = p
    }

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    deinit { if let base { munmap(base, size) } }
}

/// Heap bytes kept alive for tensors that borrow them (8-byte aligned).
final class OwnedBytes: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let size: Int
    init(_ bytes: [UInt8]) {
        size = bytes.count
        base = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        bytes.withUnsafeBytes { if let src = $0.baseAddress, size > 0 { base.copyMemory(from: src, byteCount: size) } }
    }
    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }
    deinit { base.deallocate() }
}
