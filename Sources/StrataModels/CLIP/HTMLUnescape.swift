/// HTML character references decoded exactly as Python's `html.unescape` and ftfy's `unescape_html` do (the two
/// steps of CLIP's text cleaning), on Unicode scalars.
enum HTMLUnescape {
    static let html5 = CLIPTextTables.html5
    static let ftfyUpper = CLIPTextTables.ftfyUpperEntities
    static let invalidCharrefs: [UInt32: [Unicode.Scalar]] = Dictionary(uniqueKeysWithValues:
        CLIPTextTables.invalidCharrefs.map { (UInt32($0.key, radix: 16)!, $0.value) })

    /// Python's `html.unescape`: every match of `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` is
    /// replaced; named references without a semicolon decode through their longest known prefix (`&ampx` → `&x`).
    static func python(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == "&", let (replacement, end) = charref(s, at: i) {
                out += replacement
                i = end
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// The replacement of the reference starting at `s[amp] == "&"` and the index after it, or nil if none starts.
    static func charref(_ s: [Unicode.Scalar], at amp: Int) -> ([Unicode.Scalar], Int)? {
        let n = s.count
        var i = amp + 1
        guard i < n else { return nil }
        if s[i] == "#" {
            i += 1
            var hex = false
            if i < n && (s[i] == "x" || s[i] == "X") { hex = true; i += 1 }
            let start = i
            while i < n && (hex ? s[i].properties.isASCIIHexDigit : ("0"..."9").contains(s[i])) { i += 1 }
            guard i > start else { return nil }
            let digits = String(String.UnicodeScalarView(s[start..<i]))
            if i < n && s[i] == ";" { i += 1 }
            return (numeric(digits, radix: hex ? 16 : 10), i)
        }
        let excluded: Set<Unicode.Scalar> = ["\t", "\n", "\u{0C}", " ", "<", "&", "#", ";"]
        let start = i
        while i < n && i - start < 32 && !excluded.contains(s[i]) { i += 1 }
        guard i > start else { return nil }
        if i < n && s[i] == ";" { i += 1 }
        let name = Array(s[start..<i])
        if let v = html5[String(String.UnicodeScalarView(name))] { return (v, i) }
        // The longest prefix (at least 2 characters) that is a legacy name without a semicolon.
        var x = name.count - 1
        while x > 1 {
            if let v = html5[String(String.UnicodeScalarView(name[0..<x]))] { return (v + name[x...], i) }
            x -= 1
        }
        return (["&"] + name, i)
    }

    /// A numeric reference's character: Windows-1252 for C1 values, U+FFFD for surrogates and values beyond
    /// U+10FFFF, nothing for the code points HTML forbids.
    static func numeric(_ digits: String, radix: Int) -> [Unicode.Scalar] {
        let trimmed = digits.drop(while: { $0 == "0" })
        // More than 8 significant digits is beyond U+10FFFF in either radix.
        guard trimmed.count <= 8, let value = UInt32(trimmed.isEmpty ? "0" : String(trimmed), radix: radix) else {
            return ["\u{FFFD}"]
        }
        if let v = invalidCharrefs[value] { return v }
        if (0xD800...0xDFFF).contains(value) || value > 0x10FFFF { return ["\u{FFFD}"] }
        if CLIPTextTables.invalidCodepoints.contains(where: { $0.contains(value) }) { return [] }
        return [Unicode.Scalar(value)!]
    }

    /// ftfy's `unescape_html`: only references matching `&#?[0-9A-Za-z]{1,24};` (with the semicolon) are
    /// decoded: html5 names, ftfy's upper-cased names (`&NTILDE;` → Ñ), and numeric references that
    /// `html.unescape` decodes whole.
    static func ftfy(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        let n = s.count
        while i < n {
            guard s[i] == "&" else { out.append(s[i]); i += 1; continue }
            var j = i + 1
            if j < n && s[j] == "#" { j += 1 }
            let start = j
            while j < n && j - start < 25 && isASCIIAlnum(s[j]) { j += 1 }
            let count = j - start
            guard count >= 1, count <= 24, j < n, s[j] == ";" else { out.append(s[i]); i += 1; continue }
            let match = Array(s[i...j])
            let name = String(String.UnicodeScalarView(match[1...]))
            if let v = html5[name] ?? ftfyUpper[name], match[1] != "#" {
                out += v
            } else if match[1] == "#" {
                let decoded = python(match)
                out += decoded.contains(";") ? match : decoded
            } else {
                out += match
            }
            i = j + 1
        }
        return out
    }

    static func isASCIIAlnum(_ c: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
    }
}
