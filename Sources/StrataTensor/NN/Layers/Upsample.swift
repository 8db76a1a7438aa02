/// Resizes `[N, C, …]` inputs to a size or by a scale factor (`nn.Upsample`, through `Tensor.interpolate`).
public final class Upsample: Module {
    public let size: [Int]?, scaleFactor: [Double]?
    public let mode: InterpolationMode
    public let alignCorners: Bool?

    /// Give exactly one of `size` and `scaleFactor`.
    public init(size: [Int]? = nil, scaleFactor: [Double]? = nil, mode: InterpolationMode = .nearest,
                alignCorners: Bool? = nil) throws {
        guard (size == nil) != (scaleFactor == nil) else {
            throw TorchError("Upsample: give exactly one of size and scaleFactor")
        }
        self.size = size
        self.scaleFactor = scaleFactor
        self.mode = mode
        self.alignCorners = alignCorners
        super.init()
    }
    public convenience init(scaleFactor: Double, mode: InterpolationMode = .nearest, alignCorners: Bool? = nil) throws {
        try self.init(scaleFactor: [scaleFactor], mode: mode, alignCorners: alignCorners)
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        if let size { return try x.interpolate(size: size, mode: mode, alignCorners: alignCorners) }
        return try x.interpolate(scaleFactor: scaleFactor!, mode: mode, alignCorners: alignCorners)
    }
    public override var extraDescription: String {
        (size.map { "size=\($0)" } ?? "scale_factor=\(scaleFactor!)") + ", mode='\(mode.rawValue)'"
    }
}
