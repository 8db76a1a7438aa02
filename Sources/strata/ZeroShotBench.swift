import Foundation
import StrataModels
import StrataTasks
import StrataTensor

/// `strata zeroshot --bench-images N` (hidden, for bench/zeroshot): encoding throughput of the CLIP towers, without
/// data files. Images: N seeded N(0, 1) images of the model's input size (already "normalised"), in batches of
/// --batch-size, after one warm-up batch. Text: CLIP's 3 templates × the EuroSAT class names (30 prompts) repeated
/// to 240 rows, encoded as one batch, after one warm-up. Prints `images-per-s: …` and `texts-per-s: …`.
enum ZeroShotBench {
    static func run(_ c: ZeroShotCommand, images n: Int) throws {
        guard n >= 1 else { throw ZeroShotError("--bench-images must be ≥ 1") }
        let model = try CLIPWeights.load(c.weights)
        let tokenizer = try CLIPTokenizer(vocabularyPath: try CLIPVocabularyFile.locate(c.vocab))
        let size = c.size ?? model.config.vision.imageSize
        let b = c.batchSize
        Runtime.manualSeed(0)
        let batches = try (0..<((n + b - 1) / b)).map { i in try Tensor.randn([min(b, n - i * b), 3, size, size]) }
        try Torch.inferenceMode {
            _ = try model.encodeImage(batches[0])
            let t0 = Date()
            for x in batches { _ = try model.encodeImage(x) }
            let s = Date().timeIntervalSince(t0)
            print(String(format: "images-per-s: %.3f (%d images of %d², batch %d, %.3f s)", Double(n) / s, n, size,
                         b, s))

            let prompts = try PromptSet.named("clip", classes: .eurosat).prompts.flatMap { $0 }
            let rows = (0..<240).map { prompts[$0 % prompts.count] }
            let tokens = try tokenizer(rows)
            _ = try model.encodeText(tokens)
            let t1 = Date()
            let reps = 3
            for _ in 0..<reps { _ = try model.encodeText(tokens) }
            let st = Date().timeIntervalSince(t1)
            print(String(format: "texts-per-s: %.3f (%d × %d prompts, %.3f s)", Double(reps * rows.count) / st, reps,
                         rows.count, st))
        }
    }
}
