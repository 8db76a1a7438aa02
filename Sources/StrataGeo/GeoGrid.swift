import Foundation

/// A georeferenced pixel lattice: a CRS, an affine geotransform and a size. Rasters have one; a chip read "onto a
/// grid" comes back with exactly that grid's shape and registration, which is how datasets of different CRSs and
/// resolutions align.
public struct GeoGrid: Hashable, Sendable, CustomStringConvertible {
    public var crs: CRS
    public var transform: GeoTransform
    public var width: Int
    public var height: Int

    public init(crs: CRS, transform: GeoTransform, width: Int, height: Int) {
        self.crs = crs; self.transform = transform; self.width = width; self.height = height
    }

    /// A north-up grid whose top-left corner is the box's (minX, maxY), with square pixels of `resolution` CRS units.
    /// Width and height are `ceil(extent / resolution)` (an extent within 1e-6 pixel of a whole number is not
    /// rounded up), so the grid covers the box and may stick out at the right and bottom by less than a pixel.
    public init(crs: CRS, bounds: BoundingBox, resolution: Double) throws {
        try self.init(crs: crs, bounds: bounds, resolution: (resolution, resolution))
    }

    /// As `init(crs:bounds:resolution:)` with different x and y pixel sizes (both positive).
    public init(crs: CRS, bounds: BoundingBox, resolution: (x: Double, y: Double)) throws {
        guard resolution.x > 0, resolution.y > 0, resolution.x.isFinite, resolution.y.isFinite else {
            throw GeoError("invalid grid resolution (\(resolution.x), \(resolution.y))", hint: "pass positive pixel sizes in CRS units")
        }
        guard !bounds.isEmpty, bounds.minX.isFinite, bounds.maxY.isFinite else {
            throw GeoError("cannot build a grid over empty or infinite bounds \(bounds)", hint: "pass bounds with maxX > minX and maxY > minY")
        }
        let w = GeoGrid.snapUp(bounds.width / resolution.x), h = GeoGrid.snapUp(bounds.height / resolution.y)
        self.init(crs: crs, transform: GeoTransform(originX: bounds.minX, originY: bounds.maxY, resX: resolution.x, resY: resolution.y),
                  width: w, height: h)
    }

    /// A north-up grid of exactly width × height pixels spanning the box.
    public init(crs: CRS, bounds: BoundingBox, width: Int, height: Int) throws {
        guard width > 0, height > 0 else { throw GeoError("invalid grid size \(width)×\(height)", hint: "pass a positive width and height") }
        guard !bounds.isEmpty else {
            throw GeoError("cannot build a grid over empty bounds \(bounds)", hint: "pass bounds with maxX > minX and maxY > minY")
        }
        self.init(crs: crs, transform: GeoTransform(originX: bounds.minX, originY: bounds.maxY,
                                                    resX: bounds.width / Double(width), resY: bounds.height / Double(height)),
                  width: width, height: height)
    }

    /// ceil with a tolerance of 1e-6 pixel (so 100.0000001 → 100) and at least 1.
    static func snapUp(_ v: Double) -> Int { Swift.max(1, Int((v - 1e-6).rounded(.up))) }

    /// The world bounds of the grid (in `crs`).
    public var bounds: BoundingBox { transform.bounds(width: width, height: height) }
    /// Pixel size along x and y (positive, CRS units).
    public var resolution: (x: Double, y: Double) { transform.resolution }
    /// [height, width], the trailing dimensions of a chip read onto this grid.
    public var shape: [Int] { [height, width] }

    // MARK: windows and sub-grids

    /// The grid of a pixel window of this grid (the window may extend beyond it).
    public func subgrid(_ w: PixelWindow) -> GeoGrid {
        let o = transform.world(pixel: Double(w.x), line: Double(w.y))
        var c = transform.coefficients
        c[0] = o.x; c[3] = o.y
        return GeoGrid(crs: crs, transform: GeoTransform(c), width: w.width, height: w.height)
    }

    /// The smallest pixel window of this grid covering `bbox` (given in this grid's CRS), for north-up grids.
    /// Edges within 1e-6 pixel of a pixel boundary snap to it. The window may extend beyond the grid.
    public func window(covering bbox: BoundingBox) -> PixelWindow {
        let a = transform.pixel(x: bbox.minX, y: bbox.maxY), b = transform.pixel(x: bbox.maxX, y: bbox.minY)
        let x0 = Int((Swift.min(a.px, b.px) + 1e-6).rounded(.down)), y0 = Int((Swift.min(a.py, b.py) + 1e-6).rounded(.down))
        let x1 = Int((Swift.max(a.px, b.px) - 1e-6).rounded(.up)), y1 = Int((Swift.max(a.py, b.py) - 1e-6).rounded(.up))
        return PixelWindow(x: x0, y: y0, width: Swift.max(1, x1 - x0), height: Swift.max(1, y1 - y0))
    }

    /// The window whose edges are nearest to `bbox`'s (rounded, not expanded), for north-up grids.
    public func window(nearest bbox: BoundingBox) -> PixelWindow {
        let a = transform.pixel(x: bbox.minX, y: bbox.maxY), b = transform.pixel(x: bbox.maxX, y: bbox.minY)
        let x0 = Int(Swift.min(a.px, b.px).rounded()), y0 = Int(Swift.min(a.py, b.py).rounded())
        let x1 = Int(Swift.max(a.px, b.px).rounded()), y1 = Int(Swift.max(a.py, b.py).rounded())
        return PixelWindow(x: x0, y: y0, width: Swift.max(1, x1 - x0), height: Swift.max(1, y1 - y0))
    }

    /// The sub-grid of this lattice covering `bbox` (snapped outwards to whole pixels).
    public func subgrid(covering bbox: BoundingBox) -> GeoGrid { subgrid(window(covering: bbox)) }

    /// The whole grid as a window.
    public var fullWindow: PixelWindow { PixelWindow(width: width, height: height) }

    /// When `other` lies on this grid's pixel lattice (same CRS, same pixel size and orientation, origin offset by
    /// whole pixels within `tolerance` pixel), the window of this grid it covers; nil otherwise.
    public func window(of other: GeoGrid, tolerance: Double = 1e-6) -> PixelWindow? {
        let a = transform.coefficients, b = other.transform.coefficients
        for i in [1, 2, 4, 5] where abs(a[i] - b[i]) > tolerance * Swift.max(abs(a[i]), abs(a[1]), abs(a[5])) { return nil }
        let p = transform.pixel(x: b[0], y: b[3])
        let px = p.px.rounded(), py = p.py.rounded()
        guard abs(p.px - px) <= tolerance, abs(p.py - py) <= tolerance else { return nil }
        guard crs == other.crs else { return nil }
        return PixelWindow(x: Int(px), y: Int(py), width: other.width, height: other.height)
    }

    /// True when both grids share the CRS and pixel lattice (see `window(of:)`).
    public func isAligned(with other: GeoGrid) -> Bool { window(of: other) != nil }

    /// This grid's extent resampled to another resolution (same CRS and origin; size snapped with ceil).
    public func resampled(to resolution: Double) throws -> GeoGrid {
        try GeoGrid(crs: crs, bounds: bounds, resolution: resolution)
    }

    public var description: String {
        let r = resolution
        return "GeoGrid(\(crs), \(width)×\(height), res \(r.x)×\(r.y), bounds \(bounds))"
    }
}
