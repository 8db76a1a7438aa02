import Foundation
import Testing
@testable import StrataGeo

@Suite struct CRSTests {
    @Test func fromEPSGWKTAndProjStringAreEqual() throws {
        let a = try CRS(epsg: 32618)
        #expect(a.epsg == 32618)
        #expect(a.name == "WGS 84 / UTM zone 18N")
        #expect(a.isProjected && !a.isGeographic)
        #expect(a.linearUnits == "metre" && a.metresPerUnit == 1)
        let b = try CRS(wkt: a.wkt1!)               // WKT1 text: cosmetically different from the WKT2 we store
        let c = try CRS("+proj=utm +zone=18 +datum=WGS84 +units=m +no_defs")
        #expect(c.epsg == 32618, "PROJ strings are identified when GDAL is certain")
        let d = try CRS("EPSG:32618")
        #expect(a == b && a == c && a == d)
        #expect(Set([a, b, c, d]).count == 1, "equal CRSs hash equally")
        #expect(a != (try CRS(epsg: 32619)))
        #expect(a != CRS.wgs84)
        #expect(a.description == "EPSG:32618")
    }

    @Test func sameParametersWithoutAuthorityAreEqual() throws {
        // A custom name and no ID: OSRIsSame still finds it equivalent to EPSG:3857.
        let custom = try CRS("+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs")
        #expect(custom == CRS.webMercator)
        #expect(custom.hashValue == CRS.webMercator.hashValue)
        let feet = try CRS(epsg: 2263)  // NAD83 / New York Long Island (ftUS)
        #expect(feet.linearUnits == "US survey foot")
        #expect(abs(feet.metresPerUnit! - 0.3048006096) < 1e-9)
    }

    @Test func geographicUsesLonLatOrder() throws {
        let g = CRS.wgs84
        #expect(g.isGeographic && g.epsg == 4326 && g.linearUnits == nil && g.angularUnits == "degree")
        #expect(g.units == "degree")
        // Longitude -75 (the central meridian of UTM 18N) on the equator → (500000, 0): x is longitude.
        let p = try g.transform(x: -75, y: 0, to: try CRS(epsg: 32618))
        #expect(abs(p.x - 500_000) < 1e-6 && abs(p.y) < 1e-6)
        // Paris (2.35 E, 48.85 N) to Web Mercator: x ≈ 261 600 m, y ≈ 6 250 000 m.
        let m = try g.transform(x: 2.35, y: 48.85, to: .webMercator)
        #expect(abs(m.x - 261_600.8) < 0.1 && abs(m.y - 6_249_447.75) < 0.01)
        let back = try CRS.webMercator.transform(x: m.x, y: m.y, to: g)
        #expect(abs(back.x - 2.35) < 1e-9 && abs(back.y - 48.85) < 1e-9)
    }

    @Test func boundsTransformDensifiesAndMatchesPointTransforms() throws {
        let utm = try CRS(epsg: 32618)
        let box = BoundingBox(minX: 101985, minY: 2611485, maxX: 339315, maxY: 2826915, minT: 10, maxT: 20)
        let geo = try utm.transform(box, to: .wgs84)
        #expect(geo.minT == 10 && geo.maxT == 20)
        // Every point on the box edges lies inside the transformed box; the corners alone would miss the bulge.
        var pts: [(x: Double, y: Double)] = []
        for i in 0...50 {
            let f = Double(i) / 50
            pts += [(box.minX + f * box.width, box.minY), (box.minX + f * box.width, box.maxY),
                    (box.minX, box.minY + f * box.height), (box.maxX, box.minY + f * box.height)]
        }
        let t = try utm.transform(points: pts, to: .wgs84)
        let eps = 1e-9
        #expect(t.allSatisfy { $0.x >= geo.minX - eps && $0.x <= geo.maxX + eps && $0.y >= geo.minY - eps && $0.y <= geo.maxY + eps })
        #expect(abs(t.map(\.x).min()! - geo.minX) < 1e-4 && abs(t.map(\.y).max()! - geo.maxY) < 1e-4)
        // Same CRS: unchanged.
        #expect(try utm.transform(box, to: utm) == box)
    }

    @Test func badInputThrowsClearErrors() throws {
        #expect(throws: GeoError.self) { try CRS(epsg: 999_999) }
        do {
            _ = try CRS("not a crs")
            Issue.record("expected an error")
        } catch let e as GeoError {
            #expect(e.description.contains("not a crs") && e.description.contains("EPSG"))
        }
        #expect(throws: GeoError.self) { try CRS(wkt: "PROJCS[broken") }
        // A point outside UTM's domain.
        #expect(throws: GeoError.self) { try CRS.wgs84.transform(x: 100, y: 95, to: try CRS(epsg: 32618)) }
    }
}
