import Foundation
import StrataGeo
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataData

@Suite struct VectorDatasetTests {
    /// rasterio's box.shp rasterised on the fly onto RGB.byte.tif's grid (through an IntersectionDataset) equals
    /// gdal_rasterize on the same chip grid.
    @Test(.enabled(if: SharedData.shouldRun)) func boxOnTheRasterGridMatchesGdalRasterize() throws {
        let c = try Crops("vector")
        defer { c.remove() }
        let shp = try SharedData.path("rasterio/box.shp")
        let boxes = try VectorDataset(paths: [shp])
        #expect(boxes.crs.epsg == 32618 && boxes.index.count == 1)
        let scene = try RasterDataset(paths: [try Real.rgb()])
        let inter = try IntersectionDataset(scene, boxes)
        #expect(inter.resolution == scene.resolution)
        var compared = 0
        for chip in try GridGeoSampler(inter, size: 64, stride: .pixels(50)).chips(epoch: 0).prefix(6) {
            let s = try inter.sample(bounds: chip)
            #expect(s.image?.shape == [3, 64, 64] && s.mask?.shape == [64, 64] && s.mask?.dtype == .int64)
            let want = try Tool.raw("gdal_rasterize", ["-burn", "1", "-init", "0", "-te", "\(chip.minX)", "\(chip.minY)",
                                                       "\(chip.maxX)", "\(chip.maxY)", "-ts", "64", "64", shp],
                                    type: "Byte", in: c.dir)
            #expect(try s.mask!.doubles() == want)
            compared += 1
        }
        #expect(compared >= 4)
    }

    /// A GeoJSON in EPSG:4326 with class names, burned through a class map onto the UTM raster's grid: equals
    /// ogr2ogr (to UTM) + gdal_rasterize of the matching numeric code; unknown classes fail clearly.
    @Test(.enabled(if: SharedData.shouldRun)) func classMapWithReprojection() throws {
        let c = try Crops("vector-classes")
        defer { c.remove() }
        let scene = try RasterDataset(paths: [try Real.rgb()])
        let b = scene.bounds, utm = scene.crs
        func polygon(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) throws -> String {
            let pts = try utm.transform(points: [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], to: .wgs84)
            return "[[" + pts.map { "[\($0.x), \($0.y)]" }.joined(separator: ", ") + "]]"
        }
        let w = b.width, h = b.height
        let features = [
            ("water", 1, try polygon(b.minX + 0.2 * w, b.minY + 0.2 * h, b.minX + 0.5 * w, b.minY + 0.6 * h)),
            ("forest", 2, try polygon(b.minX + 0.4 * w, b.minY + 0.5 * h, b.minX + 0.8 * w, b.minY + 0.9 * h)),
        ].map { #"{"type": "Feature", "properties": {"landcover": "\#($0.0)", "code": \#($0.1)}, "geometry": {"type": "Polygon", "coordinates": \#($0.2)}}"# }
        let geojson = c.dir.appendingPathComponent("classes.geojson").path
        try #"{"type": "FeatureCollection", "features": [\#(features.joined(separator: ", "))]}"#
            .write(toFile: geojson, atomically: true, encoding: .utf8)
        let classes = try VectorDataset(paths: [geojson], burn: .classMap(attribute: "landcover", ["water": 1, "forest": 2]))
        #expect(classes.crs.epsg == 4326)
        let inter = try IntersectionDataset(scene, classes)
        let projected = c.dir.appendingPathComponent("classes-utm.gpkg").path
        try Tool.run("ogr2ogr", ["-t_srs", "EPSG:32618", projected, geojson])
        var seen = Set<Double>()
        for chip in try GridGeoSampler(inter, size: 256).chips(epoch: 0) {
            let s = try inter.sample(bounds: chip)
            let want = try Tool.raw("gdal_rasterize", ["-a", "code", "-init", "0", "-te", "\(chip.minX)", "\(chip.minY)",
                                                       "\(chip.maxX)", "\(chip.maxY)", "-ts", "256", "256", projected],
                                    type: "Byte", in: c.dir)
            let got = try s.mask!.doubles()
            #expect(got == want)
            seen.formUnion(got)
        }
        #expect(seen == [0, 1, 2])
        // A class missing from the map is an error naming it.
        let partial = try VectorDataset(paths: [geojson], burn: .classMap(attribute: "landcover", ["water": 1]))
        let chip = try GridGeoSampler(try IntersectionDataset(scene, partial), size: 512).chips(epoch: 0)[0]
        var message = ""
        do { _ = try IntersectionDataset(scene, partial).sample(bounds: chip) } catch { message = "\(error)" }
        #expect(message.contains("forest") && message.contains("class map"), "\(message)")
    }
}
