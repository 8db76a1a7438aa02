import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataModels

/// FC-EF, FC-Siam-conc and FC-Siam-diff against TorchGeo 0.8.1 (fixture: scripts/fixtures/fcsiam.py, run with
/// TorchGeo's venv): state-dict layout, eval and train-mode outputs, the BCE loss, and the eval output after one
/// SGD step (momentum, weight decay), each on models.py's formula weights with calibrated BatchNorm statistics.
@Suite struct FCSiamTests {
    /// Tolerance: float32 through a ResNet-18 encoder (twice for the Siamese models), a five-block decoder and the
    /// head, whose summation order depends on the CPU kernels; the fixture keeps every stage O(1) (the script
    /// prints the scales) and outputs of scale ~5, so forward outputs get UNet's relative bound (2e-4). A decoder
    /// kernel with swapped spatial axes or the dates swapped in FC-Siam-diff move the output by 0.69 and 1.5
    /// relative (`brokenVariantsFailTheTolerance`).
    static let parity = Parity("FCSiam", rtol: 2e-4)
    /// The eval output after one SGD step (lr 0.05, momentum) carries the gradients of every layer, summed through
    /// train-mode BatchNorm, whose float32 reductions follow the kernels: measured ≤ 2e-4 under ATen's default,
    /// AVX2 and AVX-512 kernels but 1.6e-3 with oneDNN limited to AVX2 (`make test-kernels`); 5e-3 leaves 3× margin
    /// and stays two orders of magnitude under the broken variants.
    static let stepParity = Parity("FCSiamStep", rtol: 5e-3)
    static let cases: [(String, FCSiam.Fusion)] = [("fc-ef", .early), ("fc-siam-conc", .concatenation),
                                                   ("fc-siam-diff", .difference)]
    static let bands = 4, side = 64

    static func fixture() throws -> [String: Tensor] {
        try SafeTensors.load(ModelFixtures.dir.appendingPathComponent("fcsiam_parity.safetensors").path)
    }

    /// The model of fixture case `name`: models.py's formula fill with the calibrated BatchNorm statistics loaded
    /// over it; `breaking` edits the state dict first.
    static func model(_ name: String, _ fusion: FCSiam.Fusion,
                      breaking: ((inout StateDict) throws -> Void)? = nil) throws -> FCSiam {
        let m = try FCSiam(fusion, encoder: .resnet18, channelsPerDate: bands)
        var sd = try ModelFixtures.formulaStateDict(m)
        var calibrated = 0
        for (k, t) in try fixture() where k.hasPrefix("bn.\(name).") {
            let key = String(k.dropFirst("bn.\(name).".count))
            guard sd[key] != nil else { throw TorchError("fixture entry \(k): \(name) has no \(key)") }
            sd[key] = t
            calibrated += 1
        }
        guard calibrated > 0 else { throw TorchError("fcsiam_parity.safetensors has no bn.\(name).*; rerun the script") }
        try breaking?(&sd)
        try m.load(stateDict: sd)
        return m
    }

    static func input() throws -> Tensor { try ModelFixtures.input([2, 2 * bands, side, side]) }

    static func keys() throws -> [String: [(String, [Int])]] {
        let data = try Data(contentsOf: ModelFixtures.dir.appendingPathComponent("fcsiam_keys.json"))
        let raw = try JSONSerialization.jsonObject(with: data) as! [String: [[Any]]]
        return raw.mapValues { $0.map { ($0[0] as! String, ($0[1] as! [Any]).map { ($0 as! NSNumber).intValue }) } }
    }

    /// Names, order and shapes equal TorchGeo's state dicts, for the fixture's ResNet-18 and the default ResNet-34.
    @Test(arguments: cases)
    func stateDictMatchesTorchGeo(_ name: String, _ fusion: FCSiam.Fusion) throws {
        let all = try Self.keys()
        for (depth, key) in [(ResNet.Depth.resnet18, name), (.resnet34, "\(name)-resnet34")] {
            let reference = try #require(all[key])
            let sd = try FCSiam(fusion, encoder: depth, channelsPerDate: Self.bands).stateDict()
            #expect(sd.keys == reference.map(\.0), "\(key)")
            for (k, shape) in reference { #expect(sd[k]?.shape == shape, "\(key) \(k)") }
        }
    }

    @Test(arguments: cases)
    func forwardMatchesTorchGeo(_ name: String, _ fusion: FCSiam.Fusion) throws {
        let ref = try Self.fixture()
        let m = try Self.model(name, fusion)
        m.eval()
        let out = try Torch.noGrad { try m(Self.input()) }
        #expect(out.shape == [2, 1, Self.side, Self.side])
        #expect(Self.parity.passes(try ModelFixtures.relativeDiff(out, try #require(ref["\(name).eval"])),
                                   "\(name) eval"))
    }

    /// Train-mode output (batch statistics), BCE loss, then one SGD step (lr 0.05, momentum 0.9, weight decay
    /// 1e-4) and the eval output after it — the running statistics moved by the train-mode pass as in PyTorch.
    @Test(arguments: cases)
    func trainingStepMatchesTorchGeo(_ name: String, _ fusion: FCSiam.Fusion) throws {
        let ref = try Self.fixture()
        let m = try Self.model(name, fusion)
        m.train()
        let y = try m(Self.input())
        let loss = try Functional.binaryCrossEntropyWithLogits(y, try #require(ref["target"]))
        #expect(Self.parity.passes(try ModelFixtures.relativeDiff(y.detached(), try #require(ref["\(name).train"])),
                                   "\(name) train-mode output"))
        #expect(Self.parity.passes(try ModelFixtures.relativeDiff(loss.detached(), try #require(ref["\(name).loss"])),
                                   "\(name) loss"))
        let opt = try SGD(m.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-4)
        try opt.zeroGrad()
        try loss.backward()
        try opt.step()
        m.eval()
        let after = try Torch.noGrad { try m(Self.input()) }
        #expect(Self.stepParity.passes(try ModelFixtures.relativeDiff(after, try #require(ref["\(name).step"])),
                                   "\(name) after one SGD step"))
    }

    /// The tolerance catches real porting mistakes: one decoder kernel with its spatial axes swapped, and
    /// FC-Siam-diff computing before − after instead of TorchGeo's after − before.
    @Test func brokenVariantsFailTheTolerance() throws {
        let ref = try Self.fixture()
        let kernel = try Self.model("fc-siam-conc", .concatenation) {
            try ModelFixtures.transposeKernel(&$0, "decoder.blocks.2.conv2.0.weight")
        }
        kernel.eval()
        let out = try Torch.noGrad { try kernel(Self.input()) }
        #expect(Self.parity.catches(try ModelFixtures.relativeDiff(out, try #require(ref["fc-siam-conc.eval"])),
                                    "fc-siam-conc transposed decoder kernel"))
        let diff = try Self.model("fc-siam-diff", .difference)
        diff.eval()
        let (a, b) = try diff.splitPair(Self.input())
        let swapped = try Torch.noGrad { try diff.changeLogits(before: b, after: a) }
        #expect(Self.parity.catches(try ModelFixtures.relativeDiff(swapped, try #require(ref["fc-siam-diff.eval"])),
                                    "fc-siam-diff dates swapped"))
    }

    /// `forward` on the stacked pair equals `changeLogits` on the two dates; bad shapes are clear errors.
    @Test func stackedAndSplitAgree() throws {
        let m = try FCSiam(.difference, encoder: .resnet18, channelsPerDate: 2)
        m.eval()
        let x = try Tensor.randn([1, 4, 32, 32])
        let (a, b) = try m.splitPair(x)
        let one = try Torch.noGrad { try m(x) }, two = try Torch.noGrad { try m.changeLogits(before: a, after: b) }
        #expect(try ModelFixtures.maxAbsDiff(one, two) == 0)
        #expect(throws: ModelError.self) { try m(Tensor.randn([1, 3, 32, 32])) }
        #expect(throws: ModelError.self) { try FCSiam(.early, channelsPerDate: 0) }
    }
}
