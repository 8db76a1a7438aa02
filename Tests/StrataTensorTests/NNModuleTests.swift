import Foundation
import Testing
@testable import StrataTensor

/// The `Module` contract: PyTorch's dotted names and state-dict order, modes, loading with clear errors, moves.
@Suite struct NNModuleTests {
    final class Block: Module {
        let conv: Conv2d, bn: BatchNorm2d
        init(_ cin: Int, width: Int = 4) throws {
            conv = try Conv2d(cin, width, kernelSize: 3, padding: 1, bias: false)
            bn = try BatchNorm2d(width)
            super.init()
            registerModule("conv1", conv)
            registerModule("bn1", bn)
        }
        override func forward(_ x: Tensor) throws -> Tensor { try bn(conv(x)).relu() }
    }
    final class Net: Module {
        let scale: Tensor
        let layer1: Sequential
        let head: Linear
        init(width: Int = 4) throws {
            scale = try Tensor.ones([1])
            layer1 = Sequential(try Block(2, width: width), try Block(width, width: width))
            head = try Linear(width, 3)
            super.init()
            registerParameter("scale", scale)
            registerModule("layer1", layer1)
            registerModule("head", head)
            registerBuffer("step_count", try Tensor.zeros([1]), persistent: false)
        }
        override func forward(_ x: Tensor) throws -> Tensor {
            try head(layer1(x * scale).mean(dims: [2, 3]))
        }
    }

    @Test func dottedNamesAndOrderMatchPyTorch() throws {
        let n = try Net()
        #expect(n.namedParameters().map(\.0) == [
            "scale", "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
            "layer1.1.conv1.weight", "layer1.1.bn1.weight", "layer1.1.bn1.bias", "head.weight", "head.bias",
        ])
        #expect(n.namedBuffers().map(\.0) == [
            "step_count", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked",
            "layer1.1.bn1.running_mean", "layer1.1.bn1.running_var", "layer1.1.bn1.num_batches_tracked",
        ])
        // state dict: per module its parameters then persistent buffers, then children (non-persistent left out)
        #expect(try n.stateDict().keys == [
            "scale", "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean",
            "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked", "layer1.1.conv1.weight", "layer1.1.bn1.weight",
            "layer1.1.bn1.bias", "layer1.1.bn1.running_mean", "layer1.1.bn1.running_var",
            "layer1.1.bn1.num_batches_tracked", "head.weight", "head.bias",
        ])
        #expect(n.namedModules().map(\.0) == ["", "layer1", "layer1.0", "layer1.0.conv1", "layer1.0.bn1", "layer1.1",
                                             "layer1.1.conv1", "layer1.1.bn1", "head"])
        #expect(n.parameterCount() == 1 + (72 + 8) + (144 + 8) + 15)
        #expect(n.parameters().allSatisfy { $0.requiresGrad })
        #expect(n.description.contains("(layer1): Sequential("))
    }

    @Test func trainEvalPropagates() throws {
        let n = try Net()
        #expect(n.modules().allSatisfy { $0.isTraining })
        n.eval()
        #expect(n.modules().allSatisfy { !$0.isTraining })
        let x = try Tensor.randn([2, 2, 5, 5])
        _ = try n(x)
        let bn = (n.layer1[0] as! Block).bn
        #expect(try bn.numBatchesTracked!.itemInt() == 0, "eval must not update running statistics")
        n.train()
        _ = try n(x)
        #expect(try bn.numBatchesTracked!.itemInt() == 1)
    }

    @Test func loadCopiesInPlaceAndKeepsIdentity() throws {
        let a = try Net(), b = try Net()
        let weight = b.head.weight
        try b.load(stateDict: try a.stateDict())
        #expect(b.head.weight === weight)
        for (k, v) in try a.stateDict() { #expect(try v.equal(try b.stateDict()[k]!), "\(k)") }
        // a loaded value is a copy, not an alias
        try Torch.noGrad { _ = try a.head.weight.fill_(7) }
        #expect(try b.head.weight.floats().allSatisfy { $0 != 7 })
    }

    @Test func loadReportsEveryProblemAtOnce() throws {
        let n = try Net()
        var sd = try n.stateDict()
        sd.remove("head.bias")
        sd.remove("layer1.0.bn1.running_var")
        sd["head.weight"] = try Tensor.zeros([5, 4])
        sd["extra.weight"] = try Tensor.zeros([1])
        do {
            try n.load(stateDict: sd)
            Issue.record("bad state dict accepted")
        } catch let e as StateDictError {
            #expect(e.missing == ["layer1.0.bn1.running_var", "head.bias"])
            #expect(e.unexpected == ["extra.weight"])
            #expect(e.mismatched == [.init(key: "head.weight", expected: [3, 4], got: [5, 4])])
            #expect(e.description.contains("strict: false"))
        }
        // non-strict: missing/unexpected reported, shape mismatches still refused
        #expect(throws: StateDictError.self) { try n.load(stateDict: sd, strict: false) }
        sd["head.weight"] = try Tensor.ones([3, 4])
        let r = try n.load(stateDict: sd, strict: false)
        #expect(r.missingKeys == ["layer1.0.bn1.running_var", "head.bias"])
        #expect(r.unexpectedKeys == ["extra.weight"])
        #expect(try n.head.weight.floats().allSatisfy { $0 == 1 })
    }

    @Test func oldCheckpointsWithoutNumBatchesTrackedLoad() throws {
        let n = try Net()
        var sd = try n.stateDict()
        for k in sd.keys where k.hasSuffix("num_batches_tracked") { sd.remove(k) }
        try n.load(stateDict: sd)
    }

    @Test func dtypeAndMemoryFormatConversionsKeepIdentity() throws {
        let n = try Net()
        let w = n.layer1[0].child("conv1")!.parameter("weight")!
        try n.to(.float64)
        #expect(w.dtype == .float64)
        #expect(n.parameters().allSatisfy { $0.dtype == .float64 && $0.requiresGrad })
        #expect((n.layer1[0] as! Block).bn.numBatchesTracked!.dtype == .int64)
        _ = try n(Tensor.randn([2, 2, 4, 4], .init(dtype: .float64)))
        try n.toMemoryFormat(.channelsLast)
        #expect(w.isContiguous(.channelsLast))
        #expect(n.head.weight.isContiguous())  // 2-D tensors are not re-laid out
        let y = try n(Tensor.randn([2, 2, 4, 4], .init(dtype: .float64)).contiguous(.channelsLast))
        try y.sum().backward()
        #expect(w.grad != nil)
        try n.to(.cpu, dtype: .float32)
        #expect(w.dtype == .float32 && w.grad?.dtype == .float32)
        try n.zeroGrad()
        #expect(w.grad == nil)
        #expect(throws: TorchError.self) { try n.to(.int32) }
    }

    @Test func freezingAndSharedParameters() throws {
        let shared = try Linear(3, 3)
        let seq = Sequential(shared, ReLU(), shared)
        #expect(seq.parameters().count == 2, "a shared layer's tensors are listed once")
        try seq.requiresGrad(false)
        #expect(seq.parameters().allSatisfy { !$0.requiresGrad })
        #expect(throws: TorchError.self) { try Module()(Tensor.zeros([1])) }
        let x = try Tensor.zeros([2])
        #expect(try Identity()(x) === x)
    }
}
