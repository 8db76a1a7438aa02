import Foundation

/// open_clip's default text cleaning (`_clean_lower`): `whitespace_clean(basic_clean(text)).lower()`, where
/// `basic_clean` is `ftfy.fix_text`, then `html.unescape` twice, then `strip`.
///
/// Of `ftfy.fix_text` (ftfy 6.3, default settings) this reproduces, in ftfy's order and repeated until the text
/// stops changing, line by line as ftfy splits it:
/// - `unescape_html` (only while no line so far contained `<`),
/// - `fix_c1_controls`, `fix_latin_ligatures`, `fix_character_width`, `uncurl_quotes`, `fix_line_breaks`,
///   `remove_terminal_escapes`, `remove_control_chars`, and NFC normalisation.
///
/// Not reproduced: `fix_encoding` (mojibake repair such as `"cafÃ©"` → `"café"`, driven by ftfy's statistical
/// "badness" heuristic) — such text is tokenized as written. `fix_surrogates` has nothing to do on Swift strings,
/// which cannot hold lone surrogates. Lower-casing is Python's `str.lower` (full case mapping, final sigma);
/// character properties come from the Swift runtime's Unicode tables, which may be a version newer than Python's
/// for characters assigned recently.
enum CLIPTextCleaner {
    /// The cleaned, lower-cased text as Unicode scalars.
    static func clean(_ text: String) -> [Unicode.Scalar] {
        var s = fixText(Array(text.unicodeScalars))
        s = HTMLUnescape.python(HTMLUnescape.python(s))
        s = strip(s)
        s = whitespaceClean(s)
        return lower(s)
    }

    // MARK: ftfy.fix_text

    /// `ftfy.fix_text` without `fix_encoding`: segments end after each newline; once a segment contains `<`,
    /// HTML unescaping stays off for it and every later segment.
    static func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var unescape = true
        var pos = 0
        let maxLength = 1_000_000
        while pos < text.count {
            var end = text[pos...].firstIndex(of: "\n").map { $0 + 1 } ?? text.count
            if end - pos > maxLength { end = pos + maxLength }
            let segment = Array(text[pos..<end])
            if unescape && segment.contains("<") { unescape = false }
            out += fixSegment(segment, unescapeHTML: unescape)
            pos = end
        }
        return out
    }

    /// ftfy's `fix_and_explain` loop on one segment.
    static func fixSegment(_ segment: [Unicode.Scalar], unescapeHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let original = text
            if unescapeHTML { text = HTMLUnescape.ftfy(text) }
            text = text.flatMap { c in c1Controls[c.value] ?? [c] }                  // fix_c1_controls
            text = text.flatMap { c in ligatures[c.value] ?? [c] }                   // fix_latin_ligatures
            text = text.flatMap { c in widthMap[c.value] ?? [c] }                    // fix_character_width
            text = text.map(uncurl)                                                  // uncurl_quotes
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = text.filter { c in !isControl(c.value) }                          // remove_control_chars
            text = nfc(text)
            if text == original { return text }
        }
    }

    static let c1Controls = hexKeyed(CLIPTextTables.c1Controls)
    static let ligatures = hexKeyed(CLIPTextTables.ligatures)
    static let widthMap = hexKeyed(CLIPTextTables.widthMap)

    static func hexKeyed(_ table: [String: [Unicode.Scalar]]) -> [UInt32: [Unicode.Scalar]] {
        Dictionary(uniqueKeysWithValues: table.map { (UInt32($0.key, radix: 16)!, $0.value) })
    }

    /// `[\u02bc\u2018-\u201b]` → `'`, `[\u201c-\u201f]` → `"`.
    static func uncurl(_ c: Unicode.Scalar) -> Unicode.Scalar {
        switch c.value {
        case 0x2BC, 0x2018...0x201B: "'"
        case 0x201C...0x201F: "\""
        default: c
        }
    }

    /// CRLF, CR, U+2028, U+2029 and U+0085 → LF.
    static func fixLineBreaks(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            switch s[i].value {
            case 0x0D:
                out.append("\n")
                if i + 1 < s.count && s[i + 1] == "\n" { i += 1 }
            case 0x2028, 0x2029, 0x85: out.append("\n")
            default: out.append(s[i])
            }
            i += 1
        }
        return out
    }

    /// Removes `\x1b\[((?:\d|;)*)([a-zA-Z])` (ANSI colour codes; `\d` is any Unicode decimal digit).
    static func removeTerminalEscapes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("\u{1B}") else { return s }
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            if s[i] == "\u{1B}" && i + 1 < s.count && s[i + 1] == "[" {
                var j = i + 2
                while j < s.count && (s[j] == ";" || s[j].properties.generalCategory == .decimalNumber) { j += 1 }
                if j < s.count && s[j].isASCII && s[j].properties.isAlphabetic {
                    i = j + 1
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    static func isControl(_ v: UInt32) -> Bool {
        CLIPTextTables.controlChars.contains { $0.contains(v) }
    }

    /// Unicode normalisation form C.
    static func nfc(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if s.allSatisfy({ $0.value < 0x300 }) { return s }   // nothing below U+0300 composes
        let string = String(String.UnicodeScalarView(s))
        return Array(string.precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    // MARK: open_clip's steps

    /// Python's `str.strip()`: drops leading and trailing `str.isspace` characters.
    static func strip(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = s.firstIndex(where: { !CLIPPreTokenizer.isSpace($0) }),
              let last = s.lastIndex(where: { !CLIPPreTokenizer.isSpace($0) }) else { return [] }
        return Array(s[first...last])
    }

    /// `" ".join(text.split())`: runs of whitespace become one space, none at the ends.
    static func whitespaceClean(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var pendingSpace = false
        for c in s {
            if CLIPPreTokenizer.isSpace(c) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(c)
            }
        }
        return out
    }

    /// Python's `str.lower()`: each character's full lower-case mapping; capital sigma becomes final sigma (ς)
    /// when it ends a word (preceded by a cased letter and not followed by one, case-ignorable characters
    /// skipped).
    static func lower(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c.isASCII {
                out.append(("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c)
            } else if c == "\u{3A3}" {
                out.append(isFinalSigma(s, i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out += c.properties.lowercaseMapping.unicodeScalars
            }
        }
        return out
    }

    static func isFinalSigma(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && s[j].properties.isCased else { return false }
        j = i + 1
        while j < s.count && s[j].properties.isCaseIgnorable { j += 1 }
        return j == s.count || !s[j].properties.isCased
    }
}
