import Foundation
import StrataModels
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataTasks

/// Zero-shot arithmetic and CLIP preprocessing against `scripts/fixtures/clip_zeroshot.py` (numpy, open_clip's
/// `build_zero_shot_classifier`, torch's `F.interpolate`).
@Suite struct ZeroShotMathTests {
    /// float32 embeddings of O(1) norm: a few ulps of accumulated rounding (1e-5 of the output's scale).
    static let parity = Parity("zeroshot-math", rtol: 1e-5)
    /// Bicubic resampling differs between kernels (AVX2/AVX-512 sums in other orders): 1e-5 of the output's scale.
    static let preprocessingParity = Parity("clip-preprocessing", rtol: 1e-5)

    static func fixture() throws -> [String: Tensor] {
        try SafeTensors.read(SharedData.fixtures("StrataTasksTests").appendingPathComponent(
            "zeroshot_math.safetensors").path).tensors
    }

    static func perClass(_ fx: [String: Tensor]) throws -> [Tensor] {
        var out: [Tensor] = [], start = 0
        for n in try fx["counts"]!.ints() {
            out.append(try fx["prompts"]!.narrow(dim: 0, start: start, length: n))
            start += n
        }
        return out
    }

    static func rel(_ a: Tensor, _ b: Tensor) throws -> Double {
        #expect(a.shape == b.shape, "shape \(a.shape) vs \(b.shape)")
        let m = Parity.maxima(try a.toArray(Double.self), try b.toArray(Double.self))
        return Parity.relative(maxAbsDiff: m.maxAbsDiff, scale: m.scale)
    }

    @Test func ensembleMatchesOpenCLIP() throws {
        let fx = try Self.fixture()
        let emb = try ZeroShotMath.classEmbeddings(Self.perClass(fx))
        #expect(Self.parity.passes(try Self.rel(emb, fx["class_embeddings"]!), "class embeddings"))
        // A plain mean of the raw embeddings (no per-prompt normalisation) is a different classifier: caught.
        let plain = try Tensor.stack(Self.perClass(fx).map { try ZeroShotMath.l2Normalize($0.mean(dim: 0)) })
        #expect(Self.parity.catches(try Self.rel(plain, fx["class_embeddings"]!), "mean before normalising"))
    }

    @Test func alphaBetaScoresAndTopKSelection() throws {
        let fx = try Self.fixture()
        let perClass = try Self.perClass(fx)
        let scores = try ZeroShotMath.promptScores(perClass)
        let reference = try fx["scores"]!.toArray(Double.self)
        let flat = scores.flatMap { $0 }
        let m = Parity.maxima(flat, reference)
        #expect(Self.parity.passes(Parity.relative(maxAbsDiff: m.maxAbsDiff, scale: m.scale), "alpha/beta scores"))
        let kept = try ZeroShotMath.topPrompts(scores: scores, k: 2)
        // kept_rank: 1 for each class's best prompt, 2 for the second, 0 for the rest.
        var rank = [Int](repeating: 0, count: flat.count), start = 0
        for (c, k) in kept.enumerated() {
            for (r, i) in k.enumerated() { rank[start + i] = r + 1 }
            start += perClass[c].size(0)
        }
        #expect(rank == (try fx["kept_rank"]!.ints()))
        let selected = try ZeroShotMath.classEmbeddings(zip(perClass, kept).map { e, k in
            try e.index([Tensor(k.map(Int64.init))])
        })
        #expect(Self.parity.passes(try Self.rel(selected, fx["selected_class_embeddings"]!), "selected ensembles"))
        // A class with a single prompt keeps it; K must be positive.
        #expect(kept[1] == [0])
        #expect(throws: ZeroShotError.self) { try ZeroShotMath.topPrompts(scores: scores, k: 0) }
    }

    @Test func similaritiesCalibrationAndPredictions() throws {
        let fx = try Self.fixture()
        let sims = try ZeroShotMath.similarities(images: fx["images"]!, classes: fx["class_embeddings"]!)
        #expect(Self.parity.passes(try Self.rel(sims, fx["similarities"]!), "similarities"))
        let cal = try ZeroShotMath.calibrate(sims)
        #expect(Self.parity.passes(try Self.rel(cal, fx["calibrated"]!), "calibrated"))
        #expect(try sims.argmax(dim: 1).ints() == fx["predictions_raw"]!.ints())
        #expect(try cal.argmax(dim: 1).ints() == fx["predictions_calibrated"]!.ints())
        #expect(try sims.argmax(dim: 1).ints() != cal.argmax(dim: 1).ints(), "calibration changes some predictions")
    }

    @Test func multiLabelTopKHits() throws {
        let fx = try Self.fixture()
        let multiHot = try fx["labels"]!.ints()
        let c = fx["labels"]!.size(1)
        let labels = (0..<fx["labels"]!.size(0)).map { i in (0..<c).filter { multiHot[i * c + $0] == 1 } }
        let r = try ZeroShotMath.topKHits(scores: fx["calibrated"]!, labels: labels)
        let ref = try fx["top_k_hits"]!.ints()
        #expect(r.hits == ref[0] && r.labels == ref[1], "\(r) vs \(ref)")
    }

    @Test func preprocessingMatchesTorch() throws {
        let fx = try Self.fixture()
        for (stats, key) in [(CLIPPreprocessing.Statistics.clip, "pre_resize_clip"), (.bing, "pre_resize_bing")] {
            let p = CLIPPreprocessing(size: 48, scaling: .minMax, fit: .resize, statistics: stats)
            #expect(Self.preprocessingParity.passes(try Self.rel(p(fx["raw"]!), fx[key]!), key))
        }
        let crop = CLIPPreprocessing(size: 20, scaling: .minMax, fit: .centerCrop, statistics: .clip)
        let cropped = try Self.rel(crop(fx["raw_rect"]!), fx["pre_crop_clip"]!)
        #expect(Self.preprocessingParity.passes(cropped, "center crop"))
        // Swapped statistics are caught.
        let wrong = CLIPPreprocessing(size: 48, scaling: .minMax, fit: .resize, statistics: .bing)
        let swapped = try Self.rel(wrong(fx["raw"]!), fx["pre_resize_clip"]!)
        #expect(Self.preprocessingParity.catches(swapped, "bing vs clip"))
        // Fixed scaling: DN / 2750, clipped to [0, 1].
        let fixed = CLIPPreprocessing(size: 2, scaling: .fixed(max: 2750), fit: .resize,
                                      statistics: .init(name: "id", mean: [0, 0, 0], std: [1, 1, 1]))
        let x = try Tensor([Float](repeating: 1375, count: 12) + [], shape: [1, 3, 2, 2])
        #expect(try fixed(x).floats().allSatisfy { abs($0 - 0.5) < 1e-6 })
        #expect(throws: ModelError.self) { try fixed(Tensor.zeros([1, 4, 2, 2])) }
    }
}

/// Class sets, built-in prompt sets and prompt files.
@Suite struct ZeroShotPromptTests {
    @Test func builtInSetsCoverEveryClass() throws {
        for classes in [ZeroShotClassSet.eurosat, .bigEarthNet19] {
            for name in PromptSet.builtInNames {
                let p = try PromptSet.named(name, classes: classes)
                try p.validate(classes: classes)
                #expect(p.prompts.count == classes.classNames.count)
            }
        }
        let generic = try PromptSet.named("generic", classes: .eurosat)
        #expect(generic.prompts[0] == ["a centered satellite photo of Annual Crop Land."])
        #expect(try PromptSet.named("clip", classes: .eurosat).prompts[9].count == 3)
        let custom = try ZeroShotClassSet(name: "x", classNames: ["a", "b"])
        #expect(throws: ZeroShotError.self) { try PromptSet.named("aerial", classes: custom) }
        #expect(throws: ZeroShotError.self) { try PromptSet.named("poetic", classes: custom) }
    }

    @Test func promptFilesGiveClassesTemplatesAndSentences() throws {
        let dir = try SharedData.tempDir("zeroshot-prompts")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.yaml").path
        try """
        classes:
          - Forest
          - AnnualCrop: annual crop land
        templates: ["a satellite photo of {}."]
        prompts:
          Forest: ["Aerial view of a dense canopy.", "Dark green woods."]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let f = try PromptFile(path: path)
        let classes = try #require(f.classes)
        #expect(classes.classNames == ["Forest", "AnnualCrop"])
        #expect(classes.promptNames == ["Forest", "annual crop land"])
        let set = try f.promptSet(for: classes)
        #expect(set.prompts == [["Aerial view of a dense canopy.", "Dark green woods.", "a satellite photo of Forest."],
                                ["a satellite photo of annual crop land."]])

        let bad = dir.appendingPathComponent("bad.yaml").path
        try "classes: [A, B]\nprompts:\n  C: [x]\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let e = try #require(throws: ZeroShotError.self) { try PromptFile(path: bad).promptSet(
            for: #require(PromptFile(path: bad).classes)) }
        #expect(e.message.contains("'C'"), "\(e)")
        try "klasses: [A]\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: ZeroShotError.self) { try PromptFile(path: bad) }
    }
}

/// Model cards beside CLIP weights.
@Suite struct CLIPWeightsCardTests {
    @Test func cardsGiveStatisticsSizeAndBandsAndBadOnesAreExplained() throws {
        let dir = try SharedData.tempDir("clip-card")
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("remote.pt").path
        #expect(try CLIPWeightsCard.read(weights: weights) == nil)
        #expect(CLIPWeightsCard.fallback(weights: "/x/SenCLIP_AvgPool_ViTB32.ckpt").0 == .bing)
        #expect(CLIPWeightsCard.fallback(weights: "/x/ViT-B-32.pt").0 == .clip)
        let card = dir.appendingPathComponent("remote.card.json").path
        try """
        {"normalization": {"kind": "mean-std", "mean": [0.1, 0.2, 0.3], "std": [0.4, 0.5, 0.6]},
         "input_size": [256, 256], "bands": ["B4", "B3", "B2"]}
        """.write(toFile: card, atomically: true, encoding: .utf8)
        let c = try #require(try CLIPWeightsCard.read(weights: weights))
        #expect(c.statistics?.mean == [0.1, 0.2, 0.3] && c.statistics?.std == [0.4, 0.5, 0.6])
        #expect(c.inputSize == 256 && c.bands == ["B4", "B3", "B2"])
        try #"{"normalization": {"kind": "scale", "factor": 0.0001}}"#.write(toFile: card, atomically: true,
                                                                              encoding: .utf8)
        let e = try #require(throws: ZeroShotError.self) { try CLIPWeightsCard.read(weights: weights) }
        #expect(e.message.contains("mean-std"), "\(e)")
    }
}
