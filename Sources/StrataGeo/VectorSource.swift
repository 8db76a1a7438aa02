import CGDAL
import Foundation
import StrataTensor

/// An attribute value of a vector feature.
public enum AttributeValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int), double(Double), string(String), null

    /// The value as a number when it is one (or a string that parses as one).
    public var number: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v): v
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        case .null: nil
        }
    }
    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let s): s
        case .null: "null"
        }
    }
}

/// One attribute column of a layer.
public struct FieldInfo: Hashable, Sendable {
    public var name: String
    /// OGR's type name ("Integer", "Integer64", "Real", "String", "Date", …).
    public var type: String
}

/// A layer's metadata.
public struct LayerInfo: Hashable, Sendable {
    public var name: String
    /// OGR's geometry type name ("Polygon", "Multi Polygon", "Point", …).
    public var geometryType: String
    public var featureCount: Int
    public var fields: [FieldInfo]
    public var crs: CRS?
    /// The extent in the layer's CRS (nil for an empty layer).
    public var extent: BoundingBox?
}

/// A feature: id, attributes and geometry (in the CRS it was requested in).
public struct Feature: Hashable, Sendable {
    public var fid: Int
    public var attributes: [String: AttributeValue]
    public var geometry: Geometry?
}

/// An open OGR vector dataset: Shapefile, GeoPackage, GeoJSON, FlatGeobuf, … (any format GDAL reads), including
/// GDAL virtual paths. **One `VectorSource` per thread** (an OGR dataset keeps a read cursor per layer).
public final class VectorSource {
    public let path: String
    let handle: GDALDatasetH

    /// Opens a vector file read-only; throws a `GeoError` naming the file when it is missing or not a vector.
    public init(path: String) throws {
        GDAL.initialize()
        self.path = path
        let isVirtual = path.hasPrefix("/vsi") || path.hasPrefix("{") || path.contains(":") && !path.hasPrefix("/")
        if !isVirtual && !FileManager.default.fileExists(atPath: path) {
            throw GeoError("vector file not found", path: path,
                           hint: "check the path (relative paths start at \(FileManager.default.currentDirectoryPath))")
        }
        let flags = UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        handle = try GDAL.call("cannot open vector file", path: path,
                               hint: "Strata reads any vector format GDAL can open (Shapefile, GeoPackage, GeoJSON, …); check that the file is complete and is a vector (rasters open with Raster)") {
            GDALOpenEx(path, flags, nil, nil, nil)
        }
    }

    deinit { GDALClose(handle) }

    /// GDAL's short driver name ("ESRI Shapefile", "GPKG", "GeoJSON", …).
    public var driver: String {
        GDALGetDatasetDriver(handle).map { String(cString: GDALGetDriverShortName($0)) } ?? "unknown"
    }

    /// Layer names in file order.
    public var layerNames: [String] {
        (0..<GDALDatasetGetLayerCount(handle)).compactMap { GDALDatasetGetLayer(handle, $0).map { String(cString: OGR_L_GetName($0)) } }
    }

    /// Metadata of every layer.
    public var layers: [LayerInfo] { get throws { try layerNames.map { try info(layer: $0) } } }

    /// The layer handle for a name (nil = the first layer).
    func layer(_ name: String?) throws -> OGRLayerH {
        let count = GDALDatasetGetLayerCount(handle)
        guard count > 0 else { throw GeoError("vector file has no layers", path: path, hint: "check that the file holds features") }
        if let name {
            guard let l = GDALDatasetGetLayerByName(handle, name) else {
                throw GeoError("no layer named \"\(name)\"", path: path, hint: "layers: \(layerNames.joined(separator: ", "))")
            }
            return l
        }
        return GDALDatasetGetLayer(handle, 0)!
    }

    /// The CRS of a layer (nil when the layer has none).
    public func crs(layer name: String? = nil) throws -> CRS? {
        guard let srs = OGR_L_GetSpatialRef(try layer(name)) else { return nil }
        return try CRS(handle: srs)
    }

    /// Metadata of one layer (nil = the first).
    public func info(layer name: String? = nil) throws -> LayerInfo {
        let l = try layer(name)
        let defn = OGR_L_GetLayerDefn(l)
        let fields = (0..<OGR_FD_GetFieldCount(defn)).map { i -> FieldInfo in
            let f = OGR_FD_GetFieldDefn(defn, i)
            return FieldInfo(name: String(cString: OGR_Fld_GetNameRef(f)), type: String(cString: OGR_GetFieldTypeName(OGR_Fld_GetType(f))))
        }
        OGR_L_SetSpatialFilter(l, nil)
        OGR_L_SetAttributeFilter(l, nil)
        var env = OGREnvelope()
        let hasExtent = OGR_L_GetExtent(l, &env, 1) == OGRERR_NONE
        return LayerInfo(name: String(cString: OGR_L_GetName(l)),
                         geometryType: String(cString: OGRGeometryTypeToName(OGR_L_GetGeomType(l))),
                         featureCount: Int(OGR_L_GetFeatureCount(l, 1)), fields: fields, crs: try crs(layer: name),
                         extent: hasExtent ? BoundingBox(minX: env.MinX, minY: env.MinY, maxX: env.MaxX, maxY: env.MaxY) : nil)
    }

    /// Iterates the features of a layer with optional filters; geometries are handed to `body` as OGR handles in
    /// the layer's CRS (valid during the call only).
    func forEachFeature(layer name: String?, bbox: BoundingBox?, bboxCRS: CRS?, where filter: String?,
                        _ body: (OGRFeatureH) throws -> Void) throws {
        let l = try layer(name)
        if let bbox {
            var box = bbox
            if let bboxCRS, let layerCRS = try crs(layer: name), bboxCRS != layerCRS {
                box = try bboxCRS.transform(bbox, to: layerCRS)
            }
            OGR_L_SetSpatialFilterRect(l, box.minX, box.minY, box.maxX, box.maxY)
        } else {
            OGR_L_SetSpatialFilter(l, nil)
        }
        defer { OGR_L_SetSpatialFilter(l, nil); OGR_L_SetAttributeFilter(l, nil) }
        let (err, log) = GDAL.capturing { OGR_L_SetAttributeFilter(l, filter) }
        guard err == OGRERR_NONE else {
            throw GeoError("invalid attribute filter \"\(filter ?? "")\"", path: path, gdal: log.failureText,
                           hint: "use OGR SQL, e.g. \"class = 'water'\"")
        }
        OGR_L_ResetReading(l)
        while true {
            let (next, log) = GDAL.capturing { OGR_L_GetNextFeature(l) }
            guard let f = next else {
                if log.hasFailure { throw GeoError("cannot read features", path: path, gdal: log.failureText, hint: "the file may be corrupt") }
                break
            }
            defer { OGR_F_Destroy(f) }
            try body(f)
        }
    }

    /// The features of a layer (nil = the first), optionally only those meeting `bbox` (in `bboxCRS`, default the
    /// layer's CRS) and an OGR SQL `where` clause, with geometries reprojected to `crs` when given.
    public func features(layer name: String? = nil, bbox: BoundingBox? = nil, bboxCRS: CRS? = nil,
                         where filter: String? = nil, in target: CRS? = nil) throws -> [Feature] {
        let layerCRS = try crs(layer: name)
        if target != nil && layerCRS == nil {
            throw GeoError("layer has no CRS, so its geometries cannot be reprojected", path: path,
                           hint: "add a .prj file or assign a CRS with ogr2ogr -a_srs")
        }
        let reproject = target.flatMap { t in layerCRS.map { $0 == t ? nil : ($0, t) } ?? nil }
        var out: [Feature] = []
        try forEachFeature(layer: name, bbox: bbox, bboxCRS: bboxCRS, where: filter) { f in
            var geometry: Geometry? = nil
            if let g = OGR_F_GetGeometryRef(f) {
                geometry = Geometry(handle: g)
                if let (s, t) = reproject { geometry = try geometry!.transformed(from: s, to: t) }
            }
            out.append(Feature(fid: Int(OGR_F_GetFID(f)), attributes: Self.attributes(f), geometry: geometry))
        }
        return out
    }

    static func attributes(_ f: OGRFeatureH) -> [String: AttributeValue] {
        var out: [String: AttributeValue] = [:]
        let defn = OGR_F_GetDefnRef(f)
        for i in 0..<OGR_F_GetFieldCount(f) {
            let fd = OGR_FD_GetFieldDefn(defn, i)
            let name = String(cString: OGR_Fld_GetNameRef(fd))
            out[name] = value(f, i, OGR_Fld_GetType(fd))
        }
        return out
    }

    static func value(_ f: OGRFeatureH, _ i: Int32, _ type: OGRFieldType) -> AttributeValue {
        guard OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { return .null }
        switch type {
        case OFTInteger, OFTInteger64: return .int(Int(OGR_F_GetFieldAsInteger64(f, i)))
        case OFTReal: return .double(OGR_F_GetFieldAsDouble(f, i))
        default: return .string(String(cString: OGR_F_GetFieldAsString(f, i)))
        }
    }
}
