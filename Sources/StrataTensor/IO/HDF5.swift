import CHDF5
import Foundation

/// An error from reading an HDF5 file, carrying libhdf5's own messages where it produced any.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The calling thread's HDF5 error stack (innermost first) appended to `context`; clears the stack.
    static func last(_ context: String) -> HDF5Error {
        var buf = [CChar](repeating: 0, count: 1024)
        strata_h5_last_error(&buf, buf.count)
        let detail = stringFromCBuffer(buf)
        return HDF5Error(detail.isEmpty ? context : "\(context) (libhdf5: \(detail))")
    }
}

/// The value of an HDF5 attribute (Keras stores `layer_names`, `weight_names` as string arrays).
public enum HDF5Attribute: Equatable, Sendable {
    case string(String)
    case strings([String])
    case ints([Int])
    case doubles([Double])

    /// The strings of a string or string-array attribute. An empty array of any type gives `[]` (Keras writes
    /// `weight_names` of a layer without weights as an empty float64 array).
    public var strings: [String]? {
        switch self {
        case .string(let s): [s]
        case .strings(let s): s
        case .ints(let v) where v.isEmpty: []
        case .doubles(let v) where v.isEmpty: []
        default: nil
        }
    }
    /// A scalar string attribute, or a one-element string array.
    public var string: String? {
        guard let s = strings, s.count == 1 else { return nil }
        return s[0]
    }
}

/// One group or dataset of a file, as listed by ``HDF5File/entries(under:)``.
public struct HDF5Entry: Equatable, Sendable {
    public enum Kind: Sendable { case group, dataset }
    /// Absolute path, e.g. `/conv2d_1/conv2d_1/kernel:0`.
    public let path: String
    public let kind: Kind
    /// Dataset dimensions (empty for groups and scalars).
    public let shape: [Int]
    /// The dtype ``HDF5File/read(_:)`` returns for the dataset, nil for groups and non-numeric datasets.
    public let dtype: DType?
}

/// A read-only HDF5 file (libhdf5, serial build): list groups and datasets, read attributes, and read datasets
/// or row ranges of them into tensors.
///
/// ```swift
/// let f = try HDF5File(path: "weights.h5")
/// let layers = try f.attribute("layer_names").strings ?? []
/// let kernel = try f.read("/conv2d_1/conv2d_1/kernel:0")          // [3, 3, 10, 16] float32
/// let chips = try f.read("/sen2", rows: 0..<256)                   // the first 256 samples
/// ```
///
/// Numeric datasets are converted by libhdf5 to the nearest tensor dtype: float16/float32 → float32,
/// float64 → float64, uint8 → uint8, int8 → int8, int16 → int16, uint16/int32 → int32, uint32/int64/uint64 → int64.
/// Calls are serialised by a process-wide lock, so a file may be shared between threads.
public final class HDF5File: @unchecked Sendable {
    public let path: String
    let id: hid_t

    /// Opens `path` read-only. Throws when the file is missing or is not HDF5.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error("HDF5: no file at \(path)")
        }
        id = try hdf5Locked {
            strata_h5_quiet()
            guard H5Fis_hdf5(path) > 0 else {
                _ = HDF5Error.last("")
                throw HDF5Error("HDF5: \(path) is not an HDF5 file")
            }
            let id = H5Fopen(path, strata_h5f_acc_rdonly(), strata_h5p_default())
            guard id >= 0 else { throw HDF5Error.last("HDF5: cannot open \(path)") }
            return id
        }
    }

    deinit { hdf5Locked { _ = H5Fclose(id) } }

    // MARK: structure

    /// True when an object (group or dataset) exists at `objectPath`.
    public func exists(_ objectPath: String) -> Bool {
        hdf5Locked { strata_h5_quiet(); return linkExists(normalise(objectPath)) }
    }

    /// Every group and dataset under `group` (default: the root), depth first, children in name order.
    public func entries(under group: String = "/") throws -> [HDF5Entry] {
        try hdf5Locked {
            strata_h5_quiet()
            var out: [HDF5Entry] = []
            try walk(normalise(group), into: &out, depth: 0)
            return out
        }
    }

    /// Paths of every dataset in the file.
    public func datasetPaths() throws -> [String] { try entries().filter { $0.kind == .dataset }.map(\.path) }

    /// Dimensions of a dataset.
    public func shape(of dataset: String) throws -> [Int] {
        try hdf5Locked {
            strata_h5_quiet()
            let d = try openDataset(dataset)
            defer { H5Dclose(d) }
            return try dims(of: d)
        }
    }

    // MARK: attributes

    /// Names of the attributes attached to the object at `objectPath` (default: the root group).
    public func attributeNames(of objectPath: String = "/") throws -> [String] {
        try hdf5Locked {
            strata_h5_quiet()
            let o = try openObject(objectPath)
            defer { H5Oclose(o) }
            final class Names { var list: [String] = [] }
            let names = Names()
            var idx: hsize_t = 0
            let status = H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, &idx, { _, name, _, ctx in
                if let name, let ctx { Unmanaged<Names>.fromOpaque(ctx).takeUnretainedValue().list.append(String(cString: name)) }
                return 0
            }, Unmanaged.passUnretained(names).toOpaque())
            guard status >= 0 else { throw HDF5Error.last("HDF5: cannot list the attributes of \(objectPath) in \(path)") }
            return withExtendedLifetime(names) { names.list }
        }
    }

    /// True when the object at `objectPath` (default: the root group) has an attribute `name`. Prefer this to
    /// `attributeNames` on untrusted files: listing builds libhdf5's attribute table, whose error path in
    /// libhdf5 1.10 dereferences NULL on some corrupt files (found by Fuzz/run keras-h5); a lookup by name does not.
    public func hasAttribute(_ name: String, of objectPath: String = "/") throws -> Bool {
        try hdf5Locked {
            strata_h5_quiet()
            let o = try openObject(objectPath)
            defer { H5Oclose(o) }
            let r = H5Aexists(o, name)
            guard r >= 0 else {
                throw HDF5Error.last("HDF5: cannot look up attribute '\(name)' of \(objectPath) in \(path)")
            }
            return r > 0
        }
    }

    /// Reads attribute `name` of the object at `objectPath` (default: the root group).
    public func attribute(_ name: String, of objectPath: String = "/") throws -> HDF5Attribute {
        try hdf5Locked {
            strata_h5_quiet()
            let o = try openObject(objectPath)
            defer { H5Oclose(o) }
            guard H5Aexists(o, name) > 0 else {
                _ = HDF5Error.last("")
                throw HDF5Error("HDF5: \(objectPath) in \(path) has no attribute '\(name)'")
            }
            let a = H5Aopen(o, name, strata_h5p_default())
            guard a >= 0 else { throw HDF5Error.last("HDF5: cannot open attribute '\(name)' of \(objectPath)") }
            defer { H5Aclose(a) }
            return try readAttribute(a, "\(objectPath)@\(name)")
        }
    }

    // MARK: datasets

    /// Reads a whole numeric dataset into a new CPU tensor of the same shape.
    public func read(_ dataset: String) throws -> Tensor {
        try hdf5Locked {
            strata_h5_quiet()
            let d = try openDataset(dataset)
            defer { H5Dclose(d) }
            let shape = try dims(of: d)
            let (dtype, mem) = try memoryType(of: d, dataset)
            let t = try Tensor.empty(shape, .init(dtype: dtype))
            if t.count > 0 {
                guard H5Dread(d, mem, strata_h5s_all(), strata_h5s_all(), strata_h5p_default(), t.dataPointer) >= 0 else {
                    throw HDF5Error.last("HDF5: cannot read \(dataset) from \(path)")
                }
            }
            return t
        }
    }

    /// Reads rows `rows` of the first dimension of a numeric dataset (a hyperslab), e.g. a batch of samples
    /// from So2Sat's `sen2` array `[N, 32, 32, 10]`, without reading the rest.
    public func read(_ dataset: String, rows: Range<Int>) throws -> Tensor {
        try hdf5Locked {
            strata_h5_quiet()
            let d = try openDataset(dataset)
            defer { H5Dclose(d) }
            let shape = try dims(of: d)
            guard let n = shape.first else { throw HDF5Error("HDF5: \(dataset) in \(path) is a scalar; it has no rows") }
            guard rows.lowerBound >= 0, rows.upperBound <= n else {
                throw HDF5Error("HDF5: rows \(rows.lowerBound)..<\(rows.upperBound) are outside \(dataset)'s 0..<\(n) in \(path)")
            }
            let (dtype, mem) = try memoryType(of: d, dataset)
            var outShape = shape
            outShape[0] = rows.count
            let t = try Tensor.empty(outShape, .init(dtype: dtype))
            if t.count == 0 { return t }
            let fileSpace = H5Dget_space(d)
            defer { H5Sclose(fileSpace) }
            var start = [hsize_t](repeating: 0, count: shape.count)
            start[0] = hsize_t(rows.lowerBound)
            var count = shape.map { hsize_t($0) }
            count[0] = hsize_t(rows.count)
            guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) >= 0 else {
                throw HDF5Error.last("HDF5: cannot select rows of \(dataset)")
            }
            let memSpace = H5Screate_simple(Int32(count.count), count, nil)
            defer { H5Sclose(memSpace) }
            guard H5Dread(d, mem, memSpace, fileSpace, strata_h5p_default(), t.dataPointer) >= 0 else {
                throw HDF5Error.last("HDF5: cannot read rows \(rows) of \(dataset) from \(path)")
            }
            return t
        }
    }

    // MARK: internals (called with the lock held)

    private func normalise(_ p: String) -> String {
        let parts = p.split(separator: "/", omittingEmptySubsequences: true)
        return "/" + parts.joined(separator: "/")
    }

    private func linkExists(_ p: String) -> Bool {
        if p == "/" { return true }
        var prefix = ""
        for part in p.split(separator: "/") {
            prefix += "/\(part)"
            if H5Lexists(id, prefix, strata_h5p_default()) <= 0 { _ = HDF5Error.last(""); return false }
        }
        return H5Oexists_by_name(id, p, strata_h5p_default()) > 0
    }

    private func openObject(_ objectPath: String) throws -> hid_t {
        let p = normalise(objectPath)
        guard linkExists(p) else { throw HDF5Error("HDF5: no group or dataset '\(p)' in \(path)") }
        let o = H5Oopen(id, p, strata_h5p_default())
        guard o >= 0 else { throw HDF5Error.last("HDF5: cannot open '\(p)' in \(path)") }
        return o
    }

    private func openDataset(_ dataset: String) throws -> hid_t {
        let o = try openObject(dataset)
        guard H5Iget_type(o) == H5I_DATASET else {
            H5Oclose(o)
            throw HDF5Error("HDF5: '\(normalise(dataset))' in \(path) is a group, not a dataset")
        }
        return o
    }

    private func dims(of d: hid_t) throws -> [Int] {
        let space = H5Dget_space(d)
        guard space >= 0 else { throw HDF5Error.last("HDF5: cannot get the dataspace") }
        defer { H5Sclose(space) }
        return try spaceDims(space)
    }

    private func spaceDims(_ space: hid_t) throws -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw HDF5Error.last("HDF5: cannot get the rank") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        return try dims.map { d in
            guard let v = Int(exactly: d), v <= 1 << 48 else {
                throw HDF5Error("HDF5: dimension \(d) in \(path) is too large (corrupt file?)")
            }
            return v
        }
    }

    /// The tensor dtype and libhdf5 memory type for a numeric file type (nil for strings, compounds, …).
    private func numericType(_ type: hid_t) -> (DType, hid_t)? {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            return size <= 4 ? (.float32, strata_h5t_native_float()) : (.float64, strata_h5t_native_double())
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch (size, signed) {
            case (1, false): return (.uint8, strata_h5t_native_uint8())
            case (1, true): return (.int8, strata_h5t_native_int8())
            case (2, true): return (.int16, strata_h5t_native_int16())
            case (2, false), (4, true): return (.int32, strata_h5t_native_int32())
            default: return (.int64, strata_h5t_native_int64())
            }
        default: return nil
        }
    }

    private func memoryType(of d: hid_t, _ dataset: String) throws -> (DType, hid_t) {
        let type = H5Dget_type(d)
        guard type >= 0 else { throw HDF5Error.last("HDF5: cannot get the type of \(dataset)") }
        defer { H5Tclose(type) }
        guard let r = numericType(type) else {
            throw HDF5Error("HDF5: \(dataset) in \(path) is not a numeric (integer or float) dataset; only those read into tensors")
        }
        return r
    }

    private func walk(_ group: String, into out: inout [HDF5Entry], depth: Int) throws {
        guard depth < 64 else { throw HDF5Error("HDF5: groups nested deeper than 64 levels under \(group) in \(path)") }
        let g = try openObject(group)
        defer { H5Oclose(g) }
        guard H5Iget_type(g) == H5I_GROUP else { throw HDF5Error("HDF5: '\(group)' in \(path) is not a group") }
        var info = H5G_info_t()
        guard H5Gget_info(g, &info) >= 0 else { throw HDF5Error.last("HDF5: cannot list \(group)") }
        for i in 0..<info.nlinks {
            let len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, strata_h5p_default())
            guard len >= 0 else { throw HDF5Error.last("HDF5: cannot read link \(i) of \(group)") }
            var buf = [CChar](repeating: 0, count: Int(len) + 1)
            _ = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, strata_h5p_default())
            let name = stringFromCBuffer(buf)
            let child = group == "/" ? "/\(name)" : "\(group)/\(name)"
            let o = H5Oopen(id, child, strata_h5p_default())
            guard o >= 0 else { _ = HDF5Error.last(""); continue }  // dangling soft/external link
            let kind = H5Iget_type(o)
            if kind == H5I_DATASET {
                let shape = try dims(of: o)
                let t = H5Dget_type(o)
                let dtype = numericType(t)?.0
                H5Tclose(t)
                H5Oclose(o)
                out.append(HDF5Entry(path: child, kind: .dataset, shape: shape, dtype: dtype))
            } else if kind == H5I_GROUP {
                H5Oclose(o)
                out.append(HDF5Entry(path: child, kind: .group, shape: [], dtype: nil))
                try walk(child, into: &out, depth: depth + 1)
            } else {
                H5Oclose(o)
            }
        }
    }

    /// Most values an attribute may hold (Keras's longest, `layer_names`, holds hundreds).
    static let maxAttributeValues = 1 << 24

    private func readAttribute(_ a: hid_t, _ what: String) throws -> HDF5Attribute {
        let type = H5Aget_type(a), space = H5Aget_space(a)
        defer { H5Tclose(type); H5Sclose(space) }
        let isNull = H5Sget_simple_extent_type(space) == H5S_NULL
        let shape = isNull ? [0] : try spaceDims(space)
        // Attributes are small (stored in the object header); a corrupt file can claim any count.
        let n = try shape.reduce(1) { acc, d in
            let (p, overflow) = acc.multipliedReportingOverflow(by: d)
            guard !overflow, p <= Self.maxAttributeValues else {
                throw HDF5Error("HDF5: attribute \(what) in \(path) claims \(shape) values (corrupt file?)")
            }
            return p
        }
        let scalar = shape.isEmpty
        switch H5Tget_class(type) {
        case H5T_STRING:
            var strings: [String]
            if n == 0 {
                strings = []
            } else if H5Tis_variable_str(type) > 0 {
                let mem = H5Tcopy(strata_h5t_c_s1())
                defer { H5Tclose(mem) }
                H5Tset_size(mem, strata_h5t_variable())
                H5Tset_cset(mem, H5Tget_cset(type))
                var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
                guard H5Aread(a, mem, &ptrs) >= 0 else { throw HDF5Error.last("HDF5: cannot read \(what)") }
                strings = ptrs.map { $0.map { String(cString: $0) } ?? "" }
                _ = strata_h5_reclaim(mem, space, &ptrs)
            } else {
                let size = H5Tget_size(type)
                let (total, overflow) = n.multipliedReportingOverflow(by: size)
                guard size > 0, !overflow, total <= Self.maxAttributeValues * 16 else {
                    throw HDF5Error("HDF5: attribute \(what) in \(path) claims \(n) strings of \(size) bytes "
                                    + "(corrupt file?)")
                }
                var bytes = [UInt8](repeating: 0, count: max(1, total))
                guard H5Aread(a, type, &bytes) >= 0 else { throw HDF5Error.last("HDF5: cannot read \(what)") }
                let spacePad = H5Tget_strpad(type) == H5T_STR_SPACEPAD
                strings = (0..<n).map { i in
                    var chunk = bytes[(i * size)..<((i + 1) * size)]
                    if let z = chunk.firstIndex(of: 0) { chunk = chunk[..<z] }
                    var s = String(decoding: chunk, as: UTF8.self)
                    if spacePad { while s.hasSuffix(" ") { s.removeLast() } }
                    return s
                }
            }
            return scalar ? .string(strings.first ?? "") : .strings(strings)
        case H5T_INTEGER:
            if n == 0 { return .ints([]) }
            var v = [Int64](repeating: 0, count: n)
            guard H5Aread(a, strata_h5t_native_int64(), &v) >= 0 else { throw HDF5Error.last("HDF5: cannot read \(what)") }
            return .ints(v.map(Int.init))
        case H5T_FLOAT:
            if n == 0 { return .doubles([]) }
            var v = [Double](repeating: 0, count: n)
            guard H5Aread(a, strata_h5t_native_double(), &v) >= 0 else { throw HDF5Error.last("HDF5: cannot read \(what)") }
            return .doubles(v)
        default:
            throw HDF5Error("HDF5: attribute \(what) in \(path) is neither a string nor a number")
        }
    }
}

/// libhdf5 calls are serialised process-wide (not every libhdf5 build is thread-safe).
private let hdf5Lock = NSLock()

@inline(__always)
private func hdf5Locked<T>(_ body: () throws -> T) rethrows -> T {
    hdf5Lock.lock()
    defer { hdf5Lock.unlock() }
    return try body()
}

/// The NUL-terminated string in a C buffer.
func stringFromCBuffer(_ buf: [CChar]) -> String {
    String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
