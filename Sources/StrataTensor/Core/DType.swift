import CTorch

/// Element types, numbered as libtorch's `c10::ScalarType`.
public enum DType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, int16 = 2, int32 = 3, int64 = 4, float16 = 5, float32 = 6, float64 = 7
    case bool = 11, bfloat16 = 15

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .int16, .float16, .bfloat16: 2
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }
    public var isFloatingPoint: Bool { [.float16, .float32, .float64, .bfloat16].contains(self) }
    public var description: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        case .bool: "bool"
        case .bfloat16: "bfloat16"
        }
    }
    /// Parses names as PyTorch and safetensors spell them (`float32`, `F32`, `torch.float`, …).
    public init?(name: String) {
        let n = name.lowercased().replacingOccurrences(of: "torch.", with: "")
        switch n {
        case "uint8", "u8", "byte": self = .uint8
        case "int8", "i8", "char": self = .int8
        case "int16", "i16", "short": self = .int16
        case "int32", "i32", "int": self = .int32
        case "int64", "i64", "long": self = .int64
        case "float16", "f16", "half": self = .float16
        case "float32", "f32", "float": self = .float32
        case "float64", "f64", "double": self = .float64
        case "bool", "boolean": self = .bool
        case "bfloat16", "bf16": self = .bfloat16
        default: return nil
        }
    }
}

/// Where a tensor lives.
public enum Device: Sendable, Equatable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    init(type: Int32, index: Int32) { self = type == 1 ? .cuda(Int(index)) : .cpu }
    var typeCode: Int32 { if case .cuda = self { 1 } else { 0 } }
    var index: Int32 { if case .cuda(let i) = self { Int32(i) } else { -1 } }
    public var description: String { if case .cuda(let i) = self { "cuda:\(i)" } else { "cpu" } }
}

/// Memory layouts for 4-D/5-D tensors (channels-last speeds up oneDNN convolutions on CPU).
public enum MemoryFormat: Int32, Sendable {
    case contiguous = 0, preserve = 1, channelsLast = 2, channelsLast3d = 3
}
