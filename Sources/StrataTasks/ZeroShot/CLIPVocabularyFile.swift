import Foundation

/// Where CLIP's BPE vocabulary (`bpe_simple_vocab_16e6.txt.gz`) is found when not given: `$STRATA_CLIP_VOCAB`,
/// then `.deps/clip/` of the working directory, then `.deps/clip/` of the folders above the running program (a
/// checkout's `.build/…/strata`). `scripts/setup` puts it in `.deps/clip/`.
public enum CLIPVocabularyFile {
    public static let fileName = "bpe_simple_vocab_16e6.txt.gz"

    public static func locate(_ explicit: String? = nil) throws -> String {
        let fm = FileManager.default
        if let explicit {
            guard fm.fileExists(atPath: explicit) else {
                throw ZeroShotError("--vocab: no file at \(explicit) (CLIP's \(fileName))")
            }
            return explicit
        }
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["STRATA_CLIP_VOCAB"], !env.isEmpty {
            guard fm.fileExists(atPath: env) else {
                throw ZeroShotError("STRATA_CLIP_VOCAB=\(env): no such file (CLIP's \(fileName))")
            }
            return env
        }
        candidates.append(fm.currentDirectoryPath + "/.deps/clip/" + fileName)
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent(".deps/clip/" + fileName).path)
            dir = dir.deletingLastPathComponent()
        }
        if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return found }
        throw ZeroShotError("CLIP's vocabulary \(fileName) was not found (looked in \(candidates[0]) and .deps/clip/ "
            + "above the program); run scripts/setup (it fetches it from the open-clip-torch wheel on PyPI), or pass "
            + "--vocab FILE or set STRATA_CLIP_VOCAB")
    }
}
