import StrataTensor

/// A fully convolutional stack — conv → ReLU → conv → ReLU → … → conv, stride 1, zero "same" padding — built
/// straight from its weights: the smallest useful segmentation model, and the layout of a PyTorch
/// `nn.Sequential(nn.Conv2d(…), nn.ReLU(), …, nn.Conv2d(…))` state dict (`0.weight`, `0.bias`, `2.weight`, …). A
/// checkpoint whose model card names the architecture `conv-stack` loads as one.
public final class ConvStack: @unchecked Sendable {
    public static let architecture = "conv-stack"
    static let conv2d = Op("aten::conv2d")

    /// Convolutions in order: weight `[out, in, k, k]` (odd k) and optional bias `[out]`.
    public let layers: [(weight: Tensor, bias: Tensor?)]
    public var inChannels: Int { layers[0].weight.size(1) }
    public var outChannels: Int { layers[layers.count - 1].weight.size(0) }

    public init(layers: [(weight: Tensor, bias: Tensor?)]) throws {
        guard !layers.isEmpty else { throw ModelError("conv-stack: no convolution weights") }
        for (i, l) in layers.enumerated() {
            let s = l.weight.shape
            guard s.count == 4, s[2] == s[3], s[2] % 2 == 1 else {
                throw ModelError("conv-stack: layer \(i) weight has shape \(s); expected [out, in, k, k] with an odd k")
            }
            if i > 0, s[1] != layers[i - 1].weight.size(0) {
                throw ModelError("conv-stack: layer \(i) takes \(s[1]) channels but layer \(i - 1) gives \(layers[i - 1].weight.size(0))")
            }
            if let b = l.bias, b.shape != [s[0]] {
                throw ModelError("conv-stack: layer \(i) bias has shape \(b.shape); expected [\(s[0])]")
            }
        }
        self.layers = layers
    }

    /// From a state dict: 4-D `<prefix><index>.weight` tensors ordered by index, with their `.bias`.
    public convenience init(stateDict: [(String, Tensor)]) throws {
        var found: [(Int, String, Tensor)] = []
        for (k, t) in stateDict where k.hasSuffix(".weight") && t.rank == 4 {
            let stem = String(k.dropLast(".weight".count))
            let digits = stem.reversed().prefix { $0.isNumber }
            guard let i = Int(String(digits.reversed())) else {
                throw ModelError("conv-stack: cannot order weight \(k) (expected keys like 0.weight, 2.weight, …)")
            }
            found.append((i, stem, t))
        }
        let dict = Dictionary(stateDict, uniquingKeysWith: { a, _ in a })
        try self.init(layers: found.sorted { $0.0 < $1.0 }.map { ($0.2, dict[$0.1 + ".bias"]) })
    }

    /// `[B, in, H, W]` → `[B, out, H, W]`.
    public func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for (i, l) in layers.enumerated() {
            let p = l.weight.size(2) / 2
            h = try Self.conv2d.tensor([.tensor(h), .tensor(l.weight), .tensor(l.bias), [1, 1], .ints([p, p])])
            if i + 1 < layers.count { h = try h.relu() }
        }
        return h
    }
}
