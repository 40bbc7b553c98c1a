@testable import FacilityCoverage
import FacilityGeometry
import FacilityModel
import XCTest

/// What covers a unit is said once (#23): a site `suggest` proposes covers exactly the units that `coverage` counts as
/// covered once a facility stands there — registered to a unit, to a code the store does not hold, or to none; with
/// and without a distance; units with polygons and units that are points.
final class CoverageRuleTests: XCTestCase {
    static let units: [AdministrativeUnit] = [
        AdministrativeUnit(code: "410300", name: "市", level: .city, boundary: CoverageEngineTests.box(112.0, 112.4)),
        AdministrativeUnit(code: "410301", name: "甲区", level: .district, parent: "410300", boundary: CoverageEngineTests.box(112.0, 112.2)),
        // A township with a polygon, one without.
        AdministrativeUnit(code: "410301001", name: "甲镇", level: .township, parent: "410301",
                           boundary: CoverageEngineTests.box(112.0, 112.1, 34.0, 34.1)),
        AdministrativeUnit(code: "410301002", name: "乙镇", level: .township, parent: "410301", location: LonLat(112.15, 34.15)),
        // Villages: polygons, points, and a point whose parent is only found by polygon.
        AdministrativeUnit(code: "410301001201", name: "一村", level: .village, parent: "410301001",
                           boundary: CoverageEngineTests.box(112.00, 112.05, 34.0, 34.05)),
        AdministrativeUnit(code: "410301001202", name: "二村", level: .village, parent: "410301001", location: LonLat(112.07, 34.07)),
        AdministrativeUnit(code: "410301002203", name: "三村", level: .village, parent: "410301002", location: LonLat(112.15, 34.15)),
        AdministrativeUnit(code: "410301002204", name: "四村", level: .village, parent: "410301002",
                           boundary: CoverageEngineTests.box(112.16, 112.19, 34.16, 34.19)),
        AdministrativeUnit(code: "410301009205", name: "五村", level: .village, location: LonLat(112.08, 34.02)),
    ]

    func testASiteCoversWhatAFacilityThereIsCountedAsCovering() {
        var generator = SystemRandomNumberGenerator()
        let codes: [String?] = [nil, "999999", "410301001", "410301002", "410301001201", "410301001202", "410301002203", "410301002204",
                                "410301009205", "410301"]
        let points = [LonLat(112.02, 34.02), LonLat(112.07, 34.07), LonLat(112.0701, 34.0702), LonLat(112.15, 34.15),
                      LonLat(112.17, 34.17), LonLat(112.08, 34.021), LonLat(112.3, 34.1), LonLat(112.051, 34.03)]
            + (0..<40).map { _ in LonLat(Double.random(in: 111.95...112.25, using: &generator), Double.random(in: 33.95...34.25, using: &generator)) }
        var compared = 0, covering = 0
        // Townships too: a point-only township is covered by a facility standing in one of its villages' polygons
        // (its anchor), which no distance test sees.
        for (level, within) in [(UnitLevel.village, 0.0), (.village, 150), (.village, 2_000), (.township, 0), (.township, 500)] {
            let target = Target(id: "t", title: "t", metric: .unitCoverage, kinds: [.villageClinic], units: level,
                                withinMetres: within, goals: [2025: 1])
            let plan = TargetPlan(plan: "p", area: "410300", targets: [target])
            let empty = CoverageEngine(units: Self.units, facilities: [])
            let villages = Self.units.indices.filter { Self.units[$0].level == level }
            for code in codes {
                for point in points {
                    let facility = Facility(id: "f", name: "f", kind: .villageClinic, location: point, unit: code)
                    let counted = CoverageEngine(units: Self.units, facilities: [facility]).unitCoverage(of: target, plan: plan)
                    let covered = Set(counted.filter(\.covered).map(\.unit.code))
                    let proposed = Set(villages.filter { empty.covers(unit: $0, registeredTo: code, at: point, within: within) }
                        .map { Self.units[$0].code })
                    XCTAssertEqual(proposed, covered, "a site registered to \(code ?? "none") at \(point), \(level)s within \(within) m")
                    compared += 1
                    if !covered.isEmpty { covering += 1 }
                }
            }
        }
        XCTAssertGreaterThan(covering, compared / 4, "the cases cover something often enough to mean something")
    }
}
