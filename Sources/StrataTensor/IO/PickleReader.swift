import CTorch
import Foundation

/// A value on Python's pickle machine, as far as `torch.save` files need: containers, scalars, strings, tensors,
/// and opaque objects for classes Strata does not interpret (kept so the rest of the file still loads).
indirect enum PyValue {
    case none, bool(Bool), int(Int), float(Double), string(String), bytes([UInt8])
    case tuple([PyValue]), list(PyList), dict(PyDict)
    case global(String)
    case object(String, [PyValue])
    case tensor(Tensor)
    case mark

    var typeName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .global(let g): g
        case .object(let n, _): n
        case .tensor: "Tensor"
        case .mark: "mark"
        }
    }
    var int: Int? { if case .int(let v) = self { v } else if case .bool(let b) = self { b ? 1 : 0 } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    /// Elements of a tuple or list.
    var elements: [PyValue]? {
        switch self {
        case .tuple(let t): t
        case .list(let l): l.items
        default: nil
        }
    }
}

/// Mutable containers (pickle fills them after creating them, and memo entries share them). A container is
/// `sealed` once it is placed inside another: Python's pickler fills every container before nesting it, so a later
/// fill only happens in hand-made (cyclic) pickles, which are refused. `depth` is the nesting below it (1 for a
/// container of scalars), kept exact because sealed containers never change.
final class PyList {
    var items: [PyValue] = []
    var sealed = false
    var depth = 1
}
final class PyDict {
    var keys: [PyValue] = []
    var values: [PyValue] = []
    var sealed = false
    var depth = 1
    private var stringIndex: [String: Int] = [:]
    private var intIndex: [Int: Int] = [:]
    func set(_ k: PyValue, _ v: PyValue) {
        switch k {
        case .string(let s):
            if let i = stringIndex[s] { values[i] = v; return }
            stringIndex[s] = keys.count
        case .int(let n):
            if let i = intIndex[n] { values[i] = v; return }
            intIndex[n] = keys.count
        default: break
        }
        keys.append(k)
        values.append(v)
    }
}

/// A small pickle interpreter (protocols 2–5) for the `data.pkl` of `torch.save` archives. It rebuilds tensors
/// from the archive's storage records (`torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`), treats
/// `collections.OrderedDict` and dict subclasses (instances that receive dict items) as dicts, and leaves other classes as opaque objects. It never executes code.
/// Malformed input is a thrown `TorchError`: lengths are checked against the data, containers nest at most
/// `maxDepth` levels (deeper values would overflow the stack when walked or freed), cycles are refused.
struct PickleMachine {
    /// A value on the machine's stack or in its memo, with its container nesting depth (0 for scalars).
    struct Item {
        var value: PyValue
        var depth: Int
    }

    /// Deepest container nesting accepted; state dicts nest a handful of levels.
    static let maxDepth = 100

    let data: [UInt8]
    var pos = 0
    var stack: [Item] = []
    var marks: [Int] = []
    var memo: [Int: Item] = [:]
    /// Resolves `persistent_load` ids (torch.save's storages).
    let persistentLoad: (PyValue) throws -> PyValue
    let source: String

    init(_ data: [UInt8], source: String, persistentLoad: @escaping (PyValue) throws -> PyValue) {
        self.data = data
        self.source = source
        self.persistentLoad = persistentLoad
    }

    func fail(_ msg: String) -> TorchError { TorchError("\(source): \(msg)") }

    mutating func byte() throws -> UInt8 {
        guard pos < data.count else { throw fail("truncated pickle (at byte \(pos))") }
        defer { pos += 1 }
        return data[pos]
    }
    mutating func bytes(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= data.count - pos else { throw fail("truncated pickle (needs \(n) bytes at \(pos))") }
        defer { pos += n }
        return data[pos..<(pos + n)]
    }
    mutating func uint(_ n: Int) throws -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try bytes(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }
    /// A length field of `n` bytes, checked against the bytes that follow.
    mutating func length(_ n: Int) throws -> Int {
        let v = try uint(n)
        guard v <= UInt64(data.count - pos) else {
            throw fail("truncated pickle (a length of \(v) bytes at \(pos), \(data.count - pos) left)")
        }
        return Int(v)
    }
    mutating func line() throws -> String {
        guard let end = data[pos...].firstIndex(of: 0x0A) else { throw fail("truncated pickle (unterminated line)") }
        defer { pos = end + 1 }
        return String(decoding: data[pos..<end], as: UTF8.self)
    }

    /// The nesting depth of a value: containers carry their own (they may have grown since they were pushed).
    static func depth(_ item: Item) -> Int {
        switch item.value {
        case .list(let l): l.depth
        case .dict(let d): d.depth
        default: item.depth
        }
    }
    /// Marks a value as nested inside another container (no more APPEND/SETITEM on it).
    static func seal(_ v: PyValue) {
        switch v {
        case .list(let l): l.sealed = true
        case .dict(let d): d.sealed = true
        default: break
        }
    }
    /// Seals `items` and returns the depth of a container holding them.
    func nest(_ items: [Item]) throws -> Int {
        var d = 0
        for i in items {
            Self.seal(i.value)
            d = max(d, Self.depth(i))
        }
        guard d + 1 <= Self.maxDepth else { throw fail("containers nested deeper than \(Self.maxDepth) levels") }
        return d + 1
    }

    mutating func push(_ v: PyValue, depth: Int = 0) { stack.append(Item(value: v, depth: depth)) }
    mutating func popItem() throws -> Item {
        guard let v = stack.popLast() else { throw fail("pickle stack underflow") }
        return v
    }
    mutating func pop() throws -> PyValue { try popItem().value }
    mutating func popMark() throws -> [Item] {
        guard let m = marks.popLast(), m <= stack.count else { throw fail("pickle MARK missing") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }
    func topItem() throws -> Item {
        guard let v = stack.last else { throw fail("pickle stack underflow") }
        return v
    }
    func top() throws -> PyValue { try topItem().value }

    /// The list on top of the stack, to be filled.
    func openList(_ what: String) throws -> PyList {
        guard case .list(let l) = try top() else { throw fail("\(what) to a non-list") }
        guard !l.sealed else {
            throw fail("\(what) to a list that is already nested (cyclic pickles are not supported)")
        }
        return l
    }
    /// The dict on top of the stack, to be filled. An instance of another class that gets dict items is a dict
    /// subclass (`collections.defaultdict`, Lightning's `AttributeDict`, `addict.Dict`: pickled as the class call
    /// then SETITEMS): it becomes a plain dict of those items, as its class adds no tensors.
    mutating func openDict(_ what: String) throws -> PyDict {
        if case .object = try top(), let last = stack.indices.last {
            let d = PyDict()
            d.depth = max(d.depth, stack[last].depth)
            stack[last] = Item(value: .dict(d), depth: stack[last].depth)
        }
        guard case .dict(let d) = try top() else { throw fail("\(what) on a \(try top().typeName)") }
        guard !d.sealed else {
            throw fail("\(what) on a dict that is already nested (cyclic pickles are not supported)")
        }
        return d
    }

    /// After nesting the new items: a container that got sealed was put inside itself.
    func checkOpen(_ sealed: Bool, _ what: String) throws {
        guard !sealed else { throw fail("\(what) puts a container inside itself (cyclic pickles are not supported)") }
    }

    /// Runs the program to STOP and returns the result.
    mutating func run() throws -> PyValue {
        while true {
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                   // PROTO
            case 0x95: _ = try uint(8)                                  // FRAME
            case 0x2E: return try pop()                                 // STOP
            case 0x28: marks.append(stack.count)                        // MARK
            case 0x7D: push(.dict(PyDict()))                            // EMPTY_DICT
            case 0x5D: push(.list(PyList()))                            // EMPTY_LIST
            case 0x29: push(.tuple([]), depth: 1)                       // EMPTY_TUPLE
            case 0x74: try tuple(try popMark())                         // TUPLE
            case 0x85: try tuple([try popItem()])                       // TUPLE1
            case 0x86: let b = try popItem(), a = try popItem(); try tuple([a, b])              // TUPLE2
            case 0x87: let c = try popItem(), b = try popItem(), a = try popItem(); try tuple([a, b, c])
            case 0x6C:                                                  // LIST
                let items = try popMark()
                let l = PyList()
                l.depth = try nest(items)
                l.items = items.map(\.value)
                push(.list(l))
            case 0x64:                                                  // DICT
                let items = try popMark()
                let d = PyDict()
                d.depth = try nest(items)
                for i in stride(from: 0, to: items.count - 1, by: 2) { d.set(items[i].value, items[i + 1].value) }
                push(.dict(d))
            case 0x4E: push(.none)                                      // NONE
            case 0x88: push(.bool(true))                                // NEWTRUE
            case 0x89: push(.bool(false))                               // NEWFALSE
            case 0x4B: push(.int(Int(try byte())))                      // BININT1
            case 0x4D: push(.int(Int(try uint(2))))                     // BININT2
            case 0x4A: push(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))  // BININT
            case 0x8A: push(.int(try long(Int(try byte()))))            // LONG1
            case 0x8B: push(.int(try long(try length(4))))              // LONG4
            case 0x49:                                                  // INT (text; "01"/"00" are bools)
                let s = try line()
                if s == "01" || s == "00" { push(.bool(s == "01")) }
                else { guard let v = Int(s) else { throw fail("bad INT '\(s)'") }; push(.int(v)) }
            case 0x4C:                                                  // LONG (text)
                let s = try line().replacingOccurrences(of: "L", with: "")
                guard let v = Int(s) else { throw fail("bad LONG '\(s)'") }
                push(.int(v))
            case 0x47:                                                  // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for b in try bytes(8) { v = v << 8 | UInt64(b) }
                push(.float(Double(bitPattern: v)))
            case 0x46:                                                  // FLOAT (text)
                let s = try line()
                guard let v = Double(s) else { throw fail("bad FLOAT '\(s)'") }
                push(.float(v))
            case 0x58: push(.string(try utf8(try length(4))))           // BINUNICODE
            case 0x8C: push(.string(try utf8(Int(try byte()))))         // SHORT_BINUNICODE
            case 0x8D: push(.string(try utf8(try length(8))))           // BINUNICODE8
            case 0x56: push(.string(try line()))                        // UNICODE (raw-unicode-escape, ASCII here)
            case 0x55: push(.string(try latin1(Int(try byte()))))       // SHORT_BINSTRING
            case 0x54: push(.string(try latin1(try length(4))))         // BINSTRING
            case 0x43: push(.bytes(Array(try bytes(Int(try byte())))))  // SHORT_BINBYTES
            case 0x42: push(.bytes(Array(try bytes(try length(4)))))    // BINBYTES
            case 0x8E: push(.bytes(Array(try bytes(try length(8)))))    // BINBYTES8
            case 0x96: push(.bytes(Array(try bytes(try length(8)))))    // BYTEARRAY8 (protocol 5 buffers)
            case 0x63:                                                  // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                push(.global("\(module).\(name)"))
            case 0x93:                                                  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.string, let n = name.string else { throw fail("STACK_GLOBAL needs two strings") }
                push(.global("\(m).\(n)"))
            case 0x71: memo[Int(try byte())] = try topItem()            // BINPUT
            case 0x72: memo[Int(try uint(4))] = try topItem()           // LONG_BINPUT
            case 0x70:                                                  // PUT
                guard let i = Int(try line()) else { throw fail("bad PUT index") }
                memo[i] = try topItem()
            case 0x94: memo[memo.count] = try topItem()                 // MEMOIZE
            case 0x68: stack.append(try memoGet(Int(try byte())))       // BINGET
            case 0x6A: stack.append(try memoGet(Int(try uint(4))))      // LONG_BINGET
            case 0x67:                                                  // GET
                guard let i = Int(try line()) else { throw fail("bad GET index") }
                stack.append(try memoGet(i))
            case 0x61:                                                  // APPEND
                let v = try popItem()
                let l = try openList("APPEND")
                l.depth = max(l.depth, try nest([v]))
                try checkOpen(l.sealed, "APPEND")
                l.items.append(v.value)
            case 0x65:                                                  // APPENDS
                let items = try popMark()
                let l = try openList("APPENDS")
                l.depth = max(l.depth, try nest(items))
                try checkOpen(l.sealed, "APPENDS")
                l.items += items.map(\.value)
            case 0x73:                                                  // SETITEM
                let v = try popItem(), k = try popItem()
                let d = try openDict("SETITEM")
                d.depth = max(d.depth, try nest([k, v]))
                try checkOpen(d.sealed, "SETITEM")
                d.set(k.value, v.value)
            case 0x75:                                                  // SETITEMS
                let items = try popMark()
                let d = try openDict("SETITEMS")
                d.depth = max(d.depth, try nest(items))
                try checkOpen(d.sealed, "SETITEMS")
                for i in stride(from: 0, to: items.count - 1, by: 2) { d.set(items[i].value, items[i + 1].value) }
            case 0x52, 0x81:                                            // REDUCE, NEWOBJ
                let args = try popItem(), callable = try pop()
                let depth = try nest([args])
                let result = try call(callable, args.value.elements ?? [args.value])
                switch result {
                case .list(let l): l.depth = max(l.depth, depth)
                case .dict(let d): d.depth = max(d.depth, depth)
                default: break
                }
                push(result, depth: depth)
            case 0x62:                                                  // BUILD
                // A dict state becomes the object's last argument (TorchScript modules keep their parameters and
                // submodules there); other states (OrderedDict attributes, slot tuples) are not needed.
                let state = try popItem(), obj = try popItem()
                if case .object(let name, let args) = obj.value, name.hasPrefix("numpy.") {
                    // NumPy arrays and dtypes (`_reconstruct`, `dtype`) carry their shape, type and bytes in the
                    // state tuple: kept as the last argument for `PythonPickle` to decode.
                    push(.object(name, args + [state.value]), depth: max(obj.depth, try nest([state])))
                } else if case .object(let name, let args) = obj.value, case .dict = state.value {
                    push(.object(name, args + [state.value]), depth: max(obj.depth, try nest([state])))
                } else {
                    stack.append(obj)
                }
            case 0x51: push(try persistentLoad(try pop()))              // BINPERSID
            case 0x50: push(try persistentLoad(.string(try line())))    // PERSID
            case 0x30: _ = try pop()                                    // POP
            case 0x31: _ = try popMark()                                // POP_MARK
            case 0x32: stack.append(try topItem())                      // DUP
            default:
                throw fail(String(format: "unsupported pickle opcode 0x%02X at byte %ld", op, pos - 1))
            }
        }
    }

    mutating func tuple(_ items: [Item]) throws {
        let depth = try nest(items)
        push(.tuple(items.map(\.value)), depth: depth)
    }
    mutating func memoGet(_ i: Int) throws -> Item {
        guard let v = memo[i] else { throw fail("pickle memo entry \(i) missing") }
        return v
    }
    mutating func utf8(_ n: Int) throws -> String { String(decoding: try bytes(n), as: UTF8.self) }
    mutating func latin1(_ n: Int) throws -> String { String(try bytes(n).map { Character(Unicode.Scalar($0)) }) }
    mutating func long(_ n: Int) throws -> Int {
        guard n <= 8 else { throw fail("integer of \(n) bytes does not fit in 64 bits") }
        if n == 0 { return 0 }
        let raw = try uint(n)
        let shift = UInt64(64 - 8 * n)
        return Int(Int64(bitPattern: raw << shift) >> Int64(shift))
    }

    static let asStrided = Op("aten::as_strided")

    /// The handful of callables torch.save files use; anything else becomes an opaque object.
    func call(_ callable: PyValue, _ args: [PyValue]) throws -> PyValue {
        guard case .global(let name) = callable else { return .object(callable.typeName, args) }
        switch name {
        case "collections.OrderedDict", "builtins.dict", "__builtin__.dict":
            let d = PyDict()
            if let pairs = args.first?.elements {
                for p in pairs { if let kv = p.elements, kv.count == 2 { d.set(kv[0], kv[1]) } }
            }
            return .dict(d)
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard args.count >= 4, case .tensor(let storage) = args[0], let offset = args[1].int,
                  let size = args[2].elements?.compactMap(\.int), let stride = args[3].elements?.compactMap(\.int)
            else { throw fail("malformed \(name) arguments") }
            return .tensor(try Self.asStrided.tensor([.tensor(storage), .ints(size), .ints(stride), .int(offset)]))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
             "torch.jit._pickle.restore_type_tag":
            guard let first = args.first else { throw fail("malformed \(name) arguments") }
            return first
        case "_codecs.encode":
            guard let s = args.first?.string else { throw fail("malformed _codecs.encode arguments") }
            return .bytes(s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        case "builtins.bytes", "__builtin__.bytes":  // protocol 2 writes b'' as bytes()
            if args.isEmpty { return .bytes([]) }
            return .object(name, args)
        case "torch.Size", "builtins.tuple":
            return .tuple(args.first?.elements ?? [])
        case "builtins.list":
            let l = PyList()
            l.items = args.first?.elements ?? []
            return .list(l)
        default:
            return .object(name, args)
        }
    }
}
