// Resizing (torch.nn.functional.interpolate) and padding (torch.nn.functional.pad).

/// Interpolation kernels for `Tensor.interpolate`.
public enum InterpolationMode: String, Sendable {
    /// Nearest neighbour with PyTorch's legacy `floor(dst * scale)` source index (OpenCV's INTER_NEAREST).
    case nearest
    /// Nearest neighbour with pixel-centre rounding (PIL/scikit-image).
    case nearestExact = "nearest-exact"
    /// Linear over the last dim of a 3-D (N, C, W) tensor.
    case linear
    /// Bilinear over the last two dims of a 4-D (N, C, H, W) tensor.
    case bilinear
    /// Bicubic (a = -0.75) over the last two dims of a 4-D tensor.
    case bicubic
    /// Trilinear over the last three dims of a 5-D (N, C, D, H, W) tensor.
    case trilinear
    /// Adaptive average pooling to the output size (for downsampling).
    case area
}

/// Border handling for `Tensor.pad`.
public enum PadMode: Sendable, Equatable {
    /// Fills with a constant.
    case constant(Double)
    /// Mirrors without repeating the edge (`dcb|abcd|cba`).
    case reflect
    /// Repeats the edge value (`aaa|abcd|ddd`).
    case replicate
    /// Wraps around (`bcd|abcd|abc`).
    case circular

    var name: String {
        switch self {
        case .constant: "constant"
        case .reflect: "reflect"
        case .replicate: "replicate"
        case .circular: "circular"
        }
    }
}

extension Tensor {
    private static let nearest1d = Op("aten::upsample_nearest1d", "vec"), nearest2d = Op("aten::upsample_nearest2d", "vec")
    private static let nearest3d = Op("aten::upsample_nearest3d", "vec")
    private static let nearestExact1d = Op("aten::_upsample_nearest_exact1d", "vec")
    private static let nearestExact2d = Op("aten::_upsample_nearest_exact2d", "vec")
    private static let nearestExact3d = Op("aten::_upsample_nearest_exact3d", "vec")
    private static let linear1d = Op("aten::upsample_linear1d", "vec"), bilinear2d = Op("aten::upsample_bilinear2d", "vec")
    private static let bicubic2d = Op("aten::upsample_bicubic2d", "vec"), trilinear3d = Op("aten::upsample_trilinear3d", "vec")
    private static let bilinearAA = Op("aten::_upsample_bilinear2d_aa", "vec"), bicubicAA = Op("aten::_upsample_bicubic2d_aa", "vec")
    private static let adaptiveAvg1d = Op("aten::adaptive_avg_pool1d"), adaptiveAvg2d = Op("aten::adaptive_avg_pool2d")
    private static let adaptiveAvg3d = Op("aten::adaptive_avg_pool3d")
    private static let padOp = Op("aten::pad")

    /// Resizes the spatial dims (all dims after N, C) to `size`, as `F.interpolate(x, size=...)`.
    /// `alignCorners` (linear modes only) maps corner pixel centres onto each other; `antialias` (bilinear and
    /// bicubic) low-pass filters when downsampling, as PIL does.
    public func interpolate(size: [Int], mode: InterpolationMode = .nearest, alignCorners: Bool? = nil,
                            antialias: Bool = false) throws -> Tensor {
        try resample(size: size, scales: nil, mode: mode, alignCorners: alignCorners, antialias: antialias)
    }

    /// Resizes the spatial dims by `scaleFactor` (one per spatial dim, or one for all), as
    /// `F.interpolate(x, scale_factor=...)` with `recompute_scale_factor=False`: the output size is
    /// `floor(input * scale)` and the given scale is used for the coordinate mapping.
    public func interpolate(scaleFactor: [Double], mode: InterpolationMode = .nearest, alignCorners: Bool? = nil,
                            antialias: Bool = false) throws -> Tensor {
        let spatial = rank - 2
        guard spatial >= 1 else { throw TorchError("interpolate: expected a (N, C, ...) tensor with spatial dims, got shape \(shape)") }
        let scales = scaleFactor.count == 1 ? Array(repeating: scaleFactor[0], count: spatial) : scaleFactor
        guard scales.count == spatial else {
            throw TorchError("interpolate: \(scaleFactor.count) scale factors for \(spatial) spatial dims of shape \(shape)")
        }
        if mode == .area {
            let size = zip(shape.suffix(spatial), scales).map { Int((Double($0) * $1).rounded(.down)) }
            return try resample(size: size, scales: nil, mode: mode, alignCorners: alignCorners, antialias: antialias)
        }
        return try resample(size: nil, scales: scales, mode: mode, alignCorners: alignCorners, antialias: antialias)
    }
    public func interpolate(scaleFactor: Double, mode: InterpolationMode = .nearest, alignCorners: Bool? = nil,
                            antialias: Bool = false) throws -> Tensor {
        try interpolate(scaleFactor: [scaleFactor], mode: mode, alignCorners: alignCorners, antialias: antialias)
    }

    private func resample(size: [Int]?, scales: [Double]?, mode: InterpolationMode, alignCorners: Bool?, antialias: Bool) throws -> Tensor {
        let spatial = rank - 2
        guard (1...3).contains(spatial) else {
            throw TorchError("interpolate: expected a 3-D, 4-D or 5-D (N, C, ...) tensor, got shape \(shape)")
        }
        if let size, size.count != spatial {
            throw TorchError("interpolate: size \(size) has \(size.count) entries for \(spatial) spatial dims of shape \(shape)")
        }
        let linearModes: Set<InterpolationMode> = [.linear, .bilinear, .bicubic, .trilinear]
        if alignCorners != nil && !linearModes.contains(mode) {
            throw TorchError("interpolate: alignCorners applies only to linear, bilinear, bicubic and trilinear modes, not \(mode.rawValue)")
        }
        if antialias && mode != .bilinear && mode != .bicubic {
            throw TorchError("interpolate: antialias applies only to bilinear and bicubic modes, not \(mode.rawValue)")
        }
        func want(_ dims: Int) throws {
            guard spatial == dims else {
                throw TorchError("interpolate: mode \(mode.rawValue) expects \(dims + 2)-D input, got shape \(shape)")
            }
        }
        let sizeArg: Arg = size.map { .ints($0) } ?? .none
        let scaleArg: Arg = scales.map { .doubles($0) } ?? .none
        let align = Arg.bool(alignCorners ?? false)
        switch mode {
        case .nearest:
            let op = [Self.nearest1d, Self.nearest2d, Self.nearest3d][spatial - 1]
            return try op.tensor([.tensor(self), sizeArg, scaleArg])
        case .nearestExact:
            let op = [Self.nearestExact1d, Self.nearestExact2d, Self.nearestExact3d][spatial - 1]
            return try op.tensor([.tensor(self), sizeArg, scaleArg])
        case .linear:
            try want(1)
            return try Self.linear1d.tensor([.tensor(self), sizeArg, align, scaleArg])
        case .bilinear:
            try want(2)
            return try (antialias ? Self.bilinearAA : Self.bilinear2d).tensor([.tensor(self), sizeArg, align, scaleArg])
        case .bicubic:
            try want(2)
            return try (antialias ? Self.bicubicAA : Self.bicubic2d).tensor([.tensor(self), sizeArg, align, scaleArg])
        case .trilinear:
            try want(3)
            return try Self.trilinear3d.tensor([.tensor(self), sizeArg, align, scaleArg])
        case .area:
            guard let size else { throw TorchError("interpolate: area mode needs an output size") }
            let op = [Self.adaptiveAvg1d, Self.adaptiveAvg2d, Self.adaptiveAvg3d][spatial - 1]
            return try op.tensor([.tensor(self), .ints(size)])
        }
    }

    /// Pads the last dims: `pads` lists (before, after) pairs starting from the last dim, as `F.pad`
    /// (`[left, right, top, bottom]` for the last two dims). Negative amounts crop (constant mode).
    public func pad(_ pads: [Int], mode: PadMode = .constant(0)) throws -> Tensor {
        if case .constant(let v) = mode {
            return try Self.padOp.tensor([.tensor(self), .ints(pads), .string("constant"), .double(v)])
        }
        return try Self.padOp.tensor([.tensor(self), .ints(pads), .string(mode.name)])
    }
}
