/// Max pooling over 2 or 3 spatial dimensions (`nn.MaxPool2d/3d`). `stride` defaults to the kernel size.
public class MaxPoolNd: Module {
    public let kernelSize: [Int], stride: [Int], padding: [Int], dilation: [Int]
    public let ceilMode: Bool
    let dims: Int
    init(dims: Int, kernelSize: SpatialDims, stride: SpatialDims?, padding: SpatialDims, dilation: SpatialDims,
         ceilMode: Bool) throws {
        self.dims = dims
        self.kernelSize = try kernelSize.expand(dims, "MaxPool\(dims)d kernelSize")
        self.stride = try (stride ?? kernelSize).expand(dims, "MaxPool\(dims)d stride")
        self.padding = try padding.expand(dims, "MaxPool\(dims)d padding")
        self.dilation = try dilation.expand(dims, "MaxPool\(dims)d dilation")
        self.ceilMode = ceilMode
        super.init()
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try (dims == 2 ? NNOp.maxPool2d : NNOp.maxPool3d).tensor([.tensor(x), .ints(kernelSize), .ints(stride), .ints(padding),
                                                                  .ints(dilation), .bool(ceilMode)])
    }
    public override var extraDescription: String {
        "kernel_size=\(SpatialDims(kernelSize)), stride=\(SpatialDims(stride)), padding=\(SpatialDims(padding)), dilation=\(SpatialDims(dilation)), ceil_mode=\(ceilMode)"
    }
}
public final class MaxPool2d: MaxPoolNd {
    public init(kernelSize: SpatialDims, stride: SpatialDims? = nil, padding: SpatialDims = 0, dilation: SpatialDims = 1,
                ceilMode: Bool = false) throws {
        try super.init(dims: 2, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}
public final class MaxPool3d: MaxPoolNd {
    public init(kernelSize: SpatialDims, stride: SpatialDims? = nil, padding: SpatialDims = 0, dilation: SpatialDims = 1,
                ceilMode: Bool = false) throws {
        try super.init(dims: 3, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// Average pooling over 2 or 3 spatial dimensions (`nn.AvgPool2d/3d`).
public class AvgPoolNd: Module {
    public let kernelSize: [Int], stride: [Int], padding: [Int]
    public let ceilMode: Bool, countIncludePad: Bool
    public let divisorOverride: Int?
    let dims: Int
    init(dims: Int, kernelSize: SpatialDims, stride: SpatialDims?, padding: SpatialDims, ceilMode: Bool,
         countIncludePad: Bool, divisorOverride: Int?) throws {
        self.dims = dims
        self.kernelSize = try kernelSize.expand(dims, "AvgPool\(dims)d kernelSize")
        self.stride = try (stride ?? kernelSize).expand(dims, "AvgPool\(dims)d stride")
        self.padding = try padding.expand(dims, "AvgPool\(dims)d padding")
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
        super.init()
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try (dims == 2 ? NNOp.avgPool2d : NNOp.avgPool3d).tensor([.tensor(x), .ints(kernelSize), .ints(stride), .ints(padding),
                                                                  .bool(ceilMode), .bool(countIncludePad), .opt(divisorOverride)])
    }
    public override var extraDescription: String {
        "kernel_size=\(SpatialDims(kernelSize)), stride=\(SpatialDims(stride)), padding=\(SpatialDims(padding))"
    }
}
public final class AvgPool2d: AvgPoolNd {
    public init(kernelSize: SpatialDims, stride: SpatialDims? = nil, padding: SpatialDims = 0, ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) throws {
        try super.init(dims: 2, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                       countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
}
public final class AvgPool3d: AvgPoolNd {
    public init(kernelSize: SpatialDims, stride: SpatialDims? = nil, padding: SpatialDims = 0, ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) throws {
        try super.init(dims: 3, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                       countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
}

/// Average pooling to a fixed output size (`nn.AdaptiveAvgPool2d/3d`); `1` gives global average pooling.
public class AdaptiveAvgPoolNd: Module {
    public let outputSize: [Int]
    let dims: Int
    init(dims: Int, outputSize: SpatialDims) throws {
        self.dims = dims
        self.outputSize = try outputSize.expand(dims, "AdaptiveAvgPool\(dims)d outputSize")
        super.init()
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try (dims == 2 ? NNOp.adaptiveAvgPool2d : NNOp.adaptiveAvgPool3d).tensor([.tensor(x), .ints(outputSize)])
    }
    public override var extraDescription: String { "output_size=\(SpatialDims(outputSize))" }
}
public final class AdaptiveAvgPool2d: AdaptiveAvgPoolNd {
    public init(_ outputSize: SpatialDims) throws { try super.init(dims: 2, outputSize: outputSize) }
}
public final class AdaptiveAvgPool3d: AdaptiveAvgPoolNd {
    public init(_ outputSize: SpatialDims) throws { try super.init(dims: 3, outputSize: outputSize) }
}
