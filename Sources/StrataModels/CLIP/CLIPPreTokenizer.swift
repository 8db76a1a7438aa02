/// CLIP's pre-tokenizer: the matches of open_clip's pattern, in order, as Python's `regex.findall` returns them:
///
///     <start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+    (IGNORECASE)
///
/// At each position the alternatives are tried in that order; a position where none matches (whitespace) is
/// skipped. So a pre-token is a special token, a contraction, a run of letters, one number character, or a run
/// of anything else that is neither whitespace nor letter nor number (`"!'"` in `"!'s"` is one run). Letters are
/// Unicode categories L*, numbers N* (Nd, Nl, No); whitespace is Python's `str.isspace`.
enum CLIPPreTokenizer {
    static let specialTokens = ["<start_of_text>", "<end_of_text>"].map { Array($0.unicodeScalars) }
    static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// The pre-tokens of `text` (already cleaned and lower-cased), as scalar ranges of `scalars`.
    static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = scalars.count
        outer: while i < n {
            let c = scalars[i]
            if isSpace(c) { i += 1; continue }
            if c == "<" {
                for special in specialTokens where matches(special, scalars, at: i) {
                    out.append(i..<(i + special.count))
                    i += special.count
                    continue outer
                }
            }
            if c == "'" {
                for tail in contractions where matches(tail, scalars, at: i + 1) {
                    out.append(i..<(i + 1 + tail.count))
                    i += 1 + tail.count
                    continue outer
                }
            }
            let start = i
            if isLetter(c) {
                while i < n && isLetter(scalars[i]) { i += 1 }
            } else if isNumber(c) {
                i += 1
            } else {
                while i < n && !isSpace(scalars[i]) && !isLetter(scalars[i]) && !isNumber(scalars[i]) { i += 1 }
            }
            out.append(start..<i)
        }
        return out
    }

    /// Case-insensitive match of the ASCII `literal` at `start`. Under IGNORECASE Python's `regex` also lets
    /// U+017F (long s) match `s` and U+212A (Kelvin sign) match `k` (simple case folding).
    static func matches(_ literal: [Unicode.Scalar], _ s: [Unicode.Scalar], at start: Int) -> Bool {
        guard start + literal.count <= s.count else { return false }
        for (k, l) in literal.enumerated() {
            let c = s[start + k]
            if c == l { continue }
            let v = c.value, lv = l.value
            if lv >= 0x61 && lv <= 0x7A && v == lv - 0x20 { continue }
            if (lv == 0x73 && v == 0x17F) || (lv == 0x6B && v == 0x212A) { continue }
            return false
        }
        return true
    }

    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    /// Python's `str.isspace`: bidirectional class WS, B or S, or category Zs.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default: false
        }
    }
}
