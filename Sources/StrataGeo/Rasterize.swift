import CGDAL
import Foundation
import StrataTensor

/// What value a rasterised feature writes into its pixels.
public enum Burn: Hashable, Sendable {
    /// The same value for every feature.
    case constant(Double)
    /// A numeric attribute of the feature (numeric strings are accepted).
    case attribute(String)
    /// A text attribute looked up in a class map (name → class index); a name missing from the map is an error.
    case classMap(attribute: String, [String: Int])
}

extension VectorSource {
    /// Burns a layer's features onto a grid, reprojecting them to the grid's CRS (a layer without a CRS is taken
    /// to be in the grid's CRS, as `gdal_rasterize` does). Returns a [1, H, W] tensor of `dtype`.
    ///
    /// - Parameters:
    ///   - burn: a constant, an attribute, or a class map over a text attribute.
    ///   - allTouched: burn every pixel a geometry touches (default: pixels whose centre lies inside).
    ///   - fill: the value of pixels no feature covers.
    ///   - where: an OGR SQL attribute filter.
    /// Features whose burn attribute is null are skipped. Later features overwrite earlier ones where they overlap.
    public func rasterize(onto grid: GeoGrid, layer name: String? = nil, burn: Burn = .constant(1), allTouched: Bool = false,
                          fill: Double = 0, dtype: DType = .uint8, where filter: String? = nil) throws -> Tensor {
        let layerCRS = try crs(layer: name)
        let l = try layer(name)
        let defn = OGR_L_GetLayerDefn(l)
        var fieldIndex: Int32 = -1
        switch burn {
        case .attribute(let a), .classMap(let a, _):
            fieldIndex = OGR_FD_GetFieldIndex(defn, a)
            guard fieldIndex >= 0 else {
                let names = (0..<OGR_FD_GetFieldCount(defn)).map { String(cString: OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, $0))) }
                throw GeoError("layer has no attribute \"\(a)\"", path: path, hint: "attributes: \(names.joined(separator: ", "))")
            }
        case .constant: break
        }
        // Only features near the grid: its bounds in the layer's CRS (densified), when that transform exists.
        var filterBox: BoundingBox? = grid.bounds
        if let layerCRS, layerCRS != grid.crs { filterBox = try? grid.crs.transform(grid.bounds, to: layerCRS) }

        var geometries: [OGRGeometryH] = []
        var values: [Double] = []
        defer { geometries.forEach { OGR_G_DestroyGeometry($0) } }
        let transform: (CRS, CRS)? = layerCRS.flatMap { $0 == grid.crs ? nil : ($0, grid.crs) }
        try withOptionalTransformation(transform) { ct in
            try forEachFeature(layer: name, bbox: filterBox, bboxCRS: nil, where: filter) { f in
                guard let g = OGR_F_GetGeometryRef(f) else { return }
                let value: Double
                switch burn {
                case .constant(let v): value = v
                case .attribute(let a):
                    guard OGR_F_IsFieldSetAndNotNull(f, fieldIndex) != 0 else { return }
                    let v = VectorSource.value(f, fieldIndex, OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, fieldIndex)))
                    guard let n = v.number else {
                        throw GeoError("attribute \"\(a)\" of feature \(OGR_F_GetFID(f)) is \"\(v)\", not a number", path: path,
                                       hint: "burn a numeric attribute, or use .classMap for class names")
                    }
                    value = n
                case .classMap(let a, let map):
                    guard OGR_F_IsFieldSetAndNotNull(f, fieldIndex) != 0 else { return }
                    let name = String(cString: OGR_F_GetFieldAsString(f, fieldIndex))
                    guard let k = map[name] else {
                        throw GeoError("class \"\(name)\" (attribute \"\(a)\" of feature \(OGR_F_GetFID(f))) is not in the class map",
                                       path: path, hint: "add it to the map; known classes: \(map.keys.sorted().joined(separator: ", "))")
                    }
                    value = Double(k)
                }
                guard let clone = OGR_G_Clone(g) else { return }
                if let ct {
                    let (err, _) = GDAL.capturing { OGR_G_Transform(clone, ct) }
                    // A feature that cannot be reprojected lies outside the grid CRS's domain: it cannot be drawn.
                    if err != OGRERR_NONE { OGR_G_DestroyGeometry(clone); return }
                }
                geometries.append(clone)
                values.append(value)
            }
        }
        return try Self.burn(geometries, values: values, onto: grid, allTouched: allTouched, fill: fill, dtype: dtype, path: path)
    }

    /// Burns geometries given in `crs` onto a grid; `values[i]` is geometry i's value (nil = all 1).
    public static func rasterize(_ shapes: [Geometry], crs: CRS, values: [Double]? = nil, onto grid: GeoGrid,
                                 allTouched: Bool = false, fill: Double = 0, dtype: DType = .uint8) throws -> Tensor {
        if let values, values.count != shapes.count {
            throw GeoError("\(values.count) burn values for \(shapes.count) geometries", hint: "give one value per geometry")
        }
        var geometries: [OGRGeometryH] = []
        defer { geometries.forEach { OGR_G_DestroyGeometry($0) } }
        for s in shapes {
            let g = try (crs == grid.crs ? s : s.transformed(from: crs, to: grid.crs))
            geometries.append(try Geometry.parse(g.wkt))
        }
        return try burn(geometries, values: values ?? Array(repeating: 1, count: shapes.count), onto: grid,
                        allTouched: allTouched, fill: fill, dtype: dtype, path: nil)
    }

    private func withOptionalTransformation<T>(_ pair: (CRS, CRS)?, _ body: (OGRCoordinateTransformationH?) throws -> T) throws -> T {
        guard let (s, t) = pair else { return try body(nil) }
        return try s.withTransformation(to: t) { try body($0) }
    }

    static func burn(_ geometries: [OGRGeometryH], values: [Double], onto grid: GeoGrid, allTouched: Bool, fill: Double,
                     dtype: DType, path: String?) throws -> Tensor {
        guard grid.width > 0, grid.height > 0 else {
            throw GeoError("target grid is empty (\(grid.width)×\(grid.height))", path: path, hint: "pass a grid with a positive size")
        }
        guard let gtype = GDALTypes.gdal(dtype) else {
            throw GeoError("cannot rasterise into \(dtype)", path: path, hint: "use uint8, int16, int32, int64, float32 or float64")
        }
        let (tensor, base) = try TensorMemory.allocate([1, grid.height, grid.width], dtype)
        TensorMemory.fill(base, count: grid.width * grid.height, dtype: dtype, value: fill)
        if geometries.isEmpty { return tensor }
        let mem = try MemDataset(base: base, width: grid.width, height: grid.height, bands: 1, type: gtype, grid: grid)
        var bandList: [Int32] = [1]
        var geoms: [OGRGeometryH?] = geometries
        var burnValues = values
        let opts = allTouched ? ["ALL_TOUCHED=TRUE"] : []
        try GDAL.withOptions(opts) { o in
            try GDAL.check("cannot rasterise \(geometries.count) geometries onto \(grid)", path: path,
                           hint: "check that the geometries are valid") {
                GDALRasterizeGeometries(mem.handle, 1, &bandList, Int32(geoms.count), &geoms, nil, nil, &burnValues, o, nil, nil)
            }
        }
        withExtendedLifetime(mem) {}
        return tensor
    }
}
