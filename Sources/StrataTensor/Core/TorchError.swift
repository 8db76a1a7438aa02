import CTorch

/// An error raised by libtorch (shape or dtype mismatch, index out of range, bad file, …) or by Strata's tensor
/// layer. `message` carries libtorch's own text so the cause stays visible.
public struct TorchError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The message libtorch left for the last failing call on this thread.
    static func last(_ context: String? = nil) -> TorchError {
        let msg = String(cString: ct_last_error())
        let text = msg.isEmpty ? "libtorch call failed" : msg
        return TorchError(context.map { "\($0): \(text)" } ?? text)
    }
}

/// Unwraps a handle returned by the shim or throws the shim's error.
@inline(__always)
func check(_ handle: OpaquePointer?, _ context: String? = nil) throws -> OpaquePointer {
    guard let handle else { throw TorchError.last(context) }
    return handle
}

/// Throws the shim's error when a status call returned non-zero.
@inline(__always)
func check(_ status: Int32, _ context: String? = nil) throws {
    if status != 0 { throw TorchError.last(context) }
}
