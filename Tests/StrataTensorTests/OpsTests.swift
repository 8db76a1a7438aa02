import Testing
@testable import StrataTensor

/// Behaviour of the op surface beyond numeric parity (which OpsParityTests covers): scalar typing, in-place
/// variants, subscripts, factories and helpers.
@Suite struct OpsTests {
    @Test func scalarOperandsFollowPyTorchPromotion() throws {
        let i = try Tensor([1, 2, 3])
        #expect(try (i + 1).dtype == .int64)
        #expect(try (i * 2).ints() == [2, 4, 6])
        #expect(try (i + 0.5).dtype == .float32)
        #expect(try (i / 2).doubles() == [0.5, 1, 1.5])
        #expect(try (10 - i).ints() == [9, 8, 7])
        #expect(try (i % 2).ints() == [1, 0, 1])
        #expect(try i.div(try Tensor([2, 2, 2]), rounding: .floor).ints() == [0, 1, 1])
        let f = try Tensor([-7, 7] as [Float])
        #expect(try (f % 3).floats() == [2, 1])  // sign of the divisor
        #expect(try f.fmod(3).floats() == [-1, 1])  // sign of the dividend
        #expect(try (f.floorDivide(2)).floats() == [-4, 3])
        #expect(try (2.0 / f).floats() == [Float(2.0 / -7.0), Float(2.0 / 7.0)])
    }

    @Test func inPlaceOpsMutateAndReturnSelf() throws {
        let x = try Tensor([1, 2, 3] as [Float])
        let same = try x.add_(1).mul_(2)
        #expect(same === x)
        #expect(try x.floats() == [4, 6, 8])
        try x.sub_(try Tensor([1, 1, 1] as [Float]), alpha: 2).div_(2)
        #expect(try x.floats() == [1, 2, 3])
        try x.clamp_(min: 1.5, max: 2.5)
        #expect(try x.floats() == [1.5, 2, 2.5])
        try x.maskedFill_(try x .> 1.9, 0)
        #expect(try x.floats() == [1.5, 0, 0])
        try x.indexPut_([try Tensor([0, 2])], try Tensor([7, 9] as [Float]))
        #expect(try x.floats() == [7, 0, 9])
        try x.copy_(try Tensor([1, 1, 1] as [Int]))
        #expect(try x.floats() == [1, 1, 1])
        try x.fill_(3).zero_()
        #expect(try x.floats() == [0, 0, 0])
        // In-place on a leaf that requires grad is libtorch's error.
        let p = try Tensor([1] as [Float]).setRequiresGrad()
        #expect { try p.add_(1) } throws: { ($0 as? TorchError)?.message.contains("leaf Variable that requires grad") == true }
    }

    @Test func subscriptsFollowPythonIndexing() throws {
        let t = try Tensor.arange(24).reshape(2, 3, 4)
        #expect(try t[1].shape == [3, 4])
        #expect(try t[-1, -1].ints() == [20, 21, 22, 23])
        #expect(try t[0, 1...2, ..<2].ints() == [4, 5, 8, 9])
        #expect(try t[TensorIndex.all, 0, ...1].ints() == [0, 1, 12, 13])
        #expect(try t[TensorIndex.ellipsis, 3].ints() == [3, 7, 11, 15, 19, 23])
        #expect(try t[0, 0, TensorIndex.stride(nil, nil, by: 3)].ints() == [0, 3])
        #expect(try t[TensorIndex.newAxis].shape == [1, 2, 3, 4])
        #expect(try t[0, 2...].shape == [1, 4])
        #expect(try t[0, 0, try Tensor([3, 0])].ints() == [3, 0])
        let mask = try t .>= 20
        #expect(try t[mask].ints() == [20, 21, 22, 23])
        #expect(throws: TorchError.self) { try t[TensorIndex.ellipsis, TensorIndex.ellipsis] }
    }

    @Test func comparisonsAndClosenessHelpers() throws {
        let a = try Tensor([1, 2, 3] as [Float]), b = try Tensor([1, 2.000001, 3.1] as [Float])
        #expect(try !a.allClose(b))
        #expect(try a.allClose(b, atol: 0.2))
        #expect(try a.isClose(b).toArray(UInt8.self) == [1, 1, 0])
        #expect(try a.equal(try a.clone()))
        #expect(try !a.equal(b))
        let nan = try Tensor([Float.nan, 1])
        #expect(try !nan.allClose(nan))
        #expect(try nan.allClose(nan, equalNan: true))
        #expect(try (a .> 1.5).sum().itemInt() == 2)
        #expect(try ((a .> 1.5) .^ (a .< 2.5)).toArray(UInt8.self) == [1, 0, 1])
        #expect(try Tensor.where(a .> 2, 1.0, -1.0).floats() == [-1, -1, 1])
        #expect(try Tensor.where(a .> 2, -1.0, a).floats() == [1, 2, -1])
        #expect(try nan.isnan().toArray(UInt8.self) == [1, 0])
        #expect(try Tensor([Float.infinity, -.infinity, .nan]).nanToNum().isfinite().all().item() == 1)
    }

    @Test func likeFactoriesCopyShapeDtypeAndDevice() throws {
        let x = try Tensor.zeros([2, 3], .init(dtype: .float64))
        let o = try Tensor.onesLike(x)
        #expect(o.shape == [2, 3] && o.dtype == .float64 && o.device == .cpu)
        #expect(try o.sum().item() == 6)
        #expect(try Tensor.zerosLike(x, dtype: .int32).dtype == .int32)
        #expect(try Tensor.fullLike(x, 2.5).doubles() == Array(repeating: 2.5, count: 6))
        let r = try Tensor.randLike(x)
        #expect(try r.ge(0).all().item() == 1 && r.lt(1).all().item() == 1)
        #expect(try Tensor.randnLike(x).shape == [2, 3])
        let ri = try Tensor.randintLike(x, low: 3, high: 5, dtype: .int64)
        #expect(try Set(ri.ints()).isSubset(of: [3, 4]))
        #expect(try Tensor.emptyLike(x).shape == [2, 3])
    }

    @Test func uniqueVariants() throws {
        let x = try Tensor([3, 1, 3, 2, 1, 3])
        let u = try x.unique(returnInverse: true, returnCounts: true)
        #expect(try u.values.ints() == [1, 2, 3])
        #expect(try u.inverse!.ints() == [2, 0, 2, 1, 0, 2])
        #expect(try u.counts!.ints() == [2, 1, 3])
        #expect(try x.unique().inverse == nil)
        let rows = try Tensor([1, 2, 1, 2, 0, 5], shape: [3, 2])
        #expect(try rows.unique(dim: 0).values.ints() == [0, 5, 1, 2])
        let c = try Tensor([1, 1, 2, 2, 2, 1]).uniqueConsecutive(returnCounts: true)
        #expect(try c.values.ints() == [1, 2, 1])
        #expect(try c.counts!.ints() == [2, 3, 1])
    }

    @Test func shapeHelpersAndViews() throws {
        let t = try Tensor.arange(12).reshape(3, 4)
        let parts = try t.split(size: 2, dim: 1)
        #expect(parts.count == 2 && parts[1].shape == [3, 2])
        // Views share storage with their base.
        try parts[0].fill_(0)
        #expect(try t[0].ints() == [0, 0, 2, 3])
        #expect(try t.chunk(2, dim: 0).map(\.shape) == [[2, 4], [1, 4]])
        #expect(try t.movedim([0, 1], [1, 0]).shape == [4, 3])
        #expect(try t.broadcastTo([2, 3, 4]).shape == [2, 3, 4])
        #expect(try t.flatten().shape == [12])
        #expect(try Tensor.zeros([2, 1, 3, 1]).squeeze(dims: [1, 3]).shape == [2, 3])
        #expect(try Tensor.zeros([2, 1, 3]).squeeze(dim: 0).shape == [2, 1, 3])
        #expect(try t.view(as: .float64).shape == [3, 4])  // int64 bytes reinterpreted as float64
        #expect(throws: TorchError.self) { try t.t().view(12) }
        #expect(try t.t().reshape(12).shape == [12])
        let g = try Tensor.meshgrid([try Tensor.arange(2), try Tensor.arange(3)])
        #expect(g.map(\.shape) == [[2, 3], [2, 3]])
    }

    @Test func resamplingArguments() throws {
        let x = try Tensor.arange(16, .init(dtype: .float32)).reshape(1, 1, 4, 4)
        #expect(try x.interpolate(scaleFactor: 0.5, mode: .area).floats() == [2.5, 4.5, 10.5, 12.5])
        #expect(try x.interpolate(scaleFactor: [2, 1], mode: .nearest).shape == [1, 1, 8, 4])
        #expect(try x.pad([-1, -1, -1, -1]).floats() == [5, 6, 9, 10])  // negative padding crops
        #expect(try x.pad([1, 1], mode: .constant(-1)).shape == [1, 1, 4, 6])
        #expect(throws: TorchError.self) { try x.interpolate(size: [2, 2], mode: .nearest, antialias: true) }
        #expect(throws: TorchError.self) { try x.interpolate(size: [2, 2, 2], mode: .trilinear) }
        #expect(throws: TorchError.self) { try Tensor.zeros([4, 4]).interpolate(size: [2], mode: .nearest) }
        // Reflect padding wider than the input is libtorch's error.
        #expect(throws: TorchError.self) { try x.pad([5, 5, 0, 0], mode: .reflect) }
    }

    @Test func reductionsWithOptions() throws {
        let x = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        #expect(try x.sum(dtype: .float64).dtype == .float64)
        #expect(try x.mean(dims: [0, 1], keepdim: true).shape == [1, 1])
        #expect(try x.prod().item() == 24)
        #expect(try x.min().item() == 1)
        #expect(try x.amin(dims: [1]).floats() == [1, 3])
        #expect(try x.argmax().itemInt() == 3)
        #expect(try x.countNonzero().itemInt() == 4)
        #expect(try x.norm(p: 0).item() == 4)
        #expect(try x.median().item() == 2)
        let (s, m) = try x.stdMean(dims: [1], correction: 0)
        #expect(try s.floats() == [0.5, 0.5] && m.floats() == [1.5, 3.5])
        let (v, _) = try x.varMean()
        #expect(try v.allClose(try x.variance()))
        #expect(try x.nansum().item() == 10)
        #expect(try Tensor([1, Float.nan, 3]).nanmean().item() == 2)
        #expect(try x.mode(dim: 0).values.shape == [2])
    }

    @Test func linearAlgebraHelpers() throws {
        let a = try Tensor([4, 1, 1, 3] as [Double], shape: [2, 2])
        #expect(try a.matmul(a.inverse()).allClose(try Tensor.eye(2, 2, .init(dtype: .float64)), atol: 1e-12))
        #expect(try a.det().item() == 11)
        #expect(try a.trace().item() == 7)
        let l = try a.cholesky()
        #expect(try l.matmul(l.t()).allClose(a))
        let b = try Tensor([1, 2] as [Double], shape: [2, 1])
        #expect(try a.matmul(a.solve(b)).allClose(b))
        #expect(try a.pinverse().allClose(try a.inverse()))
        #expect(try a.mv(try Tensor([1, 1] as [Double])).doubles() == [5, 4])
        #expect(try a.kron(try Tensor.ones([1, 2], .init(dtype: .float64))).shape == [2, 4])
        let e1 = try Tensor([1, 0, 0] as [Float]), e2 = try Tensor([0, 1, 0] as [Float])
        #expect(try e1.cross(e2).floats() == [0, 0, 1])
    }

    @Test func sortingHelpers() throws {
        let s = try Tensor([1, 3, 5, 7] as [Float])
        #expect(try s.searchsorted(try Tensor([0, 3, 6] as [Float])).ints() == [0, 1, 3])
        #expect(try s.searchsorted(try Tensor([3] as [Float]), right: true).ints() == [2])
        #expect(try Tensor([2, 6] as [Float]).bucketize(s).ints() == [1, 3])
        #expect(try Tensor([1, 2, 1, 9] as [Float]).histc(bins: 4, min: 0, max: 8).floats() == [2, 1, 0, 0])
        let stable = try Tensor([2, 1, 2, 1]).sort(stable: true)
        #expect(try stable.indices.ints() == [1, 3, 0, 2])
        #expect(try Tensor([5, 1, 4]).cummin(dim: 0).values.ints() == [5, 1, 1])
        #expect(try Tensor([1, 4, 9, 16]).diff().ints() == [3, 5, 7])
    }

    @Test func activationsAndDropout() throws {
        let x = try Tensor.ones([1000])
        let d = try x.dropout(p: 0.5, training: true)
        let kept = try d.ne(0).sum().itemInt()
        #expect(kept > 350 && kept < 650)
        #expect(try d.amax().item() == 2)
        #expect(try x.dropout(p: 0.5, training: false).equal(x))
        #expect(try Tensor.ones([2, 8, 1]).featureDropout(p: 0.5, training: false).shape == [2, 8, 1])
        let v = try Tensor([-2, -0.25, 0.25, 2] as [Float])
        #expect(try v.softshrink(0.5).floats() == [-1.5, 0, 0, 1.5])
        #expect(try v.hardshrink(0.5).floats() == [-2, 0, 0, 2])
        #expect(try v.softmax(dim: 0, dtype: .float64).dtype == .float64)
    }
}
