/// A rectangle of pixels: column/row offset of its top-left pixel (may be negative or beyond the raster: reads are
/// boundless) and its size.
public struct PixelWindow: Hashable, Sendable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    /// The whole of a width × height raster.
    public init(width: Int, height: Int) { self.init(x: 0, y: 0, width: width, height: height) }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var count: Int { max(0, width) * max(0, height) }

    /// The overlap of two windows (nil when they do not overlap).
    public func intersection(_ o: PixelWindow) -> PixelWindow? {
        let x0 = Swift.max(x, o.x), y0 = Swift.max(y, o.y)
        let x1 = Swift.min(maxX, o.maxX), y1 = Swift.min(maxY, o.maxY)
        return x1 > x0 && y1 > y0 ? PixelWindow(x: x0, y: y0, width: x1 - x0, height: y1 - y0) : nil
    }
    public func contains(_ o: PixelWindow) -> Bool { x <= o.x && y <= o.y && maxX >= o.maxX && maxY >= o.maxY }
    /// The window moved by (dx, dy) pixels.
    public func offsetBy(dx: Int, dy: Int) -> PixelWindow { PixelWindow(x: x + dx, y: y + dy, width: width, height: height) }

    public var description: String { "PixelWindow(x: \(x), y: \(y), \(width)×\(height))" }
}
