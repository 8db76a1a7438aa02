/// Emits the `data.pkl` of a `torch.save` archive holding an ordered dict of tensors, with exactly the globals
/// Python's own `torch.save(state_dict)` uses (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
/// `torch.<Type>Storage`), so `torch.load(path)` reads it with its default `weights_only=True`.
struct PickleWriter {
    private(set) var bytes: [UInt8] = [0x80, 0x02]  // PROTO 2

    mutating func op(_ b: UInt8) { bytes.append(b) }
    mutating func global(_ module: String, _ name: String) {
        op(0x63)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        op(0x58)  // BINUNICODE
        withUnsafeBytes(of: UInt32(u.count).littleEndian) { bytes += $0 }
        bytes += u
    }
    mutating func int(_ v: Int) {
        if (0..<256).contains(v) { op(0x4B); op(UInt8(v)) }
        else if (0..<65536).contains(v) { op(0x4D); withUnsafeBytes(of: UInt16(v).littleEndian) { bytes += $0 } }
        else if let i = Int32(exactly: v) { op(0x4A); withUnsafeBytes(of: i.littleEndian) { bytes += $0 } }
        else { op(0x8A); op(8); withUnsafeBytes(of: Int64(v).littleEndian) { bytes += $0 } }  // LONG1
    }
    mutating func tuple(_ items: [Int]) {
        op(0x28)  // MARK
        for i in items { int(i) }
        op(0x74)  // TUPLE
    }
    mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        op(0x29)  // EMPTY_TUPLE
        op(0x52)  // REDUCE
    }

    /// `OrderedDict([(name, tensor), …])` whose tensors live in storages "0", "1", … (contiguous, offset 0).
    mutating func stateDict(_ entries: [(name: String, shape: [Int], dtype: DType)]) throws {
        emptyOrderedDict()
        op(0x28)  // MARK
        for (i, e) in entries.enumerated() {
            guard let storage = Self.storageName(e.dtype) else {
                throw TorchError("TorchPickle.save: no torch storage type for dtype \(e.dtype)")
            }
            string(e.name)
            global("torch._utils", "_rebuild_tensor_v2")
            op(0x28)
            // persistent id ('storage', torch.<Type>Storage, key, location, numel)
            op(0x28)
            string("storage")
            global("torch", storage)
            string(String(i))
            string("cpu")
            int(e.shape.reduce(1, *))
            op(0x74)
            op(0x51)  // BINPERSID
            int(0)    // storage offset
            tuple(e.shape)
            tuple(Self.contiguousStrides(e.shape))
            op(0x89)  // requires_grad False
            emptyOrderedDict()  // backward hooks
            op(0x74)
            op(0x52)  // REDUCE
        }
        op(0x75)  // SETITEMS
        op(0x2E)  // STOP
    }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var s = Array(repeating: 1, count: shape.count)
        var acc = 1
        for i in shape.indices.reversed() { s[i] = acc; acc *= max(shape[i], 1) }
        return s
    }

    static func storageName(_ d: DType) -> String? {
        switch d {
        case .float32: "FloatStorage"
        case .float64: "DoubleStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        }
    }
}
