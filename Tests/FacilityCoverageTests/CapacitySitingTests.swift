import FacilityCoverage
import FacilityGeometry
import FacilityModel
import XCTest

/// `suggest` for per_population, share and city-wide count targets, over a hand-made city:
///
///     甲区 410301 [112.0–112.2]: 甲一镇 (村11 6,000 people at 112.05, 村12 4,000 at 112.06)
///                               甲二镇 (村21 10,000 at 112.15, 村22 20,000 at 112.16)
///     乙区 410302 [112.2–112.4]: 乙一镇 (村31 5,000 at 112.30)
final class CapacitySitingTests: XCTestCase {
    static func village(_ code: String, township: String, _ lon: Double, _ people: Int) -> AdministrativeUnit {
        AdministrativeUnit(code: "\(township)2\(code)", name: "村\(code)", level: .village, parent: township, population: people,
                           location: LonLat(lon, 34.1))
    }

    static let units: [AdministrativeUnit] = [
        AdministrativeUnit(code: "410300", name: "市", level: .city, boundary: CoverageEngineTests.box(112.0, 112.4)),
        AdministrativeUnit(code: "410301", name: "甲区", level: .district, parent: "410300", boundary: CoverageEngineTests.box(112.0, 112.2)),
        AdministrativeUnit(code: "410302", name: "乙区", level: .district, parent: "410300", boundary: CoverageEngineTests.box(112.2, 112.4)),
        AdministrativeUnit(code: "410301001", name: "甲一镇", level: .township, parent: "410301"),
        AdministrativeUnit(code: "410301002", name: "甲二镇", level: .township, parent: "410301"),
        AdministrativeUnit(code: "410302001", name: "乙一镇", level: .township, parent: "410302"),
        village("11", township: "410301001", 112.05, 6_000), village("12", township: "410301001", 112.06, 4_000),
        village("21", township: "410301002", 112.15, 10_000), village("22", township: "410301002", 112.16, 20_000),
        village("31", township: "410302001", 112.30, 5_000),
    ]

    func plan(_ target: Target) -> TargetPlan { TargetPlan(plan: "测试", area: "410300", targets: [target]) }

    /// `report`'s proposals as the facilities they would be (conversions: the facility with the attribute set).
    func built(_ report: SitingReport, onto facilities: [Facility]) -> [Facility] {
        var facilities = facilities
        for p in report.proposals {
            if let f = p.facility {
                facilities[f].inclusive = true
            } else {
                facilities.append(Facility(id: "new-\(p.area.code)-\(p.pick)", name: p.site.name, kind: report.kind, location: p.site.location,
                                           unit: p.site.unit, beds: report.target.field == .beds ? p.amount : nil))
            }
        }
        return facilities
    }

    func testBedsGoToTheTownshipsShortOfThemAtTheUnitNearestTheirPeople() throws {
        // 300 beds in 甲一镇 (10,000 people: 100 would do), none in 甲二镇 (30,000: 300 short); 50 in 乙区 (5,000: met).
        let facilities = [
            Facility(id: "h1", name: "甲一医院", kind: .hospital, location: LonLat(112.05, 34.1), unit: "4103010012" + "11", beds: 300),
            Facility(id: "h3", name: "乙医院", kind: .hospital, location: LonLat(112.30, 34.1), unit: "410302001231", beds: 50),
        ]
        let beds = Target(id: "beds", title: "床位", metric: .perPopulation, kinds: [.hospital], field: .beds, per: 1000, goals: [2025: 10])
        let engine = CoverageEngine(units: Self.units, facilities: facilities)
        let report = try engine.suggest(target: beds, plan: plan(beds), query: CoverageQuery(year: 2025), candidates: .units)
        XCTAssertEqual(report.areas.map(\.area.code), ["410301", "410302"])
        XCTAssertEqual(report.areas.map(\.amount), [100, 0], "甲区: 10 × 40,000 / 1,000 − 300")
        XCTAssertEqual(report.areas[0].valueBefore, 7.5)
        XCTAssertEqual(report.areas[0].valueAfter, 10)
        let site = try XCTUnwrap(report.proposals.first)
        XCTAssertEqual(report.proposals.count, 1)
        XCTAssertEqual(site.amount, 100)
        XCTAssertEqual(site.covers.map(\.code), ["410301002"], "all of it where people lack beds, not where beds are")
        XCTAssertEqual(site.site.unit, "410301002222", "甲二镇's people-weighted centre (112.157) is nearest 村22")
        XCTAssertEqual(report.totalBefore, 350.0 * 1000 / 45_000)
        XCTAssertEqual(report.totalAfter, 10)

        // Built, the goal is met in total and in every area.
        let after = CoverageEngine(units: Self.units, facilities: built(report, onto: facilities)).report(plan: plan(beds), query: CoverageQuery(year: 2025))
        XCTAssertEqual(after.targets[0].total.met, true)
        XCTAssertEqual(after.targets[0].areas.map(\.result.met), [true, true])

        // With plots: the plot in the area nearest that centre; with none in the area, a reason.
        let plots = [CandidateSite(id: "p1", name: "地块1", location: LonLat(112.01, 34.1)), CandidateSite(id: "p2", name: "地块2", location: LonLat(112.17, 34.1)),
                     CandidateSite(id: "p3", name: "地块3", location: LonLat(112.21, 34.1))]
        let onPlots = try engine.suggest(target: beds, plan: plan(beds), query: CoverageQuery(year: 2025), candidates: .sites(plots))
        XCTAssertEqual(onPlots.proposals.map(\.site.id), ["p2"], "p3 is nearer 村22 than p1 but lies in 乙区")
        let short = [Facility(id: "h3", name: "乙医院", kind: .hospital, location: LonLat(112.30, 34.1), unit: "410302001231", beds: 10)]
        XCTAssertThrowsError(try CoverageEngine(units: Self.units, facilities: short)
            .suggest(target: beds, plan: plan(beds), query: CoverageQuery(year: 2025), candidates: .sites(Array(plots.prefix(2))))) {
            XCTAssertTrue("\($0)".contains("乙区 (410302) lacks 40 beds but none of the candidate plots lies in it"), "\($0)")
        }
    }

    func testASharePicksTheFewestConversionsTheLargestFirstAndTheLastTheSmallestThatSuffices() throws {
        // 甲区: 100 inclusive places, 300 + 120 + 60 + 50 not; 80% of 630 → 504: 404 to convert.
        func kindergarten(_ id: String, _ places: Int, _ inclusive: Bool) -> Facility {
            Facility(id: id, name: id, kind: .kindergarten, location: LonLat(112.05, 34.1), unit: "410301001211", places: places, inclusive: inclusive)
        }
        let facilities = [kindergarten("k0", 100, true), kindergarten("k1", 50, false), kindergarten("k2", 300, false),
                          kindergarten("k3", 120, false), kindergarten("k4", 60, false)]
        let share = Target(id: "inclusive", title: "普惠", metric: .share, kinds: [.kindergarten], field: .places, whereAttribute: "inclusive",
                           goals: [2025: 0.8])
        let report = try CoverageEngine(units: Self.units, facilities: facilities)
            .suggest(target: share, plan: plan(share), query: CoverageQuery(year: 2025), candidates: .units)
        XCTAssertEqual(report.areas[0].amount, 404)
        // 300 first (104 left); then not 60 + 50, but the smallest one that suffices alone: 120.
        XCTAssertEqual(report.areas[0].proposals.compactMap(\.facility), [2, 3])
        XCTAssertEqual(report.areas[0].proposals.compactMap(\.amount), [300, 120])
        XCTAssertEqual(report.areas[0].valueAfter ?? 0, 520.0 / 630, accuracy: 1e-12)
        XCTAssertEqual(report.areas[1].proposals, [], "乙区 has no kindergartens: nothing to convert")
        let after = CoverageEngine(units: Self.units, facilities: built(report, onto: facilities)).report(plan: plan(share), query: CoverageQuery(year: 2025))
        XCTAssertEqual(after.targets[0].total.met, true)
        XCTAssertEqual(after.targets[0].areas[0].result.met, true)
    }

    func testACityWideCountGoesToTheTownshipsWithTheFewestTheMostPopulousFirst() throws {
        let centre = Facility(id: "s1", name: "甲一中心", kind: .streetElderlyCenter, location: LonLat(112.05, 34.1), unit: "410301001")
        let engine = CoverageEngine(units: Self.units, facilities: [centre])
        let count = Target(id: "centres", title: "街道中心", metric: .count, kinds: [.streetElderlyCenter], goals: [2023: 3, 2025: 5])
        let three = try engine.suggest(target: count, plan: plan(count), query: CoverageQuery(year: 2023), candidates: .units)
        // None in 甲二镇 (30,000) and 乙一镇 (5,000): those two, the larger first.
        XCTAssertEqual(three.proposals.flatMap { $0.covers.map(\.code) }, ["410301002", "410302001"])
        XCTAssertEqual(three.proposals.map(\.site.unit), ["410301002222", "410302001231"])
        XCTAssertEqual(three.areas.map(\.valueBefore), [1, 0])
        XCTAssertEqual(three.areas.map(\.valueAfter), [2, 1])
        XCTAssertEqual(three.totalAfter, 3)
        // Five: each township has one after the first round; then 甲二镇 (most people), then 甲一镇 before 乙一镇.
        let five = try engine.suggest(target: count, plan: plan(count), query: CoverageQuery(year: 2025), candidates: .units)
        XCTAssertEqual(five.areas[0].proposals.flatMap { $0.covers.map(\.code) }, ["410301002", "410301002", "410301001"])
        XCTAssertEqual(five.areas[1].proposals.flatMap { $0.covers.map(\.code) }, ["410302001"])
        let after = CoverageEngine(units: Self.units, facilities: built(five, onto: [centre])).report(plan: plan(count), query: CoverageQuery(year: 2025))
        XCTAssertEqual(after.targets[0].total.met, true)
    }
}

extension CapacitySitingTests {
    func testPopulationWeightedCoverageCountsPeopleWithTheUnitShareBeside() throws {
        // One home, registered to 村22 (20,000 of the 45,000 people; one of the five villages).
        let home = Facility(id: "h", name: "幸福院", kind: .ruralMutualAidHome, location: LonLat(112.16, 34.1), unit: "410301002222")
        var target = Target(id: "rural", title: "农村养老", metric: .unitCoverage, kinds: [.ruralMutualAidHome], units: .village,
                            goals: [2025: 0.5])
        target.weight = .population
        let report = CoverageEngine(units: Self.units, facilities: [home]).report(plan: plan(target), query: CoverageQuery(year: 2025))
        let total = report.targets[0].total
        XCTAssertEqual(total.numerator, 20_000)
        XCTAssertEqual(total.denominator, 45_000)
        XCTAssertEqual(total.unitShare, 0.2)
        XCTAssertEqual(total.met, false)
        XCTAssertEqual(total.shortfall, 2_500, "people still to cover: ⌈0.5 × 45,000⌉ − 20,000")
        // 甲区: 20,000 of 40,000 people, one of its four villages — met by people.
        XCTAssertEqual(report.targets[0].areas[0].result.actual, 0.5)
        XCTAssertEqual(report.targets[0].areas[0].result.unitShare, 0.25)
        XCTAssertEqual(report.targets[0].areas[0].result.met, true)
        // By units (the default), no unit share beside.
        target.weight = .units
        let byUnits = CoverageEngine(units: Self.units, facilities: [home]).report(plan: plan(target), query: CoverageQuery(year: 2025))
        XCTAssertEqual(byUnits.targets[0].total.actual, 0.2)
        XCTAssertNil(byUnits.targets[0].total.unitShare)
    }
}
