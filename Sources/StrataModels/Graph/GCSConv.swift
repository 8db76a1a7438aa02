import StrataTensor

/// Spektral's `GCSConv` ("graph convolutional skip" layer, Spektral 1.3): `Z = Â (X W₁) + X W₂ + b`, with `Â` the
/// normalised adjacency *without* self-loops (`D^-1/2 A D^-1/2`) and the skip `X W₂` carrying its own weight.
/// The activation is the caller's (DF4LCZ uses ReLU).
///
/// Parameters keep Spektral's names and Keras layouts so a Keras checkpoint maps one to one: `kernel_1` and
/// `kernel_2` `[in, out]`, `bias` `[out]`. Initialisation as Spektral's defaults: glorot-uniform kernels, zero bias.
///
/// Inputs: node features `[N, in]` and a dense `[N, N]` adjacency (block-diagonal for a batch of graphs, as
/// `GraphBatch` builds it), so one layer serves Spektral's single and disjoint modes.
public final class GCSConv: Module {
    public let inFeatures: Int, outFeatures: Int
    public let kernel1: Tensor, kernel2: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
        guard inFeatures >= 1, outFeatures >= 1 else {
            throw ModelError("GCSConv(\(inFeatures), \(outFeatures)): feature counts must be ≥ 1")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        kernel1 = try Tensor.empty([inFeatures, outFeatures])
        kernel2 = try Tensor.empty([inFeatures, outFeatures])
        self.bias = bias ? try Tensor.zeros([outFeatures]) : nil
        super.init()
        registerParameter("kernel_1", kernel1)
        registerParameter("kernel_2", kernel2)
        registerParameter("bias", self.bias)
        try Init.xavierUniform(kernel1)
        try Init.xavierUniform(kernel2)
    }

    /// `Â (X W₁) + X W₂ + b` for node features `[N, in]` and adjacency `[N, N]`.
    public func callAsFunction(_ x: Tensor, adjacency: Tensor) throws -> Tensor {
        guard x.rank == 2, x.size(1) == inFeatures else {
            throw ModelError("GCSConv: expected node features [N, \(inFeatures)], got \(x.shape)")
        }
        guard adjacency.rank == 2, adjacency.size(0) == x.size(0), adjacency.size(1) == x.size(0) else {
            throw ModelError("GCSConv: the adjacency must be [\(x.size(0)), \(x.size(0))] for \(x.size(0)) nodes, "
                + "got \(adjacency.shape)")
        }
        var z = try adjacency.mm(x.mm(kernel1)) + x.mm(kernel2)
        if let bias { z = try z + bias }
        return z
    }

    /// A graph layer needs the adjacency: call ``callAsFunction(_:adjacency:)``.
    public override func forward(_ input: Tensor) throws -> Tensor {
        throw ModelError("GCSConv needs the graph's adjacency: call layer(x, adjacency: a)")
    }

    public override var extraDescription: String { "in=\(inFeatures), out=\(outFeatures), bias=\(bias != nil)" }
}
