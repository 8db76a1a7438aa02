/// Zeroes elements with probability `p` in training and scales the rest by 1/(1−p) (`nn.Dropout`).
public final class Dropout: Module {
    public let p: Double
    public init(_ p: Double = 0.5) throws {
        guard (0...1).contains(p) else { throw TorchError("Dropout: probability must be in [0, 1], got \(p)") }
        self.p = p
        super.init()
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard isTraining, p > 0 else { return x }
        return try NNOp.dropout.tensor([.tensor(x), .double(p), true])
    }
    public override var extraDescription: String { "p=\(p)" }
}

/// Zeroes whole channels of `[N, C, H, W]` (or unbatched `[C, H, W]`) with probability `p` (`nn.Dropout2d`).
public final class Dropout2d: Module {
    public let p: Double
    public init(_ p: Double = 0.5) throws {
        guard (0...1).contains(p) else { throw TorchError("Dropout2d: probability must be in [0, 1], got \(p)") }
        self.p = p
        super.init()
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3 || x.rank == 4 else {
            throw TorchError("Dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape \(x.shape)")
        }
        guard isTraining, p > 0 else { return x }
        if x.rank == 3 {
            let b = try NNOp.unsqueeze.tensor([.tensor(x), 0])
            let y = try NNOp.featureDropout.tensor([.tensor(b), .double(p), true])
            return try NNOp.squeezeDim.tensor([.tensor(y), 0])
        }
        return try NNOp.featureDropout.tensor([.tensor(x), .double(p), true])
    }
    public override var extraDescription: String { "p=\(p)" }
}
