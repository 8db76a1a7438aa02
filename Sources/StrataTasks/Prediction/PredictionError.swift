/// A prediction that cannot run as asked: inputs that do not match the model, bad options, a model returning the
/// wrong shape. The message names the problem and the fix.
public struct PredictionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
