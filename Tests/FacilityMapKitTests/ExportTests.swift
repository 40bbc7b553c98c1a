import FacilityGEOS
import FacilityMapKit
import Foundation
import XCTest

/// Reads what the exporter wrote with Foundation's JSON reader (independent of the writer) and checks it.
final class ExportTests: ImportTestCase {
    func readCollection(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], file: file, line: line)
        XCTAssertEqual(object["type"] as? String, "FeatureCollection", file: file, line: line)
        XCTAssertNil(object["crs"], "RFC 7946 has no crs member", file: file, line: line)
        return object
    }

    func features(_ collection: [String: Any]) throws -> [[String: Any]] {
        try XCTUnwrap(collection["features"] as? [[String: Any]])
    }

    func positions(_ any: Any?) throws -> [LonLat] {
        let array = try XCTUnwrap(any as? [[Double]])
        return array.map { LonLat($0[0], $0[1]) }
    }

    func testFacilitiesLayerRoundTripsEveryFieldWithChineseNamesAsUTF8() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        let out = path("facilities.geojson")
        XCTAssertEqual(try GeoJSONExport(store: store, outputPath: out).facilities(), 10)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        XCTAssertNotNil(bytes.range(of: Data("洛阳市中心医院".utf8)), "names are raw UTF-8")
        XCTAssertNil(String(decoding: bytes, as: UTF8.self).range(of: "\\u6d1b"), "no \\u escapes for Chinese")
        let all = try features(try readCollection(out))
        XCTAssertEqual(all.count, try store.facilityCount())
        var stored: [String: Facility] = [:]
        try store.forEachFacility { stored[$0.id] = $0 }
        for feature in all {
            let id = try XCTUnwrap(feature["id"] as? String)
            let facility = try XCTUnwrap(stored[id])
            let p = try XCTUnwrap(feature["properties"] as? [String: Any])
            XCTAssertEqual(p["name"] as? String, facility.name)
            XCTAssertEqual(p["kind"] as? String, facility.kind.rawValue)
            XCTAssertEqual(p["unit"] as? String, facility.unit)
            XCTAssertEqual(p["beds"] as? Int, facility.beds)
            XCTAssertEqual(p["doctors"] as? Int, facility.doctors)
            XCTAssertEqual(p["gps"] as? Int, facility.gps)
            XCTAssertEqual(p["places"] as? Int, facility.places)
            XCTAssertEqual(p["inclusive"] as? Bool, facility.inclusive)
            XCTAssertEqual(p["level"] as? String, facility.level)
            XCTAssertEqual(p["opened"] as? String, facility.opened?.description)
            XCTAssertEqual(p["closed"] as? String, facility.closed?.description)
            for (key, value) in facility.attributes { XCTAssertEqual(p[key] as? String, value, key) }
            let geometry = try XCTUnwrap(feature["geometry"] as? [String: Any])
            XCTAssertEqual(geometry["type"] as? String, "Point")
            let c = try XCTUnwrap(geometry["coordinates"] as? [Double])
            XCTAssertEqual(c[0], (facility.location.lon * 1e6).rounded() / 1e6, accuracy: 1e-12)
            XCTAssertEqual(c[1], (facility.location.lat * 1e6).rounded() / 1e6, accuracy: 1e-12)
        }
        let kindergartens = path("k.geojson")
        XCTAssertEqual(try GeoJSONExport(store: store, outputPath: kindergartens).facilities(kind: .kindergarten, within: "410305"), 1)
    }

    func testUnitsLayerHasValidCounterClockwiseClosedRings() throws {
        let store = try luoyangStore()
        let out = path("units.geojson")
        XCTAssertEqual(try GeoJSONExport(store: store, outputPath: out).units(), 15)
        let all = try features(try readCollection(out))
        XCTAssertEqual(all.count, 15)
        XCTAssertEqual(all.map { $0["id"] as? String }, try store.units().map(\.code))
        for feature in all {
            let geometry = try XCTUnwrap(feature["geometry"] as? [String: Any])
            XCTAssertEqual(geometry["type"] as? String, "MultiPolygon")
            let polygons = try XCTUnwrap(geometry["coordinates"] as? [[Any]])
            var rebuilt: [Polygon] = []
            for polygon in polygons {
                let rings = try polygon.map(positions)
                XCTAssertTrue(isCounterClockwise(rings[0]), "exterior ring counter-clockwise")
                for hole in rings.dropFirst() { XCTAssertFalse(isCounterClockwise(hole), "holes clockwise") }
                for ring in rings { XCTAssertEqual(ring.first, ring.last, "closed"); XCTAssertGreaterThanOrEqual(ring.count, 4) }
                rebuilt.append(Polygon(exterior: rings[0], holes: Array(rings.dropFirst())))
            }
            XCTAssertTrue(Geometry.multiPolygon(MultiPolygon(rebuilt)).structuralProblems().isEmpty)
            XCTAssertTrue(try PolygonRepair().validity(of: (MultiPolygon(rebuilt))).isValid, "\(feature["id"] ?? "")")
            let properties = try XCTUnwrap(feature["properties"] as? [String: Any])
            XCTAssertNotNil(properties["name"] as? String)
        }
        let names = all.compactMap { ($0["properties"] as? [String: Any])?["name"] as? String }
        XCTAssertTrue(names.contains("瀍河回族区"))
    }

    func testGCJ02ExportShiftsCoordinatesAndSaysSo() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        let out = path("gcj.geojson")
        try GeoJSONExport(store: store, outputPath: out, coordinateSystem: .gcj02).facilities()
        let collection = try readCollection(out)
        XCTAssertEqual(collection["coordinate_system"] as? String, "gcj02")
        let feature = try XCTUnwrap(try features(collection).first { $0["id"] as? String == "LY-H-001" })
        let c = try XCTUnwrap((feature["geometry"] as? [String: Any])?["coordinates"] as? [Double])
        let expected = CoordinateSystem.gcj02.fromWGS84(LonLat(112.43371, 34.71248))
        XCTAssertEqual(c[0], expected.lon, accuracy: 6e-7)
        XCTAssertEqual(c[1], expected.lat, accuracy: 6e-7)
        XCTAssertGreaterThan(abs(c[0] - 112.43371), 0.003)
    }

    func testCoverageLayerForUnitCoverageGivesEachCountedUnit() throws {
        let store = try luoyangStore()
        let units = try file("communities.csv", """
            code,name,level,parent,lon,lat
            410302001001,金业路社区,community,410302,112.43371,34.71248
            410302001002,周公庙社区,community,410302,112.44000,34.72000
            410303001001,远社区,community,410303,112.36963,34.69093
            """)
        _ = try UnitImporter().run(path: units, into: store)
        let facilities = try file("elderly.csv", """
            id,name,kind,lon,lat,unit
            E1,金业路社区养老服务中心,community_elderly_center,112.43380,34.71250,410302001001
            E2,周公庙旁养老服务站,neighborhood_elderly_station,112.44010,34.72000,
            """)
        _ = try FacilityImporter().run(path: facilities, into: store)
        let plan = TargetPlan.luoyang2022
        let target = try XCTUnwrap(plan.targets.first { $0.id == "community-elderly-care" })
        let out = path("coverage.geojson")
        let count = try GeoJSONExport(store: store, outputPath: out)
            .coverage(engine: try CoverageEngine(store: store), plan: plan, target: target, query: CoverageQuery(year: 2025))
        XCTAssertEqual(count, 3)
        let collection = try readCollection(out)
        XCTAssertEqual(collection["target"] as? String, "community-elderly-care")
        XCTAssertEqual(collection["as_of"] as? String, "2025-12-31")
        let rows = try features(collection).map { try XCTUnwrap($0["properties"] as? [String: Any]) }
        XCTAssertEqual(rows.map { $0["code"] as? String }, ["410302001001", "410302001002", "410303001001"])
        XCTAssertEqual(rows.map { $0["covered"] as? Bool }, [true, false, false])
        XCTAssertEqual(rows.map { $0["facility_count"] as? Int }, [1, 0, 0])
        // Nearest: E1 is ~8.5 m from 金业路; E2 ~9 m from 周公庙 (not registered, within_m 0: not covering);
        // 远社区 is kilometres away — never capped.
        let nearest = rows.compactMap { $0["nearest_m"] as? Double }
        XCTAssertEqual(nearest.count, 3)
        XCTAssertEqual(nearest[0], (haversineMetres(LonLat(112.43371, 34.71248), LonLat(112.43380, 34.71250)) * 10).rounded() / 10, accuracy: 0.05)
        XCTAssertLessThan(nearest[1], 20)
        XCTAssertGreaterThan(nearest[2], 5_000)
    }

    func testCoverageLayerForOtherMetricsGivesEachDistrictWithItsResult() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        let plan = TargetPlan.luoyang2022
        let target = try XCTUnwrap(plan.targets.first { $0.id == "vocational-school-per-county" })
        let out = path("coverage.geojson")
        XCTAssertEqual(try GeoJSONExport(store: store, outputPath: out)
            .coverage(engine: try CoverageEngine(store: store), plan: plan, target: target, query: CoverageQuery(year: 2025)), 14)
        let rows = try features(try readCollection(out)).map { try XCTUnwrap($0["properties"] as? [String: Any]) }
        let xinan = try XCTUnwrap(rows.first { $0["code"] as? String == "410323" })
        XCTAssertEqual(xinan["numerator"] as? Double, 1)
        XCTAssertEqual(xinan["met"] as? Bool, true)
        let laocheng = try XCTUnwrap(rows.first { $0["code"] as? String == "410302" })
        XCTAssertEqual(laocheng["met"] as? Bool, false)
        XCTAssertEqual(laocheng["shortfall"] as? Double, 1)
    }

    func testMapIsOneSelfContainedPageWithTheDataInside() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        let html = CoverageMap.html(engine: try CoverageEngine(store: store), plan: .luoyang2022, query: CoverageQuery())
        XCTAssertFalse(html.contains("http://") && html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        XCTAssertFalse(html.contains("https://"), "no network resources")
        XCTAssertFalse(html.contains("<script src"))
        XCTAssertTrue(html.contains("瀍河回族区"))
        XCTAssertTrue(html.contains("\"id\": \"beds-per-1000\""))
        XCTAssertFalse(html.contains("/*DATA*/null"))
    }
}
