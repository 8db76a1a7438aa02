import Foundation

/// A failure of an index-addressed dataset or its loader: data not where it should be, an unknown band or
/// class, a file that does not match the dataset's layout, a bad option. The message names the problem and the fix
/// (for a missing dataset: where to download it and where to put it).
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, broadly (tests and callers can branch on it; the message is for people).
    public enum Kind: String, Sendable {
        /// The dataset (or one of its files) is not where it was looked for.
        case notFound
        /// An option is invalid: unknown band name, bad fractions, index out of range, …
        case invalidArgument
        /// A file exists but cannot be read or does not match the dataset's format.
        case badFile
        /// Samples that must agree do not (different chip shapes or band counts in one batch, …).
        case inconsistent
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
