import CGDAL
import Foundation

/// Writes polygon features with attributes to a vector file through OGR (GeoPackage by default), atomically: the
/// file is built under a temporary name beside the target and renamed into place.
public enum VectorWriter {
    /// One feature: a box as its polygon (in the layer's CRS) and its attribute values by field name.
    public struct BoxFeature: Sendable {
        public var box: BoundingBox
        public var attributes: [String: AttributeValue]
        public init(box: BoundingBox, attributes: [String: AttributeValue]) { self.box = box; self.attributes = attributes }
    }

    /// Writes `features` as layer `layer` of a new file at `path` (replaced when it exists). `fields` are the
    /// columns in order, each `.string`, `.double` or `.int` per the type of its first non-null value.
    public static func writeBoxes(_ features: [BoxFeature], fields: [(String, AttributeValue)], crs: CRS,
                                  layer: String, to path: String, driver: String = "GPKG") throws {
        GDAL.initialize()
        let dir = (path as NSString).deletingLastPathComponent
        let ext = (path as NSString).pathExtension
        let tmp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).\(UUID().uuidString).\(ext)"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        guard let drv = GDALGetDriverByName(driver) else { throw GeoError("GDAL has no \(driver) driver") }
        let ds = try GDAL.call("create \(driver) file", path: path) { GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, nil) }
        var closed = false
        defer { if !closed { GDALClose(ds) } }
        let srs = OSRNewSpatialReference(nil)
        defer { OSRDestroySpatialReference(srs) }
        guard OSRSetFromUserInput(srs, crs.wkt) == OGRERR_NONE else { throw GeoError("CRS for \(path) not accepted by OGR") }
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
        let l = try GDAL.call("create layer \(layer)", path: path) {
            GDALDatasetCreateLayer(ds, layer, srs, wkbPolygon, nil)
        }
        for (name, kind) in fields {
            let type: OGRFieldType = switch kind {
            case .int: OFTInteger64
            case .double: OFTReal
            default: OFTString
            }
            let fd = OGR_Fld_Create(name, type)
            defer { OGR_Fld_Destroy(fd) }
            guard OGR_L_CreateField(l, fd, 1) == OGRERR_NONE else { throw GeoError("create field \(name)", path: path) }
        }
        let defn = OGR_L_GetLayerDefn(l)
        guard OGR_L_StartTransaction(l) == OGRERR_NONE else { throw GeoError("start transaction", path: path) }
        for f in features {
            let feat = OGR_F_Create(defn)
            defer { OGR_F_Destroy(feat) }
            for (i, (name, _)) in fields.enumerated() {
                switch f.attributes[name] ?? .null {
                case .int(let v): OGR_F_SetFieldInteger64(feat, Int32(i), GIntBig(v))
                case .double(let v): OGR_F_SetFieldDouble(feat, Int32(i), v)
                case .string(let s): OGR_F_SetFieldString(feat, Int32(i), s)
                case .null: OGR_F_SetFieldNull(feat, Int32(i))
                }
            }
            let b = f.box
            var wkt: UnsafeMutablePointer<CChar>? = strdup(
                "POLYGON ((\(b.minX) \(b.minY), \(b.maxX) \(b.minY), \(b.maxX) \(b.maxY), \(b.minX) \(b.maxY), \(b.minX) \(b.minY)))")
            let start = wkt
            defer { free(start) }
            var g: OGRGeometryH?
            guard OGR_G_CreateFromWkt(&wkt, srs, &g) == OGRERR_NONE, let g else {
                throw GeoError("geometry of \(b)", path: path)
            }
            defer { OGR_G_DestroyGeometry(g) }
            OGR_F_SetGeometry(feat, g)
            guard OGR_L_CreateFeature(l, feat) == OGRERR_NONE else { throw GeoError("write feature", path: path) }
        }
        guard OGR_L_CommitTransaction(l) == OGRERR_NONE else { throw GeoError("commit features", path: path) }
        closed = true
        let ((), log) = GDAL.capturing { GDALClose(ds) }
        if log.hasFailure { throw GeoError("close \(driver) file", path: path, gdal: log.failureText) }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }
}
