import Foundation
import StrataTestSupport
import Testing
@testable import StrataTensor

/// Every layer type against PyTorch (scripts/fixtures/nn.py `layer_fixtures`): the module is built with the same
/// settings, PyTorch's parameters are loaded through `load(stateDict:)`, and the output, the input gradient, every
/// parameter gradient (for an upstream gradient `gy`) and the buffers after the forward (BatchNorm running
/// statistics, `num_batches_tracked`) must match.
@Suite struct NNLayerParityTests {
    /// Tolerance of every tensor compared (outputs, input and parameter gradients, buffers), relative to that
    /// tensor's largest value: single layers in float32 on O(1) random inputs, where CPU kernels differ by a few
    /// ulps (`make test-kernels` saw at most 4.2e-7); 1e-5 leaves a factor 20 and still fails a BatchNorm built
    /// with the wrong ε by a factor ~70 (`brokenVariantFailsTheTolerance`).
    static let parity = Parity("NNLayerParity", rtol: 1e-5)

    /// (module, training mode) for each fixture case.
    static let cases: [String: @Sendable () throws -> (Module, Bool)] = [
        "linear": { (try Linear(6, 4), true) },
        "linear_nobias_3d": { (try Linear(5, 3, bias: false), true) },
        "conv1d": { (try Conv1d(3, 4, kernelSize: 3, stride: 2, padding: 1), true) },
        "conv2d": { (try Conv2d(3, 5, kernelSize: 3, padding: 1), true) },
        "conv2d_same_dilated": { (try Conv2d(3, 4, kernelSize: 3, padding: .same, dilation: 2), true) },
        "conv2d_groups": { (try Conv2d(4, 6, kernelSize: 3, stride: 2, padding: 1, groups: 2, bias: false), true) },
        "conv2d_reflect": { (try Conv2d(3, 4, kernelSize: 3, padding: 1, paddingMode: .reflect), true) },
        "conv2d_valid_rect": { (try Conv2d(2, 3, kernelSize: [3, 1], stride: [2, 1], padding: .valid), true) },
        "conv3d": { (try Conv3d(2, 3, kernelSize: 3, stride: [1, 2, 2], padding: 1), true) },
        "convtranspose2d": { (try ConvTranspose2d(4, 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1), true) },
        "convtranspose2d_groups": { (try ConvTranspose2d(4, 6, kernelSize: 2, stride: 2, groups: 2, bias: false), true) },
        "bn1d_train": { (try BatchNorm1d(4), true) },
        "bn1d_3d_eval": { (try BatchNorm1d(3), false) },
        "bn2d_train": { (try BatchNorm2d(3, momentum: 0.3), true) },
        "bn2d_cumulative": { (try BatchNorm2d(3, momentum: nil), true) },
        "bn2d_eval": { (try BatchNorm2d(3, eps: 1e-3), false) },
        "bn2d_nostats": { (try BatchNorm2d(3, trackRunningStats: false), false) },
        "bn3d_noaffine": { (try BatchNorm3d(2, affine: false), true) },
        "groupnorm": { (try GroupNorm(numGroups: 2, numChannels: 4), true) },
        "layernorm": { (try LayerNorm([3, 4]), true) },
        "maxpool2d": { (try MaxPool2d(kernelSize: 3, stride: 2, padding: 1), true) },
        "maxpool2d_ceil": { (try MaxPool2d(kernelSize: 2, ceilMode: true), true) },
        "maxpool3d": { (try MaxPool3d(kernelSize: 2), true) },
        "avgpool2d": { (try AvgPool2d(kernelSize: 3, stride: 2, padding: 1, countIncludePad: false), true) },
        "avgpool3d": { (try AvgPool3d(kernelSize: 2), true) },
        "adaptiveavgpool2d": { (try AdaptiveAvgPool2d([3, 2]), true) },
        "adaptiveavgpool3d": { (try AdaptiveAvgPool3d(1), true) },
        "upsample_nearest": { (try Upsample(scaleFactor: 2, mode: .nearest), true) },
        "upsample_bilinear": { (try Upsample(size: [7, 9], mode: .bilinear, alignCorners: false), true) },
        "upsample_bilinear_ac": { (try Upsample(scaleFactor: 1.5, mode: .bilinear, alignCorners: true), true) },
        "embedding": { (try Embedding(10, 4, paddingIdx: 0), true) },
        "mha_batch_first": { (try MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true), true) },
        "flatten": { (Flatten(), true) },
        "act_relu": { (ReLU(), true) },
        "act_relu6": { (ReLU6(), true) },
        "act_leakyrelu": { (LeakyReLU(negativeSlope: 0.2), true) },
        "act_gelu": { (GELU(), true) },
        "act_gelu_tanh": { (GELU(approximate: true), true) },
        "act_silu": { (SiLU(), true) },
        "act_sigmoid": { (Sigmoid(), true) },
        "act_tanh": { (Tanh(), true) },
        "act_elu": { (ELU(alpha: 0.7), true) },
        "act_hardswish": { (Hardswish(), true) },
        "act_hardsigmoid": { (Hardsigmoid(), true) },
        "act_mish": { (Mish(), true) },
        "act_softplus": { (Softplus(beta: 2, threshold: 5), true) },
        "act_softmax": { (Softmax(dim: 1), true) },
        "act_logsoftmax": { (LogSoftmax(dim: -1), true) },
    ]

    @Test(arguments: cases.keys.sorted())
    func layer(name: String) throws {
        let run = ParityRun(Self.parity, name)
        defer { run.finish() }
        let f = try NNFixtures.layers.get()
        let make = try #require(Self.cases[name])
        let (m, training) = try make()
        m.train(training)
        try m.load(stateDict: NNFixtures.scoped(f, "\(name).param"))
        let x0 = try #require(f["\(name).x"])
        let x = f["\(name).gx"] != nil ? try x0.clone().setRequiresGrad() : x0
        var y: Tensor
        if let mha = m as? MultiheadAttention {
            let (out, w) = try mha(x, x, x)
            try run.close(w, f["\(name).weights"], "\(name) attention weights")
            y = out
        } else {
            y = try m(x)
        }
        try run.close(y, f["\(name).y"], "\(name) output")
        try y.backward(f["\(name).gy"]!)
        if let gx = f["\(name).gx"] { try run.close(x.grad, gx, "\(name) input gradient") }
        for (n, p) in m.namedParameters() {
            try run.close(p.grad, f["\(name).grad.\(n)"], "\(name) gradient of \(n)")
        }
        for (n, b) in m.namedBuffers() {
            let expected = try #require(f["\(name).after.\(n)"], "\(name): PyTorch has no buffer \(n)")
            if b.dtype == .int64 { #expect(try b.equal(expected), "\(name).\(n)") }
            else { try run.close(b, expected, "\(name) buffer \(n) after forward") }
        }
        // same parameter and buffer names as PyTorch
        let pyNames = Set(f.keys.filter { $0.hasPrefix("\(name).param.") }.map { String($0.dropFirst(name.count + 7)) })
        #expect(Set(try m.stateDict().keys) == pyNames)
    }

    /// The tolerance catches a real mistake: `bn2d_eval` (PyTorch built it with ε = 1e-3) run with the default ε.
    @Test func brokenVariantFailsTheTolerance() throws {
        let f = try NNFixtures.layers.get()
        let m = try BatchNorm2d(3)
        m.eval()
        try m.load(stateDict: NNFixtures.scoped(f, "bn2d_eval.param"))
        let y = try Torch.noGrad { try m(#require(f["bn2d_eval.x"])) }
        let rel = try ParityRun.relative(y, #require(f["bn2d_eval.y"]))
        #expect(Self.parity.catches(rel, "bn2d_eval with eps 1e-5 instead of 1e-3"))
    }

    @Test func everyFixtureCaseHasASwiftCase() throws {
        let f = try NNFixtures.layers.get()
        let fixtureCases = Set(f.keys.filter { $0.hasSuffix(".y") }.map { String($0.dropLast(2)) })
        #expect(fixtureCases == Set(Self.cases.keys))
    }

    /// Cross-attention with a key-padding mask and a boolean attention mask, per-head weights, sequence-first;
    /// and separate key/value dimensions (q/k/v_proj_weight) through the scaled-dot-product path.
    @Test func multiheadAttentionMasksAndSeparateDims() throws {
        let run = ParityRun(Self.parity, "mha masks")
        defer { run.finish() }
        let f = try NNFixtures.mha.get()
        let m = try MultiheadAttention(embedDim: 6, numHeads: 3)
        try m.load(stateDict: NNFixtures.scoped(f, "param"))
        let q = try f["q"]!.clone().setRequiresGrad(), k = try f["k"]!.clone().setRequiresGrad()
        let (y, w) = try m(q, k, f["v"]!, keyPaddingMask: f["kpm"]!, attnMask: f["am"]!, averageAttnWeights: false)
        try run.close(y, f["y"], "mha output")
        try run.close(w, f["weights"], "mha per-head weights")
        try y.backward(f["gy"]!)
        try run.close(q.grad, f["gq"], "mha query gradient")
        try run.close(k.grad, f["gk"], "mha key gradient")
        for (n, p) in m.namedParameters() { try run.close(p.grad, f["grad.\(n)"], "mha gradient of \(n)") }

        let m2 = try MultiheadAttention(embedDim: 6, numHeads: 2, kdim: 4, vdim: 3, batchFirst: true)
        #expect(Set(try m2.stateDict().keys) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                                                 "out_proj.weight", "out_proj.bias"])
        try m2.load(stateDict: NNFixtures.scoped(f, "kv.param"))
        let (y2, w2) = try m2(f["kv.q"]!, f["kv.k"]!, f["kv.v"]!, needWeights: false)
        #expect(w2 == nil)
        try run.close(y2, f["kv.y"], "mha kdim/vdim output")
    }

    @Test func dropoutScalesInTrainingAndPassesThroughInEval() throws {
        let x = try Tensor.ones([200, 50])
        let d = try Dropout(0.3)
        let y = try d(x).doubles()
        let zeros = Double(y.filter { $0 == 0 }.count) / Double(y.count)
        #expect(abs(zeros - 0.3) < 0.03, "zeroed fraction \(zeros)")
        #expect(y.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-6 })
        d.eval()
        #expect(try d(x).equal(x))

        let d2 = try Dropout2d(0.5)
        let v = try d2(Tensor.ones([4, 64, 3, 3])).reshape([4, 64, 9]).doubles()
        for c in stride(from: 0, to: v.count, by: 9) {
            let ch = v[c..<(c + 9)]
            #expect(ch.allSatisfy { $0 == 0 } || ch.allSatisfy { abs($0 - 2) < 1e-6 }, "a channel was partly dropped")
        }
        #expect(throws: TorchError.self) { try Dropout(1.5) }
    }

    @Test func layersRejectBadSettingsAndInputsWithClearErrors() throws {
        #expect(throws: TorchError.self) { try Conv2d(3, 4, kernelSize: 3, groups: 2) }
        #expect(throws: TorchError.self) { try Conv2d(3, 4, kernelSize: 3, stride: 2, padding: .same) }
        #expect(throws: TorchError.self) { try Conv2d(3, 4, kernelSize: [3, 3, 3]) }
        #expect(throws: TorchError.self) { try GroupNorm(numGroups: 3, numChannels: 4) }
        #expect(throws: TorchError.self) { try MultiheadAttention(embedDim: 10, numHeads: 3) }
        do {
            _ = try BatchNorm2d(3)(Tensor.zeros([2, 3, 4]))
            Issue.record("3-D input accepted by BatchNorm2d")
        } catch let e as TorchError { #expect(e.message.contains("4-D")) }
        do {
            _ = try BatchNorm1d(3)(Tensor.zeros([1, 3]))
            Issue.record("a single value per channel accepted in training")
        } catch let e as TorchError { #expect(e.message.contains("more than 1 value per channel")) }
        do {
            _ = try Conv2d(3, 4, kernelSize: 3)(Tensor.zeros([1, 5, 8, 8]))
            Issue.record("channel mismatch accepted")
        } catch let e as TorchError { #expect(e.message.contains("channels")) }
    }
}
