import Foundation
import StrataGeo
#if canImport(Glibc)
import Glibc
#endif

/// Per-thread cache of open `WindowReader`s and `VectorSource`s (GDAL handles are not thread-safe): every thread that reads chips —
/// each loader worker, the main thread — opens a file (or builds a file's warped VRT) once and reuses it for every
/// later chip. There is no lock on the read path. Bounded per thread (least recently used closed first); a
/// thread's readers are closed when it exits.
final class ReaderCache {
    /// Most readers a thread keeps open (`STRATA_READERS_PER_THREAD`, default 64).
    static let capacity: Int = {
        ProcessInfo.processInfo.environment["STRATA_READERS_PER_THREAD"].flatMap(Int.init).map { max(1, $0) } ?? 64
    }()

    private var readers: [String: (reader: AnyObject, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    /// Scratch buffers reused by composites on this thread, one per nesting depth.
    private var scratch: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    private var scratchDepth = 0

    /// The calling thread's cache.
    static var current: ReaderCache {
        if let p = pthread_getspecific(key) { return Unmanaged<ReaderCache>.fromOpaque(p).takeUnretainedValue() }
        let c = ReaderCache()
        pthread_setspecific(key, Unmanaged.passRetained(c).toOpaque())
        return c
    }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { p in
            guard let p else { return }
            Unmanaged<ReaderCache>.fromOpaque(p).release()
        }
        return k
    }()

    /// The reader cached under `key`, or a new one from `open` (which then evicts the least recently used reader
    /// when the cache is full).
    func reader<T: AnyObject>(_ key: String, _ open: () throws -> T) throws -> T {
        clock &+= 1
        if let hit = readers[key], let r = hit.reader as? T {
            readers[key] = (r, clock)
            return r
        }
        let r = try open()
        if readers.count >= Self.capacity, let oldest = readers.min(by: { $0.value.used < $1.value.used }) {
            readers.removeValue(forKey: oldest.key)
        }
        readers[key] = (r, clock)
        return r
    }

    /// Closes this thread's readers (they reopen on demand).
    func removeAll() { readers.removeAll() }

    /// Runs `body` with a scratch area of at least `bytes` (reused across calls; nested calls get separate areas).
    func withScratch<T>(_ bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> T) rethrows -> T {
        let d = scratchDepth
        if d == scratch.count {
            scratch.append((UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64), max(bytes, 64)))
        } else if scratch[d].bytes < bytes {
            scratch[d].pointer.deallocate()
            scratch[d] = (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
        }
        scratchDepth += 1
        defer { scratchDepth -= 1 }
        return try body(scratch[d].pointer)
    }

    deinit { for s in scratch { s.pointer.deallocate() } }
}
