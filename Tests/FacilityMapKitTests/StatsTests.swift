import FacilityMapKit
import Foundation
import XCTest

/// `facilitymap stats`: counts by kind, level and district, through a real store.
final class StatsTests: ImportTestCase {
    static func square(_ lon: Double, _ lat: Double, size: Double = 0.1) -> MultiPolygon {
        MultiPolygon([Polygon(exterior: [LonLat(lon, lat), LonLat(lon + size, lat), LonLat(lon + size, lat + size),
                                         LonLat(lon, lat + size), LonLat(lon, lat)])])
    }

    func facility(_ id: String, _ kind: FacilityKind, _ lon: Double, _ lat: Double, unit: String?) -> Facility {
        Facility(id: id, name: "设施\(id)", kind: kind, location: LonLat(lon, lat), unit: unit)
    }

    func testFacilitiesAreCountedByRegisteredDistrictElseByTheDistrictHoldingTheirPoint() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        try store.write { writer in
            try writer.upsert(AdministrativeUnit(code: "410300", name: "洛阳市", level: .city, boundary: Self.square(112.0, 34.0, size: 0.2)))
            try writer.upsert(AdministrativeUnit(code: "410302", name: "老城区", level: .district, parent: "410300",
                                                 boundary: Self.square(112.0, 34.0)))
            try writer.upsert(AdministrativeUnit(code: "410303", name: "西工区", level: .district, parent: "410300",
                                                 boundary: Self.square(112.1, 34.0)))
            try writer.upsert(AdministrativeUnit(code: "410304", name: "瀍河回族区", level: .district, parent: "410300"))
            try writer.upsert(AdministrativeUnit(code: "410302001", name: "西关街道", level: .township, parent: "410302"))
            try writer.upsert(AdministrativeUnit(code: "410302001001", name: "金业路社区", level: .community, parent: "410302001",
                                                 location: LonLat(112.05, 34.05)))
            // Registered below 老城区, though the point lies in 西工区: registration wins.
            try writer.upsert(facility("A", .kindergarten, 112.15, 34.05, unit: "410302001001"))
            try writer.upsert(facility("B", .hospital, 112.15, 34.05, unit: "410302001"))
            try writer.upsert(facility("C", .hospital, 112.0, 34.0, unit: "410304"))
            // Not registered, registered to an unknown code, or to the city (no district above it): placed by point.
            try writer.upsert(facility("D", .villageClinic, 112.15, 34.05, unit: nil))
            try writer.upsert(facility("E", .villageClinic, 112.05, 34.05, unit: "999999"))
            try writer.upsert(facility("F", .nursingHome, 112.15, 34.15, unit: "410300"))
            try writer.upsert(facility("G", .nursingHome, 100.0, 20.0, unit: nil))
            try writer.upsert(facility("H", .nursingHome, 112.05, 34.05, unit: nil))
        }
        let stats = try StoreStats(store: store)
        XCTAssertEqual(stats.facilitiesByDistrict.map { "\($0.code ?? "-") \($0.name) \($0.count)" },
                       ["410302 老城区 4", "410303 西工区 1", "410304 瀍河回族区 1", "- (in no loaded district) 2"])
        XCTAssertEqual(stats.facilitiesByKind.map { "\($0.kind.rawValue) \($0.count)" },
                       ["kindergarten 1", "hospital 2", "village_clinic 2", "nursing_home 3"])
        XCTAssertEqual(stats.unitsByLevel.map { "\($0.level.rawValue) \($0.count)" },
                       ["city 1", "district 3", "township 1", "community 1"])
        XCTAssertTrue(stats.text.contains("老城区"))

        XCTAssertEqual(try store.facilityCountsByUnit().map { "\($0.unit ?? "NULL") \($0.count)" },
                       ["NULL 3", "410300 1", "410302001 1", "410302001001 1", "410304 1", "999999 1"])
        XCTAssertEqual(try store.unitCountsByLevel(), [.city: 1, .district: 3, .township: 1, .community: 1])
        XCTAssertEqual(try store.unitLinks().first { $0.code == "410302001001" }.map { "\($0.level) \($0.parent ?? "-")" },
                       "community 410302001")
        var unregistered: [LonLat] = []
        try store.forEachFacilityLocation(registeredTo: nil) { unregistered.append($0) }
        XCTAssertEqual(unregistered, [LonLat(112.15, 34.05), LonLat(100.0, 20.0), LonLat(112.05, 34.05)])
        var registered: [LonLat] = []
        try store.forEachFacilityLocation(registeredTo: "410300") { registered.append($0) }
        XCTAssertEqual(registered, [LonLat(112.15, 34.15)])
    }
}
