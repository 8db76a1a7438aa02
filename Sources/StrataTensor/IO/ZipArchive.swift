import CZlib
import Foundation

/// A read-only ZIP archive (PKWARE APPNOTE 6.3): the members listed by the central directory, stored (method 0) or
/// deflated (method 8, inflated by the system zlib), CRC-32 checked, zip64 sizes and offsets understood — what
/// NumPy's `np.savez` / `np.savez_compressed` write. `torch.save` archives go through libtorch's own reader
/// (`TorchPickle`), which requires the archive folder and version record a plain zip does not have.
///
/// ```swift
/// let zip = try ZipArchive(path: "sen2_image_7.npz")
/// let bytes = try zip.contents(of: "image.npy")
/// ```
public struct ZipArchive: Sendable {
    /// One member, as its central-directory record describes it.
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// 0 stored, 8 deflated.
        public let method: Int
        public let compressedSize: Int
        public let size: Int
        public let crc32: UInt32
        let localHeaderOffset: Int
        let encrypted: Bool
    }

    public let path: String
    /// The members in central-directory order.
    public let entries: [Entry]
    let data: Data

    /// Opens and indexes the archive at `path` (the file is memory-mapped, members are read on request).
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw TorchError("ZIP: no file at '\(path)'") }
        self.path = path
        data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        entries = try Self.centralDirectory(data, path)
    }

    /// The member called `name`, if there is one.
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The uncompressed bytes of member `name`, checked against its CRC-32.
    public func contents(of name: String) throws -> Data {
        guard let e = entry(name) else {
            throw TorchError("ZIP: '\(path)' has no member '\(name)'; it holds \(entries.map(\.name))")
        }
        return try contents(of: e)
    }

    public func contents(of e: Entry) throws -> Data {
        let what = "ZIP: member '\(e.name)' of '\(path)'"
        guard !e.encrypted else { throw TorchError("\(what) is encrypted; decrypt the archive first") }
        let b = ByteReader(data: data, source: path)
        guard try b.u32(e.localHeaderOffset) == 0x0403_4B50 else {
            throw TorchError("\(what): no local header at offset \(e.localHeaderOffset) (a damaged archive)")
        }
        let start = e.localHeaderOffset + 30 + Int(try b.u16(e.localHeaderOffset + 26))
            + Int(try b.u16(e.localHeaderOffset + 28))
        guard start >= 0, e.compressedSize >= 0, start <= data.count - e.compressedSize else {
            throw TorchError("\(what) is truncated: \(e.compressedSize) bytes from offset \(start) pass the end of "
                + "the file (\(data.count) bytes); download it again")
        }
        let raw = data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + e.compressedSize))
        let out: Data
        switch e.method {
        case 0: out = raw
        case 8: out = try Self.inflate(raw, size: e.size, what: what)
        default:
            throw TorchError("\(what) uses compression method \(e.method); only stored (0) and deflate (8) are "
                + "read — re-save it with np.savez or np.savez_compressed")
        }
        guard out.count == e.size else {
            throw TorchError("\(what) inflates to \(out.count) bytes, its directory says \(e.size)")
        }
        guard Self.crc32(out) == e.crc32 else {
            throw TorchError("\(what) fails its CRC-32 check (a damaged archive); download it again")
        }
        return out
    }

    // MARK: parsing

    /// Little-endian field reads with bounds checks.
    struct ByteReader {
        let data: Data
        let source: String
        func bytes(_ offset: Int, _ n: Int) throws -> Data {
            guard offset >= 0, n >= 0, offset <= data.count - n else {
                throw TorchError("ZIP: '\(source)' is truncated or not a zip archive (a field at byte \(offset) "
                    + "passes the end of the file)")
            }
            return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + n))
        }
        func uint(_ offset: Int, _ n: Int) throws -> UInt64 {
            let d = try bytes(offset, n)
            return d.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        func u16(_ o: Int) throws -> UInt16 { UInt16(try uint(o, 2)) }
        func u32(_ o: Int) throws -> UInt32 { UInt32(try uint(o, 4)) }
        func u64(_ o: Int) throws -> Int {
            let v = try uint(o, 8)
            guard v <= UInt64(Int.max) else { throw TorchError("ZIP: '\(source)': a size field overflows") }
            return Int(v)
        }
    }

    static func centralDirectory(_ data: Data, _ path: String) throws -> [Entry] {
        let b = ByteReader(data: data, source: path)
        // The end-of-central-directory record: 22 bytes plus a comment of up to 65,535.
        var eocd: Int?
        if data.count >= 22 {
            for o in stride(from: data.count - 22, through: max(0, data.count - 22 - 65_535), by: -1)
            where try b.u32(o) == 0x0605_4B50 {
                eocd = o
                break
            }
        }
        guard let end = eocd else {
            throw TorchError("ZIP: '\(path)' is not a zip archive (no end-of-central-directory record)")
        }
        var count = Int(try b.u16(end + 10))
        var offset = Int(try b.u32(end + 16))
        if count == 0xFFFF || offset == 0xFFFF_FFFF, end >= 20, try b.u32(end - 20) == 0x0706_4B50 {
            let z = try b.u64(end - 20 + 8)
            guard try b.u32(z) == 0x0606_4B50 else { throw TorchError("ZIP: '\(path)': damaged zip64 directory") }
            count = try b.u64(z + 32)
            offset = try b.u64(z + 48)
        }
        var out: [Entry] = []
        var o = offset
        for i in 0..<count {
            guard try b.u32(o) == 0x0201_4B50 else {
                throw TorchError("ZIP: '\(path)': central-directory record \(i) is damaged")
            }
            let flags = try b.u16(o + 8), method = Int(try b.u16(o + 10)), crc = try b.u32(o + 16)
            var csize = Int(try b.u32(o + 20)), usize = Int(try b.u32(o + 24))
            let nameLength = Int(try b.u16(o + 28)), extraLength = Int(try b.u16(o + 30))
            let commentLength = Int(try b.u16(o + 32))
            var local = Int(try b.u32(o + 42))
            let name = String(decoding: try b.bytes(o + 46, nameLength), as: UTF8.self)
            // Zip64 extra field (0x0001): the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
            var x = o + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = try b.u16(x), size = Int(try b.u16(x + 2))
                if id == 1 {
                    var p = x + 4
                    if usize == 0xFFFF_FFFF { usize = try b.u64(p); p += 8 }
                    if csize == 0xFFFF_FFFF { csize = try b.u64(p); p += 8 }
                    if local == 0xFFFF_FFFF { local = try b.u64(p) }
                }
                x += 4 + size
            }
            out.append(Entry(name: name, method: method, compressedSize: csize, size: usize, crc32: crc,
                             localHeaderOffset: local, encrypted: flags & 1 != 0))
            o += 46 + nameLength + extraLength + commentLength
        }
        return out
    }

    static func inflate(_ raw: Data, size: Int, what: String) throws -> Data {
        var out = Data(count: size)
        guard size > 0 else { return out }
        var s = z_stream()
        guard strata_inflate_init_raw(&s) == Z_OK else { throw TorchError("\(what): zlib inflateInit2 failed") }
        defer { inflateEnd(&s) }
        let status: Int32 = raw.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                s.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                s.avail_in = uInt(input.count)
                s.next_out = output.bindMemory(to: Bytef.self).baseAddress
                s.avail_out = uInt(output.count)
                return CZlib.inflate(&s, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            let msg = s.msg.map { String(cString: $0) } ?? "status \(status)"
            throw TorchError("\(what) is not a valid deflate stream (zlib: \(msg)); download it again")
        }
        return out.prefix(Int(s.total_out))
    }

    /// The CRC-32 (ISO-HDLC, as ZIP uses) of `d`.
    public static func crc32(_ d: Data) -> UInt32 {
        d.withUnsafeBytes { p -> UInt32 in
            guard let base = p.bindMemory(to: Bytef.self).baseAddress else { return 0 }
            var crc: uLong = CZlib.crc32(0, nil, 0)
            var done = 0
            while done < p.count {  // zlib takes uInt lengths
                let n = min(p.count - done, 1 << 30)
                crc = CZlib.crc32(crc, base + done, uInt(n))
                done += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}

/// Writes a ZIP archive of stored (uncompressed) members, as `np.savez` does, atomically.
public enum ZipWriter {
    /// Writes `members` (name, bytes) in order to `path` (a temporary name, then renamed). Members and the archive
    /// must stay under 4 GiB (no zip64).
    public static func write(_ members: [(name: String, data: Data)], to path: String) throws {
        var out = Data(), central = Data()
        func le<T: FixedWidthInteger>(_ v: T, _ d: inout Data) {
            withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) }
        }
        for m in members {
            let name = Data(m.name.utf8)
            guard m.data.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else {
                throw TorchError("ZIP: '\(path)': member '\(m.name)' does not fit a zip without zip64 (4 GiB)")
            }
            let crc = ZipArchive.crc32(m.data), offset = UInt32(out.count), size = UInt32(m.data.count)
            // Local header: version 20, no flags, stored, DOS time/date 1980-01-01 00:00.
            le(UInt32(0x0403_4B50), &out); le(UInt16(20), &out); le(UInt16(0), &out); le(UInt16(0), &out)
            le(UInt16(0), &out); le(UInt16(0x21), &out); le(crc, &out); le(size, &out); le(size, &out)
            le(UInt16(name.count), &out); le(UInt16(0), &out)
            out.append(name)
            out.append(m.data)
            le(UInt32(0x0201_4B50), &central); le(UInt16(20), &central); le(UInt16(20), &central)
            le(UInt16(0), &central); le(UInt16(0), &central); le(UInt16(0), &central); le(UInt16(0x21), &central)
            le(crc, &central); le(size, &central); le(size, &central); le(UInt16(name.count), &central)
            le(UInt16(0), &central); le(UInt16(0), &central); le(UInt16(0), &central); le(UInt16(0), &central)
            le(UInt32(0), &central); le(offset, &central)
            central.append(name)
        }
        let cdOffset = UInt32(out.count)
        out.append(central)
        le(UInt32(0x0605_4B50), &out); le(UInt16(0), &out); le(UInt16(0), &out)
        le(UInt16(members.count), &out); le(UInt16(members.count), &out)
        le(UInt32(central.count), &out); le(cdOffset, &out); le(UInt16(0), &out)
        try AtomicFile.write(out, to: URL(fileURLWithPath: path))
    }
}
