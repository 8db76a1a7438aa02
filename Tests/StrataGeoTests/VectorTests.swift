import Foundation
import StrataTensor
import StrataTestSupport
import Testing
@testable import StrataGeo

@Suite struct VectorTests {
    /// Three lon/lat polygons over RGB.byte.tif's area (one with a hole, one touching another), with a class name
    /// and a height. Written by the test; a GeoPackage copy is made with ogr2ogr.
    static let geojson = """
    {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
     "features": [
      {"type": "Feature", "properties": {"class": "water", "height": 2.5},
       "geometry": {"type": "Polygon", "coordinates": [[[-78.6, 24.0], [-77.9, 24.0], [-77.9, 24.7], [-78.6, 24.7], [-78.6, 24.0]],
                                                     [[-78.4, 24.2], [-78.1, 24.2], [-78.1, 24.5], [-78.4, 24.5], [-78.4, 24.2]]]}},
      {"type": "Feature", "properties": {"class": "forest", "height": 17.25},
       "geometry": {"type": "Polygon", "coordinates": [[[-77.9, 24.3], [-77.0, 24.9], [-77.2, 25.3], [-78.1, 25.1], [-77.9, 24.3]]]}},
      {"type": "Feature", "properties": {"class": "urban", "height": 40},
       "geometry": {"type": "MultiPolygon", "coordinates": [[[[-77.0, 23.7], [-76.7, 23.7], [-76.7, 23.95], [-77.0, 23.7]]],
                                                           [[[-76.95, 24.1], [-76.7, 24.1], [-76.7, 24.3], [-76.95, 24.3], [-76.95, 24.1]]]]}}
     ]}
    """

    static func writeFixtures(_ dir: URL) throws -> (geojson: String, gpkg: String) {
        let gj = dir.appendingPathComponent("areas.geojson").path
        try geojson.write(toFile: gj, atomically: true, encoding: .utf8)
        let gpkg = dir.appendingPathComponent("areas.gpkg").path
        try Oracle.run("ogr2ogr", ["-f", "GPKG", "-nln", "areas", gpkg, gj])
        return (gj, gpkg)
    }

    /// An ENVI raster on `grid` filled with 0, made by gdal_create, for gdal_rasterize to burn into.
    static func oracleCanvas(_ grid: GeoGrid, _ dir: URL, type: String = "Byte") throws -> String {
        let out = dir.appendingPathComponent("canvas-\(UUID().uuidString).bin").path
        let b = grid.bounds
        try Oracle.run("gdal_create", ["-q", "-of", "ENVI", "-outsize", "\(grid.width)", "\(grid.height)", "-bands", "1", "-ot", type,
                                       "-a_srs", grid.crs.epsg.map { "EPSG:\($0)" } ?? grid.crs.wkt,
                                       "-a_ullr", "\(b.minX)", "\(b.maxY)", "\(b.maxX)", "\(b.minY)", "-burn", "0", out])
        return out
    }

    @Test(.enabled(if: SharedData.shouldRun)) func layersFieldsExtentAndFilters() throws {
        let box = try VectorSource(path: try RealData.box())
        #expect(box.driver == "ESRI Shapefile" && box.layerNames == ["box"])
        let info = try box.info()
        #expect(info.geometryType == "Polygon" && info.featureCount == 1)
        #expect(info.fields == [FieldInfo(name: "id", type: "Integer64")])
        #expect(info.crs?.epsg == 32618)
        #expect(info.extent == BoundingBox(minX: 175000, minY: 2_700_000, maxX: 250000, maxY: 2_750_000))
        let f = try box.features()
        #expect(f.count == 1 && f[0].attributes["id"] == .int(0) && f[0].geometry?.typeName == "Polygon")
        #expect(f[0].geometry?.bounds == info.extent)
        // Bbox filter, also given in another CRS.
        #expect(try box.features(bbox: BoundingBox(minX: 0, minY: 0, maxX: 100, maxY: 100)).isEmpty)
        let lonlat = try CRS(epsg: 32618).transform(BoundingBox(minX: 200_000, minY: 2_710_000, maxX: 210_000, maxY: 2_720_000),
                                                    to: .wgs84)
        #expect(try box.features(bbox: lonlat, bboxCRS: .wgs84).count == 1)
        // Reprojection of geometries.
        let g = try #require(try box.features(in: .wgs84).first?.geometry?.bounds)
        // Corner latitudes from `gdaltransform -s_srs EPSG:32618 -t_srs EPSG:4326`.
        #expect(abs(g.minY - 24.379529581679) < 1e-9 && abs(g.maxY - 24.8445161117881) < 1e-9)

        let dir = try SharedData.tempDir("geo-vec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (gj, gpkg) = try Self.writeFixtures(dir)
        for p in [gj, gpkg] {
            let v = try VectorSource(path: p)
            let l = try v.info()
            #expect(l.featureCount == 3 && l.crs == .wgs84)
            #expect(Set(l.fields.map(\.name)) == ["class", "height"])
            let water = try v.features(where: "class = 'water'")
            #expect(water.count == 1 && water[0].attributes["height"] == .double(2.5))
            #expect(water[0].geometry?.contains(x: -78.5, y: 24.1) == true)
            #expect(water[0].geometry?.contains(x: -78.3, y: 24.3) == false, "inside the hole")
        }
        #expect(try VectorSource(path: gpkg).driver == "GPKG")
    }

    /// rasterio's box.shp burned onto RGB.byte.tif's grid equals gdal_rasterize (centre rule and all-touched).
    @Test(.enabled(if: SharedData.shouldRun)) func boxOntoRGBGridMatchesGdalRasterize() throws {
        let grid = try Raster(path: try RealData.rgb()).grid
        let v = try VectorSource(path: try RealData.box())
        let dir = try SharedData.tempDir("geo-rast")
        defer { try? FileManager.default.removeItem(at: dir) }
        for allTouched in [false, true] {
            let t = try v.rasterize(onto: grid, burn: .constant(255), allTouched: allTouched)
            #expect(t.shape == [1, 718, 791] && t.dtype == .uint8)
            let canvas = try Self.oracleCanvas(grid, dir)
            try Oracle.run("gdal_rasterize", ["-q", "-burn", "255"] + (allTouched ? ["-at"] : []) + [try RealData.box(), canvas])
            let want = try Oracle.readRaw(canvas, .uint8)
            let got = try t.doubles()
            #expect(Oracle.mismatches(got, want) == 0)
            // 75 km × 50 km of 300 m pixels ≈ 250 × 167 pixels.
            let n = got.filter { $0 == 255 }.count
            #expect(n > 40_000 && n < 44_000, "\(n) pixels burned")
        }
    }

    /// Lon/lat polygons reprojected onto the UTM grid, burning an attribute and a class map: equal to gdal_rasterize
    /// burning into a raster on the same grid (which reprojects the same way).
    @Test(.enabled(if: SharedData.shouldRun)) func reprojectedAttributeAndClassMapMatchGdalRasterize() throws {
        let grid = try Raster(path: try RealData.rgb()).grid
        let dir = try SharedData.tempDir("geo-rast2")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (gj, gpkg) = try Self.writeFixtures(dir)
        let v = try VectorSource(path: gpkg)
        let heights = try v.rasterize(onto: grid, burn: .attribute("height"), allTouched: true, dtype: .float32)
        let canvas = try Self.oracleCanvas(grid, dir, type: "Float32")
        try Oracle.run("gdal_rasterize", ["-q", "-a", "height", "-at", gpkg, canvas])
        let want = try Oracle.readRaw(canvas, .float32)
        #expect(Oracle.mismatches(try heights.doubles(), want) == 0)
        #expect(Set(want) == [0, 2.5, 17.25, 40])

        let classes = ["water": 1, "forest": 2, "urban": 3]
        let t = try VectorSource(path: gj).rasterize(onto: grid, burn: .classMap(attribute: "class", classes), fill: 0)
        let canvas2 = try Self.oracleCanvas(grid, dir)
        for (name, k) in classes.sorted(by: { $0.value < $1.value }) {
            try Oracle.run("gdal_rasterize", ["-q", "-burn", "\(k)", "-where", "class = '\(name)'", gj, canvas2])
        }
        #expect(Oracle.mismatches(try t.doubles(), try Oracle.readRaw(canvas2, .uint8)) == 0)

        // Onto a Web Mercator grid (a second reprojection path) with a where clause.
        let merc = try GeoGrid(crs: .webMercator, bounds: try grid.crs.transform(grid.bounds, to: .webMercator), resolution: 600)
        let urban = try VectorSource(path: gj).rasterize(onto: merc, burn: .constant(1), where: "class = 'urban'")
        let canvas3 = try Self.oracleCanvas(merc, dir)
        try Oracle.run("gdal_rasterize", ["-q", "-burn", "1", "-where", "class = 'urban'", gj, canvas3])
        let want3 = try Oracle.readRaw(canvas3, .uint8)
        #expect(Oracle.mismatches(try urban.doubles(), want3) == 0 && want3.contains(1))

        // Geometries without a file.
        let shapes = try VectorSource(path: gj).features().compactMap(\.geometry)
        let direct = try VectorSource.rasterize(shapes, crs: .wgs84, values: [1, 2, 3], onto: grid)
        #expect(try direct.doubles() == t.doubles())
    }

    @Test(.enabled(if: SharedData.shouldRun)) func vectorErrorsAreClear() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { try VectorSource(path: "/nonexistent/a.shp") }.contains("vector file not found"))
        let raster = message { try VectorSource(path: try RealData.rgb()) }
        #expect(raster.contains("cannot open vector file") && raster.contains("RGB.byte.tif"))
        let v = try VectorSource(path: try RealData.box())
        #expect(message { try v.info(layer: "nope") }.contains("no layer named \"nope\""))
        let grid = try Raster(path: try RealData.rgb()).grid
        let attr = message { try v.rasterize(onto: grid, burn: .attribute("height")) }
        #expect(attr.contains("no attribute \"height\"") && attr.contains("id"))
        let dir = try SharedData.tempDir("geo-verr")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (gj, _) = try Self.writeFixtures(dir)
        let cls = message { try VectorSource(path: gj).rasterize(onto: grid, burn: .classMap(attribute: "class", ["water": 1])) }
        #expect(cls.contains("\"forest\"") && cls.contains("not in the class map"))
        let str = message { try VectorSource(path: gj).rasterize(onto: grid, burn: .attribute("class")) }
        #expect(str.contains("not a number"))
        #expect(message { try v.features(where: "no_such_field > 3") }.contains("invalid attribute filter"))
    }
}
