/// GDAL's affine geotransform: world = (c0 + px·c1 + py·c2, c3 + px·c4 + py·c5) for pixel/line (px, py) measured
/// from the top-left corner of the top-left pixel. North-up rasters have c2 = c4 = 0 and c5 < 0.
public struct GeoTransform: Hashable, Sendable, CustomStringConvertible {
    public var coefficients: [Double]  // always 6

    public init(_ c: [Double]) {
        precondition(c.count == 6, "a geotransform has 6 coefficients")
        coefficients = c
    }
    /// North-up transform from the top-left corner and pixel size (resY given positive).
    public init(originX: Double, originY: Double, resX: Double, resY: Double) {
        coefficients = [originX, resX, 0, originY, 0, -resY]
    }

    public var originX: Double { coefficients[0] }
    public var originY: Double { coefficients[3] }
    public var isNorthUp: Bool { coefficients[2] == 0 && coefficients[4] == 0 && coefficients[5] < 0 }
    /// Pixel size along x and y (positive), i.e. the length of a pixel's sides in CRS units.
    public var resolution: (x: Double, y: Double) {
        let c = coefficients
        return ((c[1] * c[1] + c[4] * c[4]).squareRoot(), (c[2] * c[2] + c[5] * c[5]).squareRoot())
    }

    public func world(pixel px: Double, line py: Double) -> (x: Double, y: Double) {
        let c = coefficients
        return (c[0] + px * c[1] + py * c[2], c[3] + px * c[4] + py * c[5])
    }

    /// Inverse mapping (throws nothing: a degenerate transform gives NaN).
    public func pixel(x: Double, y: Double) -> (px: Double, py: Double) {
        let c = coefficients
        let det = c[1] * c[5] - c[2] * c[4]
        let dx = x - c[0], dy = y - c[3]
        return ((dx * c[5] - dy * c[2]) / det, (dy * c[1] - dx * c[4]) / det)
    }

    /// The world bounds of a width × height raster (all four corners, so rotated rasters are covered).
    public func bounds(width: Int, height: Int) -> BoundingBox {
        let corners = [world(pixel: 0, line: 0), world(pixel: Double(width), line: 0),
                       world(pixel: 0, line: Double(height)), world(pixel: Double(width), line: Double(height))]
        return BoundingBox(minX: corners.map(\.x).min()!, minY: corners.map(\.y).min()!,
                           maxX: corners.map(\.x).max()!, maxY: corners.map(\.y).max()!)
    }

    public var description: String { "GeoTransform(\(coefficients))" }
}
