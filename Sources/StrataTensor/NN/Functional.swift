/// Stateless forms of the layers, activations and losses (PyTorch's `torch.nn.functional`).
///
/// ```swift
/// let y = try Functional.relu(Functional.conv2d(x, w, b, padding: 1))
/// let loss = try Functional.crossEntropy(logits, target, labelSmoothing: 0.1)
/// ```
public enum Functional {
    // MARK: activations

    public static func relu(_ x: Tensor) throws -> Tensor { try NNOp.relu.tensor([.tensor(x)]) }
    public static func relu6(_ x: Tensor) throws -> Tensor { try NNOp.relu6.tensor([.tensor(x)]) }
    public static func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) throws -> Tensor {
        try NNOp.leakyRelu.tensor([.tensor(x), .double(negativeSlope)])
    }
    /// GELU; `approximate: true` uses the tanh approximation.
    public static func gelu(_ x: Tensor, approximate: Bool = false) throws -> Tensor {
        try NNOp.gelu.tensor([.tensor(x)], named: ["approximate": .string(approximate ? "tanh" : "none")])
    }
    public static func silu(_ x: Tensor) throws -> Tensor { try NNOp.silu.tensor([.tensor(x)]) }
    public static func sigmoid(_ x: Tensor) throws -> Tensor { try NNOp.sigmoid.tensor([.tensor(x)]) }
    public static func tanh(_ x: Tensor) throws -> Tensor { try NNOp.tanh.tensor([.tensor(x)]) }
    public static func elu(_ x: Tensor, alpha: Double = 1) throws -> Tensor { try NNOp.elu.tensor([.tensor(x), .double(alpha)]) }
    public static func hardswish(_ x: Tensor) throws -> Tensor { try NNOp.hardswish.tensor([.tensor(x)]) }
    public static func hardsigmoid(_ x: Tensor) throws -> Tensor { try NNOp.hardsigmoid.tensor([.tensor(x)]) }
    public static func mish(_ x: Tensor) throws -> Tensor { try NNOp.mish.tensor([.tensor(x)]) }
    public static func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) throws -> Tensor {
        try NNOp.softplus.tensor([.tensor(x), .double(beta), .double(threshold)])
    }
    public static func logSigmoid(_ x: Tensor) throws -> Tensor { try NNOp.logSigmoid.tensor([.tensor(x)]) }
    public static func softmax(_ x: Tensor, dim: Int) throws -> Tensor { try NNOp.softmax(x, dim: dim) }
    public static func logSoftmax(_ x: Tensor, dim: Int) throws -> Tensor { try NNOp.logSoftmax(x, dim: dim) }

    // MARK: layers

    public static func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) throws -> Tensor {
        try NNOp.linear.tensor([.tensor(x), .tensor(weight), .tensor(bias)])
    }
    /// 2-D convolution with explicit padding (see `Conv2d` for `.same`/`.valid` and padding modes).
    public static func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: SpatialDims = 1,
                              padding: SpatialDims = 0, dilation: SpatialDims = 1, groups: Int = 1) throws -> Tensor {
        try NNOp.conv2d.tensor([.tensor(x), .tensor(weight), .tensor(bias), .ints(stride.expand(2, "conv2d stride")),
                                .ints(padding.expand(2, "conv2d padding")), .ints(dilation.expand(2, "conv2d dilation")),
                                .int(groups)])
    }
    /// Batch normalisation (`F.batch_norm`); `training` uses batch statistics and updates the running ones.
    public static func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil,
                                 bias: Tensor? = nil, training: Bool = false, momentum: Double = 0.1,
                                 eps: Double = 1e-5) throws -> Tensor {
        try NNOp.batchNorm.tensor([.tensor(x), .tensor(weight), .tensor(bias), .tensor(runningMean), .tensor(runningVar),
                                   .bool(training), .double(momentum), .double(eps), true])
    }
    public static func dropout(_ x: Tensor, p: Double = 0.5, training: Bool = true) throws -> Tensor {
        guard (0...1).contains(p) else { throw TorchError("dropout: probability must be in [0, 1], got \(p)") }
        return training && p > 0 ? try NNOp.dropout.tensor([.tensor(x), .double(p), true]) : x
    }
    public static func maxPool2d(_ x: Tensor, kernelSize: SpatialDims, stride: SpatialDims? = nil, padding: SpatialDims = 0) throws -> Tensor {
        try MaxPool2d(kernelSize: kernelSize, stride: stride, padding: padding).forward(x)
    }
    public static func avgPool2d(_ x: Tensor, kernelSize: SpatialDims, stride: SpatialDims? = nil, padding: SpatialDims = 0) throws -> Tensor {
        try AvgPool2d(kernelSize: kernelSize, stride: stride, padding: padding).forward(x)
    }
    public static func adaptiveAvgPool2d(_ x: Tensor, _ outputSize: SpatialDims) throws -> Tensor {
        try NNOp.adaptiveAvgPool2d.tensor([.tensor(x), .ints(outputSize.expand(2, "adaptiveAvgPool2d outputSize"))])
    }
}
