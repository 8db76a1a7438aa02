import Testing
@testable import StrataTensor

@Suite struct AutogradTests {
    @Test func retainGraphAllowsASecondBackwardAndGradientsAccumulate() throws {
        let x = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
        let y = try (x * x).sum()
        try y.backward(retainGraph: true)
        #expect(try x.grad!.floats() == [2, 4, 6])
        try y.backward()
        #expect(try x.grad!.floats() == [4, 8, 12])
        // The graph is freed now: a third pass is libtorch's error, not a crash.
        #expect { try y.backward() } throws: { ($0 as? TorchError)?.message.contains("second time") == true }
    }

    @Test func backwardWithoutRetainGraphFreesTheGraph() throws {
        let x = try Tensor([0.5, -1] as [Float]).setRequiresGrad()
        let y = try x.exp().sum()
        try y.backward()
        #expect(throws: TorchError.self) { try y.backward() }
    }

    @Test func noGradRecordsNothingAndRestoresTheMode() throws {
        let x = try Tensor([1, 2] as [Float]).setRequiresGrad()
        #expect(Torch.isGradEnabled)
        let y = try Torch.noGrad {
            #expect(!Torch.isGradEnabled)
            return try x * 2 + 1
        }
        #expect(!y.requiresGrad)
        #expect(Torch.isGradEnabled)
        // Restored even when the body throws.
        struct Boom: Error {}
        #expect(throws: Boom.self) { try Torch.noGrad { throw Boom() } }
        #expect(Torch.isGradEnabled)
        // enableGrad inside noGrad records again.
        let z = try Torch.noGrad { try Torch.enableGrad { try x * 3 } }
        #expect(z.requiresGrad)
        // In-place updates of a leaf are allowed under noGrad (as an optimizer step does).
        _ = try Torch.noGrad { try x.sub_(try Tensor([1, 1] as [Float]), alpha: 0.5) }
        #expect(try x.floats() == [0.5, 1.5])
        #expect(x.requiresGrad && x.isLeaf)
    }

    @Test func inferenceModeTensorsCannotJoinAutogradLater() throws {
        let w = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
        let y = try Torch.inferenceMode { try w * 2 }
        #expect(!y.requiresGrad)
        #expect(try y.floats() == [2, 4, 6])
        // Saving an inference tensor for backward is refused by libtorch with a clear message.
        #expect { try (y * w).sum() } throws: { ($0 as? TorchError)?.message.contains("Inference tensors") == true }
        // Outside inference mode everything records again.
        #expect(try (w * 2).requiresGrad)
    }

    @Test func nonScalarBackwardNeedsAnExplicitGradient() throws {
        let x = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
        let y = try x * (try Tensor([1, 2, 3] as [Float]))
        #expect { try y.backward() } throws: {
            ($0 as? TorchError)?.message.contains("grad can be implicitly created only for scalar outputs") == true
        }
        try y.backward(try Tensor([1, 0.5, 2] as [Float]))
        #expect(try x.grad!.floats() == [1, 1, 6])
        // The same through Autograd.grad with gradOutputs, leaving .grad alone.
        let y2 = try x.square()
        let g = try Autograd.grad(of: [y2], wrt: [x], gradOutputs: [try Tensor([1, 1, 0.5] as [Float])])
        #expect(try g[0]!.floats() == [2, 4, 3])
        #expect(try x.grad!.floats() == [1, 1, 6])
    }

    @Test func higherOrderGradientsWithCreateGraph() throws {
        let x = try Tensor([1, -2, 0.5] as [Double]).setRequiresGrad()
        let y = try x.pow(3).sum()
        let g1 = try #require(Autograd.grad(of: y, wrt: [x], createGraph: true)[0])
        #expect(try g1.doubles() == [3, 12, 0.75])  // 3x²
        #expect(g1.requiresGrad)
        let g2 = try #require(Autograd.grad(of: try g1.sum(), wrt: [x], createGraph: true)[0])
        #expect(try g2.doubles() == [6, -12, 3])  // 6x
        let g3 = try #require(Autograd.grad(of: try g2.sum(), wrt: [x])[0])
        #expect(try g3.doubles() == [6, 6, 6])
        // backward(createGraph:) makes .grad itself differentiable.
        let z = try x.sin().sum()
        try z.backward(createGraph: true)
        let gz = try #require(x.grad)
        #expect(gz.requiresGrad)
        let second = try #require(Autograd.grad(of: try gz.sum(), wrt: [x])[0])
        #expect(try second.allClose(try -x.detached().sin()))
    }

    @Test func unusedInputsGetNilAndGradientsCanBeCleared() throws {
        let a = try Tensor([1, 2] as [Float]).setRequiresGrad()
        let b = try Tensor([3, 4] as [Float]).setRequiresGrad()
        let g = try Autograd.grad(of: try (a * a).sum(), wrt: [a, b])
        #expect(g[1] == nil)
        #expect(try g[0]!.floats() == [2, 4])
        #expect(a.grad == nil)

        try (a * b).sum().backward()
        #expect(try a.grad!.floats() == [3, 4])
        try a.zeroGrad(setToNone: false)
        #expect(try a.grad!.floats() == [0, 0])
        try a.zeroGrad()
        #expect(a.grad == nil)
    }

    @Test func detachAndRetainGrad() throws {
        let x = try Tensor([2, 3] as [Float]).setRequiresGrad()
        let h = try x * 2
        #expect(!h.isLeaf)
        try h.retainGrad()
        let d = try h.detached()
        #expect(!d.requiresGrad && d.isLeaf)
        try (h * h).sum().backward()
        #expect(try h.grad!.floats() == [8, 12])
        #expect(try x.grad!.floats() == [16, 24])
        let h2 = try x * 3
        try h2.detach_()
        #expect(!h2.requiresGrad && h2.isLeaf)
    }

    @Test func requiresGradFromFactoriesAndLikeFactories() throws {
        let p = try Tensor.zeros([2, 2], .init(requiresGrad: true))
        #expect(p.requiresGrad && p.isLeaf)
        let q = try Tensor.onesLike(p, dtype: .float64, requiresGrad: true)
        #expect(q.requiresGrad && q.dtype == .float64 && q.shape == [2, 2])
        try p.setRequiresGrad(false)
        #expect(!p.requiresGrad)
    }
}
