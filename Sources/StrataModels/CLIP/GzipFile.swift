import CZlib
import Foundation

/// Reads gzip files through the system zlib (`inflateInit2` with gzip framing: header parsed, CRC-32 and length
/// checked by zlib). Concatenated gzip members are read one after another, as `gzip -d` does.
enum GzipFile {
    /// The decompressed bytes of the gzip file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError("cannot read '\(path)': the file does not exist or is not readable")
        }
        return try decompress([UInt8](data), name: path)
    }

    /// Inflates the gzip stream `bytes`; `name` appears in errors.
    static func decompress(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else {
            throw ModelError("'\(name)' is not a gzip file (it does not start with the gzip magic bytes 1f 8b)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        try bytes.withUnsafeBufferPointer { input in
            // One zlib stream per gzip member.
            while consumed < input.count {
                var s = z_stream()
                guard strata_inflate_init_gzip(&s) == Z_OK else { throw ModelError("zlib: inflateInit2 failed") }
                defer { inflateEnd(&s) }
                s.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                s.avail_in = uInt(input.count - consumed)
                var status: Int32 = Z_OK
                repeat {
                    status = chunk.withUnsafeMutableBufferPointer { buf -> Int32 in
                        s.next_out = buf.baseAddress
                        s.avail_out = uInt(buf.count)
                        let r = inflate(&s, Z_NO_FLUSH)
                        out.append(contentsOf: buf[0..<(buf.count - Int(s.avail_out))])
                        return r
                    }
                    if status == Z_BUF_ERROR && s.avail_in == 0 {
                        throw ModelError("'\(name)' is truncated: the gzip stream ends early (download it again)")
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        let msg = s.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw ModelError("'\(name)' is not a valid gzip file (zlib: \(msg))")
                    }
                } while status != Z_STREAM_END
                consumed = input.count - Int(s.avail_in)
                // Trailing zero padding after the last member is ignored, as gzip does.
                if input[consumed...].allSatisfy({ $0 == 0 }) { break }
            }
        }
        return out
    }
}
