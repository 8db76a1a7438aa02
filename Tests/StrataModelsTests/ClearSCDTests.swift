import Foundation
import Testing
import StrataTensor
import StrataTestSupport
@testable import StrataModels

/// ClearSCD against the same model built in PyTorch from smp's EfficientNetEncoder/FPNDecoder/SegmentationHead/
/// DiceLoss to methods.md §2 (fixture: scripts/fixtures/clearscd.py; weights from its SplitMix64 stream, BN
/// running statistics stored). Eval outputs, every loss term, gradients and the parameters after one Adam step.
@Suite struct ClearSCDTests {
    /// Relative to each compared quantity's largest magnitude. float32 through ~50 layers with other summation
    /// orders (oneDNN vs PyTorch kernels, AVX2 vs AVX-512; Strata's closed-form InfoNCE and queue means vs the
    /// reference's explicit cross-entropy and concatenations) moves results by ~1e-6…1e-5 relative; 1e-3 leaves
    /// room for the gradients of the deepest layers (2×2 maps, small batch statistics) while a wrong padding,
    /// BN eps, upsampling mode, loss weight or queue term moves them by ≥ 1e-2 (`brokenVariantsAreCaught`).
    static let parity = Parity("ClearSCD", rtol: 1e-3)
    /// Gradients and the Adam step: the backward through 2×2 maps with train-mode BatchNorm over 8 values per
    /// channel is ill-conditioned — PyTorch's own float32 gradients differ from its float64 ones by up to 1.5e-3
    /// relative (decoder.seg_blocks.1…, measured on this fixture), and Strata's reach 4.2e-3 under ATen's default
    /// kernels (`make test-kernels`) — so 1e-2; the variant that applies contrast_weight to the global SACL term
    /// too moves them by 0.18 (`brokenTrainingVariantIsCaught`).
    static let training = Parity("ClearSCDTrain", rtol: 1e-2)
    static let seed: UInt64 = 2024
    static let side = 64, batch = 2

    static func fixture() throws -> [String: Tensor] {
        try SafeTensors.load(SharedData.fixtures("StrataModelsTests")
            .appendingPathComponent("clearscd_parity.safetensors").path)
    }

    /// clearscd.py's model: dropout and drop-connect 0 (random masks cannot be shared), weights from the stream
    /// in state-dict order (queues column-normalised), BN running statistics from the fixture; and its input.
    static func model(_ fx: [String: Tensor], configure: (inout ClearSCD.Config) -> Void = { _ in })
        throws -> (ClearSCD, Tensor)
    {
        var config = ClearSCD.Config()
        config.decoderDropout = 0
        config.dropConnect = 0
        configure(&config)
        let m = try ClearSCD(config)
        var rng = EfficientNetTests.SplitMix64(state: seed)
        var sd = StateDict()
        for (k, t) in try m.stateDict().entries {
            guard t.dtype.isFloatingPoint else { sd[k] = t; continue }
            let u = rng.uniform(t.count)
            let v: [Double]
            if t.rank >= 2 {
                let scale = (6.0 / Double(t.shape.dropFirst().reduce(1, *))).squareRoot()
                v = u.map { $0 * scale }
            } else if k.hasSuffix("running_var") {
                v = u.map { ($0 + 1.0) * 0.25 + 1.0 }
            } else if k.hasSuffix("running_mean") {
                v = u.map { $0 * 0.1 }
            } else if k.hasSuffix(".weight") {
                v = u.map { $0 * 0.3 + 1.0 }
            } else {
                v = u.map { $0 * 0.1 }
            }
            var tensor = try Tensor(v.map(Float.init), shape: t.shape)
            if k.hasPrefix("queue_") { tensor = try ClearSCD.normalizedColumns(tensor) }
            sd[k] = tensor
        }
        for (k, t) in fx where k.hasPrefix("bn.") { sd[String(k.dropFirst(3))] = t }
        try m.load(stateDict: sd)
        let x = try Tensor(rng.uniform(batch * 6 * side * side).map { Float($0 * 1.7) }, shape: [batch, 6, side, side])
        return (m, x)
    }

    static func relative(_ a: Tensor, _ b: Tensor) throws -> Double {
        let (d, s) = Parity.maxima(try a.to(.float64).reshape([-1]).toArray(Double.self),
                                   try b.to(.float64).reshape([-1]).toArray(Double.self))
        return Parity.relative(maxAbsDiff: d, scale: s)
    }

    /// clearscd.py `subsample`: flat[::s][:256], s = max(1, n / 256).
    static func subsample(_ t: Tensor) throws -> Tensor {
        let flat = try t.detached().reshape([-1])
        let s = max(1, flat.shape[0] / 256)
        let picked = try flat.slice(dim: 0, start: 0, end: nil, step: s)
        return try picked.narrow(dim: 0, start: 0, length: min(256, picked.shape[0]))
    }

    /// Worst relative gradient difference over the parameters (subsampled as the fixture), the number compared,
    /// the number of structurally-zero ones, the largest reference gradient and ĝ = g + wd·p per parameter.
    static func compareGradients(_ m: ClearSCD, _ fx: [String: Tensor]) throws
        -> (Double, Int, Int, Double, [String: Tensor])
    {
        // Biases right before a train-mode BatchNorm (CVAPS and projection convs, `_bn2` of blocks whose output
        // only reaches the next block's BN) have gradient exactly 0 in exact arithmetic; both sides hold float
        // noise (≤ 2e-6 here). Tensors whose reference gradient is below 1e-5 of the model's largest are taken as
        // such and must be as small in Strata; every other tensor is compared relative to its own largest |g|.
        var refGrads: [String: Tensor] = [:]
        for (name, _) in m.namedParameters() { if let r = fx["grad.\(name)"] { refGrads[name] = r } }
        let global = try refGrads.values.map { try $0.abs().max().item() }.max() ?? 0
        var worstGrad = 0.0, compared = 0, zeroTensors = 0
        var gradHat: [String: Tensor] = [:]
        for (name, p) in m.namedParameters() {
            guard let ref = refGrads[name] else {
                #expect(p.grad == nil, "\(name) has a gradient PyTorch does not")
                continue
            }
            guard let g = p.grad else { Issue.record("\(name): no gradient"); continue }
            let (d, s) = Parity.maxima(try Self.subsample(g).to(.float64).toArray(Double.self),
                                       try ref.to(.float64).toArray(Double.self))
            if s < 1e-5 * global {
                // structurally zero: Strata's must be float noise of the same size
                #expect(try g.abs().max().item() < 1e-5 * global, "\(name): gradient should vanish")
                zeroTensors += 1
            } else {
                let rel = Parity.relative(maxAbsDiff: d, scale: s)
                worstGrad = max(worstGrad, rel)
            }
            gradHat[name] = try Self.subsample(g + p.detached() * 5e-4)
            compared += 1
        }
        return (worstGrad, compared, zeroTensors, global, gradHat)
    }

    @Test func brokenTrainingVariantIsCaught() throws {
        let fx = try Self.fixture()
        let (m, x) = try Self.model(fx) { $0.globalContrastWeight = 0.1 }   // contrast_weight on global SACL too
        m.train()
        let out = try m.semanticChange(before: x.narrow(dim: 1, start: 0, length: 3),
                                       after: x.narrow(dim: 1, start: 3, length: 3))
        let losses = try m.losses(out, labelA: fx["labels.a"]!, labelB: fx["labels.b"]!,
                                  change: fx["labels.change"]!, warmup: false)
        try losses.total.backward()
        let (worst, _, _, _, _) = try Self.compareGradients(m, fx)
        #expect(Self.training.catches(worst, "gradients with contrast_weight on global SACL"))
    }

    @Test func stateDictHasTheAuthorsNames() throws {
        let fx = try Self.fixture()
        let (m, _) = try Self.model(fx)
        let keys = try m.stateDict().keys
        #expect(keys.count == (try fx["count"]!.itemInt()))
        for k in ["queue_A0", "ptr_B8", "encoder._conv_stem.weight", "encoder._blocks.0._depthwise_conv.weight",
                  "encoder._blocks.1._expand_conv.weight", "encoder._blocks.15._bn2.running_var",
                  "encoder._conv_head.weight", "encoder._bn1.bias", "decoder.p5.weight", "decoder.p4.skip_conv.bias",
                  "decoder.seg_blocks.0.block.2.block.1.weight", "decoder.seg_blocks.3.block.0.block.0.weight",
                  "head_seg.0.weight", "head_bcd.convs.2.1.running_mean", "head_bcd.convs.3.bias",
                  "proj_head.proj.3.weight"] {
            #expect(keys.contains(k), "missing \(k)")
        }
    }

    @Test func evalOutputsMatchPyTorch() throws {
        let fx = try Self.fixture()
        let (m, x) = try Self.model(fx)
        m.eval()
        let out = try Torch.noGrad { try m(x) }
        let ref = fx["eval.out"]!
        #expect(out.shape == ref.shape)
        #expect(Self.parity.passes(try Self.relative(out, ref), "eval logits + change"))
        // the change logit alone (its scale is smaller than the semantic logits')
        let k = 9
        #expect(Self.parity.passes(try Self.relative(out.narrow(dim: 1, start: 2 * k, length: 1),
                                                     ref.narrow(dim: 1, start: 2 * k, length: 1)), "eval change"))
    }

    @Test func brokenVariantsAreCaught() throws {
        let fx = try Self.fixture()
        let ref = fx["eval.out"]!
        // align_corners=False upsampling instead of the release's nn.UpsamplingBilinear2d
        let (m, x) = try Self.model(fx) { $0.alignCorners = false }
        m.eval()
        let out = try Torch.noGrad { try m(x) }
        #expect(Self.parity.catches(try Self.relative(out, ref), "align_corners=False"))
        // torchvision-style BN eps (1e-5) in the encoder instead of efficientnet-pytorch's 1e-3
        let (m2, _) = try Self.model(fx)
        m2.eval()
        var sd = try m2.stateDict()
        for (k, t) in sd.entries where k.hasPrefix("encoder.") && k.hasSuffix("running_var") {
            sd[k] = try t - 1e-3 + 1e-5        // var + 1e-3 (Strata's eps) = stored var + 1e-5
        }
        try m2.load(stateDict: sd)
        let out2 = try Torch.noGrad { try m2(x) }
        #expect(Self.parity.catches(try Self.relative(out2, ref), "BN eps 1e-5"))
    }

    @Test func trainingStepMatchesPyTorch() throws {
        let fx = try Self.fixture()
        let (m, x) = try Self.model(fx)
        m.train()
        let out = try m.semanticChange(before: x.narrow(dim: 1, start: 0, length: 3),
                                       after: x.narrow(dim: 1, start: 3, length: 3))
        let losses = try m.losses(out, labelA: fx["labels.a"]!, labelB: fx["labels.b"]!,
                                  change: fx["labels.change"]!, warmup: false)
        let terms: [(String, Tensor)] = [("bce", losses.bce), ("dice", losses.dice), ("seg_a", losses.segA),
                                         ("seg_b", losses.segB), ("contrast_local", losses.localContrast),
                                         ("contrast_global", losses.globalContrast), ("bscc", losses.bscc),
                                         ("total", losses.total)]
        for (name, value) in terms {
            let ref = fx["loss.\(name)"]!
            #expect(Self.parity.passes(try Self.relative(value.reshape([1]), ref), "loss \(name)"))
        }
        // queue pointers after the enqueue (classes with ≥ 64 stride-4 pixels advance by 64)
        for (k, t) in fx where k.hasPrefix("post.ptr_") {
            let name = String(k.dropFirst(5))
            #expect(try m.buffer(name)!.itemInt() == t.itemInt(), "\(name)")
        }
        let optimizer = try Adam(m.parameters(), lr: 2.5e-4, weightDecay: 5e-4)
        try optimizer.zeroGrad()
        try losses.total.backward()
        let before = try Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.0, try $0.1.detached().clone()) })
        let (worstGrad, compared, zeroTensors, global, gradHat) = try Self.compareGradients(m, fx)
        #expect(compared > 200)
        print("clearscd: largest gradient \(global), \(zeroTensors) structurally-zero gradient tensors")
        #expect(zeroTensors < 20)
        #expect(Self.training.passes(worstGrad, "gradients (worst tensor)"))
        try optimizer.step()
        // Adam's first step is lr · ĝ/(|ĝ| + eps) ≈ ±lr: elements whose ĝ = g + wd·p is tiny are ill-conditioned
        // (float noise flips the sign), so compare where |ĝ| > max(1e-3 · the tensor's max|ĝ|, 1e-4 · the largest
        // gradient) — the same floor as above.
        var worstStep = 0.0
        for (name, p) in m.namedParameters() {
            guard let ref = fx["step.\(name)"], let gh = gradHat[name] else { continue }
            let delta = try Self.subsample(p) - Self.subsample(before[name]!)
            let refDelta = try ref - Self.subsample(before[name]!)
            let cutoff = max(try gh.abs().max().item() * 1e-3, 1e-4 * global)
            let keep = try gh.abs().gt(cutoff)
            let d = try (delta - refDelta).maskedSelect(keep).abs()
            guard d.shape[0] > 0 else { continue }
            worstStep = max(worstStep, try d.max().item() / 2.5e-4)
        }
        #expect(Self.training.passes(worstStep, "Adam step (relative to lr)"))
        // BN running statistics after the train-mode pass (momentum 0.01 in the encoder, 0.1 elsewhere)
        var worstStat = 0.0
        let buffers = Dictionary(uniqueKeysWithValues: m.namedBuffers())
        for (k, t) in fx where k.hasPrefix("post.") && k.contains("running") {
            guard let b = buffers[String(k.dropFirst(5))] else { Issue.record("no buffer for \(k)"); continue }
            worstStat = max(worstStat, try Self.relative(Self.subsample(b), t))
        }
        #expect(Self.parity.passes(worstStat, "BN running statistics after the step"))
        // unused parameters (_conv_head, _bn1) are untouched
        #expect(try m.encoder.convHead.weight.equal(before["encoder._conv_head.weight"]!))
    }

    @Test func warmupOnlyFillsTheQueues() throws {
        let fx = try Self.fixture()
        let (m, x) = try Self.model(fx)
        m.train()
        let q0 = try m.queue("A", 0).queue.clone()
        let out = try m.semanticChange(before: x.narrow(dim: 1, start: 0, length: 3),
                                       after: x.narrow(dim: 1, start: 3, length: 3))
        let l = try m.losses(out, labelA: fx["labels.a"]!, labelB: fx["labels.b"]!, change: fx["labels.change"]!,
                             warmup: true)
        #expect(try l.globalContrast.item() == 0)
        #expect(try l.localContrast.item() > 0)
        // class 0 of date A has ≥ 64 stride-4 pixels: 64 new unit columns, the rest unchanged
        let q1 = m.queue("A", 0).queue
        #expect(try m.queue("A", 0).pointer.itemInt() == 64)
        #expect(try q1.narrow(dim: 1, start: 64, length: 448).equal(q0.narrow(dim: 1, start: 64, length: 448)))
        #expect(try !q1.narrow(dim: 1, start: 0, length: 64).equal(q0.narrow(dim: 1, start: 0, length: 64)))
        let norms = try q1.narrow(dim: 1, start: 0, length: 64).norm(dims: [0]).floats()
        #expect(norms.allSatisfy { abs($0 - 1) < 1e-5 })
        // the queues are persistent state: a state dict carries them
        #expect(try m.stateDict()["queue_A0"]!.equal(q1))
    }

    @Test func badLabelsAreRejected() throws {
        let fx = try Self.fixture()
        let (m, x) = try Self.model(fx)
        let out = try Torch.noGrad {
            try m.semanticChange(before: x.narrow(dim: 1, start: 0, length: 3),
                                 after: x.narrow(dim: 1, start: 3, length: 3))
        }
        let wrong = try Tensor.zeros([2, 32, 32], .init(dtype: .int64))
        #expect(throws: ModelError.self) {
            try m.losses(out, labelA: wrong, labelB: fx["labels.b"]!, change: fx["labels.change"]!, warmup: true)
        }
        #expect(throws: ModelError.self) { try m(Tensor.zeros([1, 6, 48, 48])) }
        #expect(throws: ModelError.self) { try m(Tensor.zeros([1, 3, 64, 64])) }
    }
}
