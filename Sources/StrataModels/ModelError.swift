/// A model could not be built, fed or loaded. The message names the problem and the fix.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
