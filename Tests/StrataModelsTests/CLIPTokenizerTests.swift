import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

/// CLIPTokenizer against open_clip's SimpleTokenizer (fixture: scripts/fixtures/clip_tokenizer.py) and its pieces
/// against the Python functions they reproduce.
@Suite(.serialized) struct CLIPTokenizerTests {
    struct Fixture: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int] }
        let context_length: Int
        let vocab_sha256: String
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        let url = SharedData.fixtures("StrataModelsTests").appendingPathComponent("clip_tokenizer.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    nonisolated(unsafe) static var shared: CLIPTokenizer?
    static func tokenizer() throws -> CLIPTokenizer {
        if let t = shared { return t }
        let t = try CLIPTokenizer(vocabularyPath: SharedData.path("clip/bpe_simple_vocab_16e6.txt.gz"))
        shared = t
        return t
    }

    /// Every fixture string (prompts, accents, emoji, CJK, HTML entities, numbers, punctuation, whitespace and
    /// control oddities, texts over 77 tokens, random mixtures) gives open_clip's ids exactly, through the batch
    /// tensor [N, 77].
    @Test(.enabled(if: SharedData.shouldRun)) func idsEqualOpenCLIP() throws {
        let fx = try Self.fixture()
        #expect(fx.cases.count >= 300)
        #expect(fx.cases.filter { $0.ids.count == 77 && $0.ids.last == 49407 }.count >= 5)  // truncated ones
        let tok = try Self.tokenizer()
        let batch = try tok(fx.cases.map(\.text))
        #expect(batch.shape == [fx.cases.count, 77])
        #expect(batch.dtype == .int64)
        let flat = try batch.ints()
        var failures: [String] = []
        for (i, c) in fx.cases.enumerated() {
            let row = Array(flat[(i * 77)..<((i + 1) * 77)])
            let expected = c.ids + [Int](repeating: 0, count: 77 - c.ids.count)
            if row != expected {
                let got = tok.sequence(c.text)
                failures.append("\(c.text.debugDescription): expected \(c.ids), got \(got)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    @Test(.enabled(if: SharedData.shouldRun)) func vocabularyLayoutAndSpecialIds() throws {
        let tok = try Self.tokenizer()
        #expect(tok.vocabularySize == 49408)
        #expect(tok.startOfTextId == 49406 && tok.endOfTextId == 49407)
        #expect(tok.vocabulary.tokens[0] == "!" && tok.vocabulary.tokens[256] == "!</w>")
        #expect(tok.sequence("") == [49406, 49407])
        // Round trip through decode (open_clip's decode: bytes, `</w>` read as a space).
        #expect(try tok.decode(tok.encode("a photo of a river.")) == "a photo of a river . ")
        #expect(throws: ModelError.self) { try tok.decode([49408]) }
        // Truncation keeps the end token at position 76; a shorter context works too.
        let long = tok.sequence(String(repeating: "word ", count: 100))
        #expect(long.count == 77 && long.last == 49407 && long.first == 49406)
        let short = try tok(["a b c d e f"], contextLength: 4)
        #expect(try short.ints() == [49406, 320, 321, 49407])
    }

    @Test func pythonHTMLUnescape() {
        func u(_ s: String) -> String { String(String.UnicodeScalarView(HTMLUnescape.python(Array(s.unicodeScalars)))) }
        #expect(u("&amp;lt;") == "&lt;")
        #expect(u("&ampx &copy2024 &notit;") == "&x ©2024 ¬it;")
        #expect(u("&#65;&#x42;&#X43") == "ABC")
        #expect(u("&#128;&#0;&#1;z") == "€\u{FFFD}z")
        #expect(u("&#xD800;&#99999999999999999999;") == "\u{FFFD}\u{FFFD}")
        #expect(u("& &; &#; &#x;") == "& &; &#; &#x;")
        #expect(u("&NotEqualTilde;") == "\u{2242}\u{338}")
    }

    @Test func ftfyUnescapeNeedsSemicolons() {
        func u(_ s: String) -> String { String(String.UnicodeScalarView(HTMLUnescape.ftfy(Array(s.unicodeScalars)))) }
        #expect(u("&amp; &amp &NTILDE; &Ntilde;") == "& &amp Ñ Ñ")
        #expect(u("&#x41; &#xZZ; &#1;") == "A &#xZZ; ")
    }

    @Test func cleaningFollowsOpenCLIP() {
        func c(_ s: String) -> String { String(String.UnicodeScalarView(CLIPTextCleaner.clean(s))) }
        #expect(c("  Hello\t\nWORLD  ") == "hello world")
        #expect(c("ΟΔΟΣ ΣΟΦΙΑΣ") == "οδος σοφιας")                     // final sigma
        #expect(c("İ").unicodeScalars.map(\.value) == [0x69, 0x307])   // full lower-case mapping
        #expect(c("cafe\u{301}").unicodeScalars.count == 4)            // NFC
        #expect(c("ﬁne ＡＢＣ don’t") == "fine abc don't")            // ligature, width, quotes
        #expect(c("\u{1B}[31mred\u{1B}[0m\u{0}") == "red")            // terminal escapes, control characters
        #expect(c("&amp;amp;amp;lt;") == "<")                          // ftfy until stable, then html twice
        #expect(c("<b>&amp;amp;amp;lt;</b>") == "<b>&amp;lt;</b>")     // '<': ftfy leaves entities alone
    }

    @Test func preTokenizerMatchesTheRegexOrder() {
        func split(_ s: String) -> [String] {
            let scalars = Array(s.unicodeScalars)
            return CLIPPreTokenizer.split(scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
        }
        #expect(split("it's !'s 'sam") == ["it", "'s", "!'", "s", "'s", "am"])
        #expect(split("abc123 x²") == ["abc", "1", "2", "3", "x", "²"])
        #expect(split("<start_of_text>hi<end_of") == ["<start_of_text>", "hi", "<", "end", "_", "of"])
        #expect(split("'ſ") == ["'ſ"])
    }

    @Test func missingOrBadVocabularyFailsClearly() throws {
        #expect(throws: ModelError.self) { try CLIPTokenizer(vocabularyPath: "/nonexistent/bpe.txt.gz") }
        let dir = try SharedData.tempDir("clip-tok")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("plain.txt.gz")
        try Data("not gzip".utf8).write(to: plain)
        do {
            _ = try CLIPTokenizer(vocabularyPath: plain.path)
            Issue.record("a non-gzip file was accepted")
        } catch let e as ModelError {
            #expect(e.message.contains("not a gzip file"))
        }
    }
}
