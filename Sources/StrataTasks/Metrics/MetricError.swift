/// A bad input to a metric (wrong shape, a label outside the class range, mismatched lengths).
public struct MetricError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
