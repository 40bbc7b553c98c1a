import FacilityCoverage
import FacilityGeometry
import FacilityModel
import XCTest

/// `suggest`: greedy maximum coverage per area, with its lower bound, over hand-made units.
///
///     district 410301 [112.0–112.2 × 34.0–34.2], five villages, none covered:
///       A (112.050, 34.050) 100 people   B (112.052, 34.050) 300   C (112.054, 34.050) 200    — 184 m apart in a row
///       D (112.150, 34.150) 500          E (112.152, 34.150) 50                                — 184 m apart
final class SitingTests: XCTestCase {
    static let district = CoverageEngineTests.box(112.0, 112.2)
    static func village(_ code: String, _ lon: Double, _ lat: Double, _ people: Int) -> AdministrativeUnit {
        AdministrativeUnit(code: "410301001\(code)", name: "村\(code)", level: .village, parent: "410301001", population: people,
                           location: LonLat(lon, lat))
    }

    static let units: [AdministrativeUnit] = [
        AdministrativeUnit(code: "410300", name: "市", level: .city, boundary: CoverageEngineTests.box(112.0, 112.4)),
        AdministrativeUnit(code: "410301", name: "甲区", level: .district, parent: "410300", boundary: district),
        AdministrativeUnit(code: "410301001", name: "甲镇", level: .township, parent: "410301"),
        village("201", 112.050, 34.050, 100), village("202", 112.052, 34.050, 300), village("203", 112.054, 34.050, 200),
        village("204", 112.150, 34.150, 500), village("205", 112.152, 34.150, 50),
    ]

    func target(within: Double, goal: Double) -> Target {
        Target(id: "rural", title: "农村养老", metric: .unitCoverage, kinds: [.ruralMutualAidHome], units: .village,
               withinMetres: within, goals: [2025: goal])
    }

    func plan(_ target: Target) -> TargetPlan { TargetPlan(plan: "测试", area: "410300", targets: [target]) }

    func testGreedyPicksTheSiteCoveringMostThenMostPeopleAndTheBoundSaysHowFewCouldDo() throws {
        let engine = CoverageEngine(units: Self.units, facilities: [])
        let rural = target(within: 300, goal: 1.0)
        let report = try engine.suggest(target: rural, plan: plan(rural), query: CoverageQuery(year: 2025), candidates: .units)
        let area = try XCTUnwrap(report.areas.first)
        XCTAssertEqual(area.area.code, "410301")
        XCTAssertEqual(area.units, 5)
        XCTAssertEqual(area.needed, 5)
        // B reaches A and C (within 300 m): three at once; then D and E reach the same two: the earlier, D.
        XCTAssertEqual(area.proposals.map(\.site.unit), ["410301001202", "410301001204"])
        XCTAssertEqual(area.proposals[0].covers.map(\.code), ["410301001201", "410301001202", "410301001203"])
        XCTAssertEqual(area.proposals[1].covers.map(\.code), ["410301001204", "410301001205"])
        XCTAssertEqual(area.lowerBound, 2, "the two largest candidates cover 3 + 3 ≥ 5")
        XCTAssertEqual(area.shareAfter, 1.0)
        XCTAssertEqual(report.kind, .ruralMutualAidHome)
    }

    func testTheGoalSetsHowManyAreNeededAndExistingFacilitiesCount() throws {
        // One home already registered to D: D is covered, and with 300 m, E too.
        let home = Facility(id: "h", name: "h", kind: .ruralMutualAidHome, location: LonLat(112.150, 34.150), unit: "410301001204")
        let engine = CoverageEngine(units: Self.units, facilities: [home])
        let half = target(within: 0, goal: 0.5)
        let report = try engine.suggest(target: half, plan: plan(half), query: CoverageQuery(year: 2025), candidates: .units)
        let area = try XCTUnwrap(report.areas.first)
        XCTAssertEqual(area.coveredBefore, 1, "within 0 m only D, by registration")
        XCTAssertEqual(area.needed, 2, "⌈0.5 × 5⌉ − 1")
        // Ties of one unit each: the most people first (B 300, C 200).
        XCTAssertEqual(area.proposals.map(\.site.unit), ["410301001202", "410301001203"])
        XCTAssertEqual(area.lowerBound, 2)
        let capped = try engine.suggest(target: half, plan: plan(half), query: CoverageQuery(year: 2025), candidates: .units, maxNew: 1)
        XCTAssertEqual(capped.areas[0].proposals.count, 1)
    }

    func testAGoalNoSitesCanReachOrNoGoalThatYearIsRefusedWithAReason() throws {
        let engine = CoverageEngine(units: Self.units, facilities: [])
        let all = target(within: 0, goal: 1.0)
        // A grid, registered to nothing, covers no point unit at 0 m.
        XCTAssertThrowsError(try engine.suggest(target: all, plan: plan(all), query: CoverageQuery(year: 2025), candidates: .grid(metres: 500))) {
            XCTAssertTrue("\($0)".contains("needs 5 more of its 5 village units covered, but the candidates can cover only 0"), "\($0)")
        }
        let plots = [CandidateSite(id: "p1", name: "地块1", location: LonLat(112.051, 34.050))]
        let reach = target(within: 200, goal: 1.0)
        XCTAssertThrowsError(try engine.suggest(target: reach, plan: plan(reach), query: CoverageQuery(year: 2025), candidates: .sites(plots))) {
            XCTAssertTrue("\($0)".contains("can cover only 2"), "\($0)")
        }
        XCTAssertThrowsError(try engine.suggest(target: all, plan: plan(all), query: CoverageQuery(year: 2023), candidates: .units)) {
            XCTAssertTrue("\($0)".contains("has no goal for 2023"), "\($0)")
        }
    }

    func testAGridCoversUnitsWithinReach() throws {
        let engine = CoverageEngine(units: Self.units, facilities: [])
        let reach = target(within: 1_000, goal: 1.0)
        let report = try engine.suggest(target: reach, plan: plan(reach), query: CoverageQuery(year: 2025), candidates: .grid(metres: 500))
        let area = try XCTUnwrap(report.areas.first)
        XCTAssertEqual(area.coveredAfter, 5)
        XCTAssertEqual(area.proposals.count, 2, "the two clusters are 15 km apart")
        XCTAssertNil(area.proposals[0].site.unit)
        for p in area.proposals {
            for covered in p.covers {
                let unit = try XCTUnwrap(Self.units.first { $0.code == covered.code })
                XCTAssertLessThanOrEqual(haversineMetres(unit.location!, p.site.location), 1_000)
            }
        }
    }

    func testAPerAreaCountTargetGetsTheMissingFacilityAtTheUnitNearestThePopulationCentre() throws {
        // CoverageEngineTests' city: a vocational school registered to 甲区, none in 乙区.
        let engine = CoverageEngine(units: CoverageEngineTests.units, facilities: CoverageEngineTests.facilities)
        let perCounty = Target(id: "voc", title: "每县中职", metric: .count, kinds: [.vocationalSchool], perArea: .district, min: 1,
                               goals: [2025: 1.0])
        let report = try engine.suggest(target: perCounty, plan: plan(perCounty), query: CoverageQuery(year: 2025), candidates: .units)
        XCTAssertEqual(report.areas.map(\.area.code), ["410301", "410302"])
        XCTAssertEqual(report.areas.map(\.needed), [0, 1])
        let site = try XCTUnwrap(report.proposals.first)
        // 乙区's people-weighted centre (112.308, 34.108) is nearest 乙三村 (112.30, 34.10), which lies in 乙区 by its point.
        XCTAssertEqual(site.site.unit, "410302001203")
        XCTAssertEqual(site.covers.map(\.code), ["410302"])
        XCTAssertEqual(report.areas[1].shareAfter, 1.0)
        // By city, one row with both districts.
        let byCity = try engine.suggest(target: perCounty, plan: plan(perCounty), query: CoverageQuery(year: 2025, by: .city), candidates: .units)
        XCTAssertEqual(byCity.areas.map(\.units), [2])
        XCTAssertEqual(byCity.proposals.count, 1)
    }
}
