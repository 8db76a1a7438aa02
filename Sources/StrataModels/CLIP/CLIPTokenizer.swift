import Foundation
import StrataTensor

/// CLIP's text tokenizer: open_clip's `SimpleTokenizer` (the OpenAI CLIP tokenizer), id for id.
///
/// Text is cleaned as open_clip's default `clean='lower'` does (see `CLIPTextCleaner`: ftfy-style fixing, HTML
/// entities unescaped, whitespace collapsed, lower-cased), split by CLIP's pre-tokenizer pattern
/// (`CLIPPreTokenizer`), and each piece's UTF-8 bytes are byte-pair encoded with the merges of
/// `bpe_simple_vocab_16e6.txt.gz`. A sequence is `<start_of_text>` (49406), the text's ids, `<end_of_text>`
/// (49407), zero-padded to the context length (77 for every CLIP model); a longer one is cut to the context length
/// with its last id replaced by `<end_of_text>`, as open_clip truncates.
///
/// The vocabulary file is the one OpenAI CLIP and open_clip ship: it is inside the `open-clip-torch` wheel
/// (`open_clip/bpe_simple_vocab_16e6.txt.gz`; `pip download --no-deps open-clip-torch` and unzip it) and in
/// OpenAI's `clip` package. Strata does not bundle it.
///
/// ```swift
/// let tokenizer = try CLIPTokenizer(vocabularyPath: "bpe_simple_vocab_16e6.txt.gz")
/// let ids = try tokenizer(["a centered satellite photo of forest", "a photo of a river"])   // int64 [2, 77]
/// ```
///
/// Safe to use from several threads (the word cache is locked).
public final class CLIPTokenizer: @unchecked Sendable {
    /// CLIP's context length.
    public static let defaultContextLength = 77

    let vocabulary: BytePairVocabulary
    public let contextLength: Int
    private var cache: [[UInt8]: [Int32]] = [:]
    private let lock = NSLock()

    /// Id of `<start_of_text>` (49406 with CLIP's vocabulary).
    public var startOfTextId: Int { Int(vocabulary.startOfText) }
    /// Id of `<end_of_text>` (49407); the text tower reads its features at this token (the largest id).
    public var endOfTextId: Int { Int(vocabulary.endOfText) }
    /// Number of ids (49408).
    public var vocabularySize: Int { vocabulary.count }

    /// Reads the gzip-compressed BPE merges file (`bpe_simple_vocab_16e6.txt.gz`).
    public init(vocabularyPath: String, contextLength: Int = CLIPTokenizer.defaultContextLength) throws {
        guard contextLength >= 2 else {
            throw ModelError("CLIPTokenizer: contextLength must be ≥ 2 (start and end tokens), got \(contextLength)")
        }
        guard FileManager.default.fileExists(atPath: vocabularyPath) else {
            throw ModelError("CLIPTokenizer: vocabulary file '\(vocabularyPath)' not found; it is "
                + "bpe_simple_vocab_16e6.txt.gz from the open-clip-torch package (open_clip/ in its wheel)")
        }
        let bytes = try GzipFile.read(vocabularyPath)
        vocabulary = try BytePairVocabulary(bpeFile: bytes, source: vocabularyPath)
        self.contextLength = contextLength
    }

    /// The ids of `text` without start/end tokens or padding (`SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int] {
        let scalars = CLIPTextCleaner.clean(text)
        var ids: [Int] = []
        for range in CLIPPreTokenizer.split(scalars) {
            let piece = scalars[range]
            if piece.elementsEqual(CLIPPreTokenizer.specialTokens[0]) {
                ids.append(startOfTextId)
            } else if piece.elementsEqual(CLIPPreTokenizer.specialTokens[1]) {
                ids.append(endOfTextId)
            } else {
                ids += word(Array(String(String.UnicodeScalarView(piece)).utf8)).map(Int.init)
            }
        }
        return ids
    }

    /// `<start_of_text>`, the ids of `text`, `<end_of_text>`; cut to `contextLength` (the last id is then
    /// `<end_of_text>`). Not padded.
    public func sequence(_ text: String, contextLength: Int? = nil) -> [Int] {
        let length = contextLength ?? self.contextLength
        var ids = [startOfTextId] + encode(text) + [endOfTextId]
        if ids.count > length {
            ids = Array(ids.prefix(length))
            ids[length - 1] = endOfTextId
        }
        return ids
    }

    /// Token ids of each text as an int64 tensor `[texts.count, contextLength]`, zero-padded (open_clip's
    /// `tokenizer(texts)`).
    public func callAsFunction(_ texts: [String], contextLength: Int? = nil) throws -> Tensor {
        let length = contextLength ?? self.contextLength
        guard length >= 2 else { throw ModelError("CLIPTokenizer: contextLength must be ≥ 2, got \(length)") }
        var flat = [Int64](repeating: 0, count: texts.count * length)
        for (row, text) in texts.enumerated() {
            for (k, id) in sequence(text, contextLength: length).enumerated() { flat[row * length + k] = Int64(id) }
        }
        return try Tensor(flat, shape: [texts.count, length])
    }

    /// Text of `ids` (`SimpleTokenizer.decode`): the tokens' bytes decoded as UTF-8 (invalid sequences become
    /// U+FFFD), then every `</w>` read as a space. Ids outside the vocabulary throw.
    public func decode(_ ids: [Int]) throws -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard id >= 0 && id < vocabulary.count else {
                throw ModelError("CLIPTokenizer.decode: id \(id) is outside the vocabulary (0..<\(vocabulary.count))")
            }
            for c in vocabulary.tokens[id].unicodeScalars { bytes.append(Self.byteOfSymbol[c.value]!) }
        }
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "</w>", with: " ")
    }

    private static let byteOfSymbol: [UInt32: UInt8] = Dictionary(uniqueKeysWithValues:
        BytePairVocabulary.byteSymbols.enumerated().map { ($0.element.unicodeScalars.first!.value, UInt8($0.offset)) })

    private func word(_ bytes: [UInt8]) -> [Int32] {
        lock.lock()
        let hit = cache[bytes]
        lock.unlock()
        if let hit { return hit }
        let ids = vocabulary.encode(word: bytes)
        lock.lock()
        if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
        cache[bytes] = ids
        lock.unlock()
        return ids
    }
}
