import Foundation
import XCTest
import FacilityGeometry
@testable import FacilityFormats

/// Reads the real Luoyang boundaries the repository carries: the Tianditu (CGCS2000) set in GeoData and
/// the AMap (GCJ-02) set among the import fixtures.
final class LuoyangDataTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func dataPath(_ name: String) throws -> String {
        let relative = name == "districts_tianditu_cgcs2000.geojson"
            ? "GeoData/luoyang/districts.geojson" : "Tests/FacilityMapKitTests/Fixtures/\(name)"
        return Self.repository.appendingPathComponent(relative).path
    }

    func tianditu() throws -> [String: Feature] {
        let document = try GeoJSONDocument.read(path: try dataPath("districts_tianditu_cgcs2000.geojson"))
        return Dictionary(uniqueKeysWithValues: document.validFeatures.map { ($0.properties["adcode"]!.stringValue!, $0) })
    }

    func testTiandituDistrictsReadAsFifteenMultiPolygonsWithExactNames() throws {
        let document = try GeoJSONDocument.read(path: try dataPath("districts_tianditu_cgcs2000.geojson"))
        XCTAssertEqual(document.features.count, 15)
        XCTAssertEqual(document.featureErrors, [])
        XCTAssertEqual(document.crsName, "urn:ogc:def:crs:EPSG::4490")
        let features = document.validFeatures
        XCTAssertEqual(features.map(\.index), Array(0..<15))
        XCTAssertEqual(Set(features.map(\.geometry.typeName)), ["MultiPolygon"])
        XCTAssertEqual(features[0].properties["name"], .string("洛阳市"))
        XCTAssertEqual(features[0].properties["adcode"]?.stringValue, "410300")
        XCTAssertEqual(features[0].properties["level"], .string("city"))
        XCTAssertEqual(features[3].properties["name"], .string("瀍河回族区"))
        XCTAssertEqual(features[3].properties["parent_adcode"]?.stringValue, "410300")
        XCTAssertEqual(Set(features.dropFirst().compactMap { $0.properties["name"]?.stringValue }), [
            "老城区", "西工区", "瀍河回族区", "涧西区", "偃师区", "孟津区", "洛龙区",
            "新安县", "栾川县", "嵩县", "汝阳县", "宜阳县", "洛宁县", "伊川县",
        ])
    }

    func testEveryDistrictContainsItsRepresentativePoint() throws {
        for (code, feature) in try tianditu() {
            let point = try XCTUnwrap(feature.geometry.representativePoint(), code)
            XCTAssertTrue(feature.geometry.contains(point), "\(code) \(point)")
            XCTAssertEqual(feature.geometry.distanceMetres(to: point), 0)
        }
    }

    func testLuoyangCityContainsTheCityCentre() throws {
        let city = try XCTUnwrap(try tianditu()["410300"])
        XCTAssertTrue(city.geometry.contains(LonLat(112.45, 34.62)))
        XCTAssertFalse(city.geometry.contains(LonLat(113.62, 34.75)), "Zhengzhou is outside")
        let toZhengzhou = city.geometry.distanceMetres(to: LonLat(113.62, 34.75))
        XCTAssertGreaterThan(toZhengzhou, 10_000)
        XCTAssertLessThan(toZhengzhou, 107_950)
    }

    func testCityAreaMatchesTheOfficialFigureAndTheDistrictsTileIt() throws {
        let units = try tianditu()
        let cityKm2 = try XCTUnwrap(units["410300"]?.geometry.asMultiPolygon).areaSquareMetres / 1e6
        XCTAssertEqual(cityKm2, 15_230, accuracy: 15_230 * 0.02)
        let districtsKm2 = units.filter { $0.key != "410300" }.values.reduce(0.0) { $0 + $1.geometry.asMultiPolygon!.areaSquareMetres / 1e6 }
        XCTAssertEqual(districtsKm2, cityKm2, accuracy: cityKm2 * 0.01)
    }

    func testAmapGCJ02DistrictsLandInsideTiandituDistrictsAfterConversion() throws {
        let amap = try GeoJSONDocument.read(path: try dataPath("districts_amap_gcj02.geojson"))
        XCTAssertNil(amap.crsName)
        XCTAssertEqual(amap.validFeatures.count, 15)
        let reference = try tianditu()
        for feature in amap.validFeatures {
            let code = try XCTUnwrap(feature.properties["adcode"]?.stringValue)
            let target = try XCTUnwrap(reference[code], code)
            let gcjPoint = try XCTUnwrap(feature.geometry.representativePoint())
            let wgsPoint = CoordinateSystem.gcj02.toWGS84(gcjPoint)
            XCTAssertGreaterThan(haversineMetres(gcjPoint, wgsPoint), 400, "GCJ-02 is several hundred metres off here")
            XCTAssertTrue(target.geometry.contains(wgsPoint), "\(code): \(wgsPoint)")
        }
    }

    func testConversionMovesTheAmapOutlineOntoTheTiandituOutline() throws {
        // The Tianditu outline is simplified, so compare medians of vertex-to-outline distances.
        let amap = try GeoJSONDocument.read(path: try dataPath("districts_amap_gcj02.geojson"))
        let reference = try tianditu()
        for feature in amap.validFeatures {
            let code = try XCTUnwrap(feature.properties["adcode"]?.stringValue)
            let outline = try XCTUnwrap(reference[code]?.geometry.asMultiPolygon)
            let vertices = try XCTUnwrap(feature.geometry.asMultiPolygon).polygons.flatMap(\.exterior)
            let sample = stride(from: 0, to: vertices.count, by: 5).map { vertices[$0] }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            let before = median(sample.map { outline.boundaryDistanceMetres(to: $0) })
            let after = median(sample.map { outline.boundaryDistanceMetres(to: CoordinateSystem.gcj02.toWGS84($0)) })
            // Measured: 300–460 m before, 65–170 m after.
            XCTAssertGreaterThan(before, 250, code)
            XCTAssertLessThan(after, 200, code)
            XCTAssertLessThan(after, before * 0.6, code)
        }
    }
}
