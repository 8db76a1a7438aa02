/// A lookup table of `numEmbeddings` vectors of size `embeddingDim` (`nn.Embedding`), initialised N(0, 1);
/// the `paddingIdx` row starts at zero and receives no gradient.
public final class Embedding: Module {
    public let numEmbeddings: Int, embeddingDim: Int
    public let paddingIdx: Int?
    public let scaleGradByFreq: Bool
    public let weight: Tensor

    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, scaleGradByFreq: Bool = false,
                _ options: TensorOptions = .init()) throws {
        var pad = paddingIdx
        if let p = paddingIdx {
            guard p < numEmbeddings, p >= -numEmbeddings else {
                throw TorchError("Embedding: paddingIdx \(p) must be within [-\(numEmbeddings), \(numEmbeddings))")
            }
            if p < 0 { pad = p + numEmbeddings }
        }
        self.numEmbeddings = numEmbeddings
        self.embeddingDim = embeddingDim
        self.paddingIdx = pad
        self.scaleGradByFreq = scaleGradByFreq
        weight = try Tensor.empty([numEmbeddings, embeddingDim], options)
        super.init()
        registerParameter("weight", weight)
        try resetParameters()
    }
    public func resetParameters() throws {
        try Init.normal(weight)
        if let p = paddingIdx {
            try Torch.noGrad { _ = try NNOp.fill_.call([.tensor(try NNOp.select.tensor([.tensor(weight), 0, .int(p)])), 0]) }
        }
    }
    public override func forward(_ indices: Tensor) throws -> Tensor {
        try NNOp.embedding.tensor([.tensor(weight), .tensor(indices), .int(paddingIdx ?? -1), .bool(scaleGradByFreq), false])
    }
    public override var extraDescription: String {
        "\(numEmbeddings), \(embeddingDim)" + (paddingIdx.map { ", padding_idx=\($0)" } ?? "")
    }
}
