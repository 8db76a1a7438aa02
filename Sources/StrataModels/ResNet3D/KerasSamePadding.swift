import StrataTensor

/// Keras/TensorFlow `padding="same"`: the output has ⌈input / stride⌉ positions and the padding that needs is
/// split with the smaller half before and the larger half after (TensorFlow pads more at the end). For stride 1
/// and an odd kernel this is PyTorch's symmetric `padding = (k − 1)/2`; for strided convolutions on some sizes it
/// is asymmetric, which PyTorch's `padding=` cannot express.
public enum KerasSamePadding {
    /// (before, after) padding of one dimension.
    public static func amounts(inputSize: Int, kernel: Int, stride: Int, dilation: Int = 1) -> (before: Int, after: Int) {
        let out = (inputSize + stride - 1) / stride
        let effective = (kernel - 1) * dilation + 1
        let total = max((out - 1) * stride + effective - inputSize, 0)
        return (total / 2, total - total / 2)
    }

    /// Output size of one dimension: ⌈input / stride⌉.
    public static func outputSize(inputSize: Int, stride: Int) -> Int { (inputSize + stride - 1) / stride }

    private static let convOps = [Op("aten::conv1d"), Op("aten::conv2d"), Op("aten::conv3d")]

    /// Runs `conv` (built with zero padding) on `x` with Keras "same" padding for `x`'s spatial size: symmetric
    /// amounts go to the convolution itself, asymmetric ones are padded with zeros first.
    static func conv(_ conv: ConvNd, _ x: Tensor) throws -> Tensor {
        let dims = conv.kernelSize.count
        let spatial = Array(x.shape.suffix(dims))
        let pads = (0..<dims).map {
            amounts(inputSize: spatial[$0], kernel: conv.kernelSize[$0], stride: conv.stride[$0], dilation: conv.dilation[$0])
        }
        var input = x
        var symmetric = pads.map(\.before)
        if pads.contains(where: { $0.before != $0.after }) {
            input = try ModelOps.pad(x, pads.reversed().flatMap { [$0.before, $0.after] })
            symmetric = Array(repeating: 0, count: dims)
        }
        return try convOps[dims - 1].tensor([.tensor(input), .tensor(conv.weight), .tensor(conv.bias), .ints(conv.stride),
                                             .ints(symmetric), .ints(conv.dilation), .int(conv.groups)])
    }
}
