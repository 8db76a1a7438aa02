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

/// Mutable containers (pickle fills them after creating them, and memo entries share them).
final class PyList { var items: [PyValue] = [] }
final class PyDict {
    var keys: [PyValue] = []
    var values: [PyValue] = []
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
/// `collections.OrderedDict` as a dict, and leaves other classes as opaque objects. It never executes code.
struct PickleMachine {
    let data: [UInt8]
    var pos = 0
    var stack: [PyValue] = []
    var marks: [Int] = []
    var memo: [Int: PyValue] = [:]
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
        guard n >= 0, pos + n <= data.count else { throw fail("truncated pickle (needs \(n) bytes at \(pos))") }
        defer { pos += n }
        return data[pos..<(pos + n)]
    }
    mutating func uint(_ n: Int) throws -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try bytes(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }
    mutating func line() throws -> String {
        guard let end = data[pos...].firstIndex(of: 0x0A) else { throw fail("truncated pickle (unterminated line)") }
        defer { pos = end + 1 }
        return String(decoding: data[pos..<end], as: UTF8.self)
    }
    mutating func pop() throws -> PyValue {
        guard let v = stack.popLast() else { throw fail("pickle stack underflow") }
        return v
    }
    mutating func popMark() throws -> [PyValue] {
        guard let m = marks.popLast(), m <= stack.count else { throw fail("pickle MARK missing") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }
    mutating func top() throws -> PyValue {
        guard let v = stack.last else { throw fail("pickle stack underflow") }
        return v
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
            case 0x7D: stack.append(.dict(PyDict()))                    // EMPTY_DICT
            case 0x5D: stack.append(.list(PyList()))                    // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))                         // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))              // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))                // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))
            case 0x6C: let items = try popMark(); let l = PyList(); l.items = items; stack.append(.list(l))  // LIST
            case 0x64:                                                  // DICT
                let items = try popMark(); let d = PyDict()
                for i in stride(from: 0, to: items.count - 1, by: 2) { d.set(items[i], items[i + 1]) }
                stack.append(.dict(d))
            case 0x4E: stack.append(.none)                              // NONE
            case 0x88: stack.append(.bool(true))                        // NEWTRUE
            case 0x89: stack.append(.bool(false))                       // NEWFALSE
            case 0x4B: stack.append(.int(Int(try byte())))             // BININT1
            case 0x4D: stack.append(.int(Int(try uint(2))))             // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))  // BININT
            case 0x8A: stack.append(.int(try long(Int(try byte()))))    // LONG1
            case 0x8B: stack.append(.int(try long(Int(try uint(4)))))   // LONG4
            case 0x49:                                                  // INT (text; "01"/"00" are bools)
                let s = try line()
                if s == "01" || s == "00" { stack.append(.bool(s == "01")) }
                else { guard let v = Int(s) else { throw fail("bad INT '\(s)'") }; stack.append(.int(v)) }
            case 0x4C:                                                  // LONG (text)
                let s = try line().replacingOccurrences(of: "L", with: "")
                guard let v = Int(s) else { throw fail("bad LONG '\(s)'") }
                stack.append(.int(v))
            case 0x47:                                                  // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for b in try bytes(8) { v = v << 8 | UInt64(b) }
                stack.append(.float(Double(bitPattern: v)))
            case 0x46:                                                  // FLOAT (text)
                let s = try line()
                guard let v = Double(s) else { throw fail("bad FLOAT '\(s)'") }
                stack.append(.float(v))
            case 0x58: stack.append(.string(try utf8(Int(try uint(4)))))    // BINUNICODE
            case 0x8C: stack.append(.string(try utf8(Int(try byte()))))     // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try utf8(Int(try uint(8)))))    // BINUNICODE8
            case 0x56: stack.append(.string(try line()))                    // UNICODE (raw-unicode-escape, ASCII here)
            case 0x55: stack.append(.string(try latin1(Int(try byte()))))   // SHORT_BINSTRING
            case 0x54: stack.append(.string(try latin1(Int(try uint(4)))))  // BINSTRING
            case 0x43: stack.append(.bytes(Array(try bytes(Int(try byte())))))     // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(try bytes(Int(try uint(4))))))    // BINBYTES
            case 0x8E: stack.append(.bytes(Array(try bytes(Int(try uint(8))))))    // BINBYTES8
            case 0x63:                                                  // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                stack.append(.global("\(module).\(name)"))
            case 0x93:                                                  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.string, let n = name.string else { throw fail("STACK_GLOBAL needs two strings") }
                stack.append(.global("\(m).\(n)"))
            case 0x71: memo[Int(try byte())] = try top()                // BINPUT
            case 0x72: memo[Int(try uint(4))] = try top()               // LONG_BINPUT
            case 0x70:                                                  // PUT
                guard let i = Int(try line()) else { throw fail("bad PUT index") }
                memo[i] = try top()
            case 0x94: memo[memo.count] = try top()                     // MEMOIZE
            case 0x68: stack.append(try memoGet(Int(try byte())))       // BINGET
            case 0x6A: stack.append(try memoGet(Int(try uint(4))))      // LONG_BINGET
            case 0x67:                                                  // GET
                guard let i = Int(try line()) else { throw fail("bad GET index") }
                stack.append(try memoGet(i))
            case 0x61:                                                  // APPEND
                let v = try pop()
                guard case .list(let l) = try top() else { throw fail("APPEND to a non-list") }
                l.items.append(v)
            case 0x65:                                                  // APPENDS
                let items = try popMark()
                guard case .list(let l) = try top() else { throw fail("APPENDS to a non-list") }
                l.items += items
            case 0x73:                                                  // SETITEM
                let v = try pop(), k = try pop()
                guard case .dict(let d) = try top() else { throw fail("SETITEM on a \(try top().typeName)") }
                d.set(k, v)
            case 0x75:                                                  // SETITEMS
                let items = try popMark()
                guard case .dict(let d) = try top() else { throw fail("SETITEMS on a \(try top().typeName)") }
                for i in stride(from: 0, to: items.count - 1, by: 2) { d.set(items[i], items[i + 1]) }
            case 0x52, 0x81:                                            // REDUCE, NEWOBJ
                let args = try pop(), callable = try pop()
                stack.append(try call(callable, args.elements ?? [args]))
            case 0x62:                                                  // BUILD
                // A dict state becomes the object's last argument (TorchScript modules keep their parameters and
                // submodules there); other states (OrderedDict attributes, slot tuples) are not needed.
                let state = try pop(), obj = try pop()
                if case .object(let name, let args) = obj, case .dict = state {
                    stack.append(.object(name, args + [state]))
                } else {
                    stack.append(obj)
                }
            case 0x51: stack.append(try persistentLoad(try pop()))      // BINPERSID
            case 0x50: stack.append(try persistentLoad(.string(try line())))  // PERSID
            case 0x30: _ = try pop()                                    // POP
            case 0x31: _ = try popMark()                                // POP_MARK
            case 0x32: stack.append(try top())                          // DUP
            default:
                throw fail(String(format: "unsupported pickle opcode 0x%02X at byte %d", op, pos - 1))
            }
        }
    }

    mutating func memoGet(_ i: Int) throws -> PyValue {
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
