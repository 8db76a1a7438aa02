/// Runs its children in order, named "0", "1", … as `nn.Sequential`.
///
/// ```swift
/// let net = try Sequential(Conv2d(3, 16, kernelSize: 3, padding: 1), BatchNorm2d(16), ReLU())
/// ```
public final class Sequential: Module {
    public private(set) var layers: [Module] = []

    public init(_ layers: [Module]) {
        super.init()
        for l in layers { append(l) }
    }
    public convenience init(_ layers: Module...) { self.init(layers) }

    /// Adds a layer at the end, named by its position.
    public func append(_ layer: Module) {
        registerModule(String(layers.count), layer)
        layers.append(layer)
    }
    public var count: Int { layers.count }
    public subscript(i: Int) -> Module { layers[i] }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var y = x
        for l in layers { y = try l.forward(y) }
        return y
    }
}

/// Holds modules by position ("0", "1", …) without a forward of its own (`nn.ModuleList`).
public final class ModuleList: Module {
    public private(set) var items: [Module] = []
    public init(_ items: [Module] = []) {
        super.init()
        for m in items { append(m) }
    }
    public func append(_ m: Module) {
        registerModule(String(items.count), m)
        items.append(m)
    }
    public var count: Int { items.count }
    public subscript(i: Int) -> Module { items[i] }
}
