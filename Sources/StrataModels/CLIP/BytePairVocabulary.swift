/// CLIP's byte-level byte-pair encoding: the 49,408-entry vocabulary and the merge ranks read from
/// `bpe_simple_vocab_16e6.txt.gz`, exactly as OpenAI's and open_clip's `SimpleTokenizer` build them.
///
/// Vocabulary order (ids): the 256 byte symbols in `bytes_to_unicode` order, the same 256 with the end-of-word
/// marker `</w>`, the 48,894 merges (lines 2…48,895 of the file, each `first second` → the joined string), then
/// `<start_of_text>` (49,406) and `<end_of_text>` (49,407). Byte-pair merging works on ids: each merge is looked up
/// by the ids of its two halves and yields the id of the joined symbol.
struct BytePairVocabulary: Sendable {
    /// Merges the tokenizer uses (`49152 - 256 - 2`): the file holds more, CLIP's vocabulary stops there.
    static let mergeCount = 49152 - 256 - 2

    /// The byte order of `bytes_to_unicode`: printable Latin-1 first (`!`…`~`, `¡`…`¬`, `®`…`ÿ`), then the other
    /// 68 bytes, which map to U+0100 onwards.
    static let byteOrder: [UInt8] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        let rest = (0...255).filter { !printable.contains($0) }
        return (printable + rest).map { UInt8($0) }
    }()

    /// The printable stand-in character of each byte (`bytes_to_unicode()[b]`).
    static let byteSymbols: [Character] = {
        var symbols = [Character](repeating: " ", count: 256)
        var extra: UInt32 = 256
        for b in 0...255 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable { symbols[b] = Character(Unicode.Scalar(UInt32(b))!) } else {
                symbols[b] = Character(Unicode.Scalar(extra)!)
                extra += 1
            }
        }
        return symbols
    }()

    /// Vocabulary strings by id (byte symbols shown through `bytes_to_unicode`).
    let tokens: [String]
    /// Id of each byte as a word-inner symbol; `+ 256` gives the word-final (`</w>`) symbol.
    let byteIds: [Int32]
    /// (first id, second id) packed into one key → (rank, id of the merged symbol).
    private let merges: [UInt64: (rank: Int32, merged: Int32)]
    let startOfText: Int32, endOfText: Int32

    /// Parses the decompressed vocabulary file (UTF-8 text, one merge `first second` per line after a header).
    init(bpeFile bytes: [UInt8], source: String) throws {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let needed = Self.mergeCount + 1
        guard lines.count >= needed else {
            throw ModelError("'\(source)' has \(lines.count) lines; a CLIP BPE vocabulary has at least \(needed) "
                + "(a version header and \(Self.mergeCount) merges): use bpe_simple_vocab_16e6.txt.gz from the "
                + "open-clip-torch package")
        }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(Self.mergeCount)
        for i in 1..<needed {
            let parts = lines[i].split(whereSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) })
            guard parts.count == 2 else {
                let text = String(decoding: lines[i], as: UTF8.self)
                throw ModelError("'\(source)' line \(i + 1) is not a merge of two symbols: '\(text)'")
            }
            pairs.append((String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self)))
        }
        var tokens = Self.byteOrder.map { String(Self.byteSymbols[Int($0)]) }
        tokens += tokens.map { $0 + "</w>" }
        tokens += pairs.map { $0.0 + $0.1 }
        tokens += ["<start_of_text>", "<end_of_text>"]
        // dict(zip(vocab, range(len(vocab)))): a later duplicate wins.
        var encoder: [String: Int32] = [:]
        encoder.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() { encoder[t] = Int32(i) }
        var merges: [UInt64: (rank: Int32, merged: Int32)] = [:]
        merges.reserveCapacity(pairs.count)
        for (rank, (a, b)) in pairs.enumerated() {
            // A merge whose halves are not symbols can never apply (Python would never meet that pair).
            guard let ia = encoder[a], let ib = encoder[b], let joined = encoder[a + b] else { continue }
            merges[Self.key(ia, ib)] = (Int32(rank), joined)
        }
        var byteIds = [Int32](repeating: 0, count: 256)
        for (i, b) in Self.byteOrder.enumerated() { byteIds[Int(b)] = Int32(i) }
        self.tokens = tokens
        self.byteIds = byteIds
        self.merges = merges
        startOfText = encoder["<start_of_text>"]!
        endOfText = encoder["<end_of_text>"]!
    }

    var count: Int { tokens.count }

    private static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    /// The ids of one pre-token's UTF-8 bytes after byte-pair merging (`SimpleTokenizer.bpe`): repeatedly merge
    /// every occurrence (left to right) of the adjacent pair with the lowest rank, until no pair has a rank.
    func encode(word bytes: [UInt8]) -> [Int32] {
        guard !bytes.isEmpty else { return [] }
        var word = bytes.map { byteIds[Int($0)] }
        word[word.count - 1] += 256
        while word.count > 1 {
            var best: (rank: Int32, merged: Int32)? = nil
            var first: Int32 = 0, second: Int32 = 0
            for i in 0..<(word.count - 1) {
                if let m = merges[Self.key(word[i], word[i + 1])], best == nil || m.rank < best!.rank {
                    best = m
                    first = word[i]
                    second = word[i + 1]
                }
            }
            guard let best else { break }
            var merged: [Int32] = []
            merged.reserveCapacity(word.count)
            var i = 0
            while i < word.count {
                if i + 1 < word.count && word[i] == first && word[i + 1] == second {
                    merged.append(best.merged)
                    i += 2
                } else {
                    merged.append(word[i])
                    i += 1
                }
            }
            word = merged
        }
        return word
    }
}
