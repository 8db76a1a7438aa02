/// A per-spatial-dimension size (kernel, stride, padding, dilation, output size): one number for every dimension
/// (`3`) or one per dimension (`[3, 5]`), as PyTorch's `int or tuple` arguments.
public struct SpatialDims: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Sendable, Equatable,
    CustomStringConvertible
{
    public let values: [Int]
    public init(_ values: [Int]) { self.values = values }
    public init(_ value: Int) { values = [value] }
    public init(integerLiteral value: Int) { values = [value] }
    public init(arrayLiteral elements: Int...) { values = elements }

    /// The values for `n` dimensions (one value repeats); throws when a tuple has the wrong length.
    func expand(_ n: Int, _ what: String) throws -> [Int] {
        if values.count == 1 { return Array(repeating: values[0], count: n) }
        guard values.count == n else {
            throw TorchError("\(what) needs 1 or \(n) values, got \(values)")
        }
        return values
    }
    public var description: String { values.count == 1 ? "\(values[0])" : "(\(values.map(String.init).joined(separator: ", ")))" }
}

/// Convolution padding: explicit sizes, `"same"` (output size = input size, stride 1 only) or `"valid"` (none).
public enum ConvPadding: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Sendable, Equatable {
    case explicit(SpatialDims)
    case same
    case valid
    public init(integerLiteral value: Int) { self = .explicit(SpatialDims(value)) }
    public init(arrayLiteral elements: Int...) { self = .explicit(SpatialDims(elements)) }
}

/// How a convolution pads its input (`padding_mode`).
public enum PaddingMode: String, Sendable {
    case zeros, reflect, replicate, circular
}
