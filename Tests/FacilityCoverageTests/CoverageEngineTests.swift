import FacilityCoverage
import FacilityGeometry
import FacilityModel
import XCTest

/// A two-district city with hand-computed expectations.
///
///     city 410300 [112.0–112.4 × 34.0–34.2]
///     ├── 甲区 410301 [112.0–112.2]  └── 甲镇 410301001
///     │       ├── community 410301001001 (112.05, 34.05) 3,000 people
///     │       └── community 410301001002 (112.15, 34.15) 2,000 people
///     └── 乙区 410302 [112.2–112.4]  └── 乙镇 410302001
///             ├── village 410302001201 (112.25, 34.05) 1,000 people
///             ├── village 410302001202 (112.35, 34.15) 1,500 people
///             └── village 410302001203 (112.30, 34.10)   500 people, no parent: in 乙区 by its point
final class CoverageEngineTests: XCTestCase {
    static func box(_ lon0: Double, _ lon1: Double, _ lat0: Double = 34.0, _ lat1: Double = 34.2) -> MultiPolygon {
        MultiPolygon([Polygon(exterior: [LonLat(lon0, lat0), LonLat(lon1, lat0), LonLat(lon1, lat1), LonLat(lon0, lat1), LonLat(lon0, lat0)])])
    }

    static let units: [AdministrativeUnit] = [
        AdministrativeUnit(code: "410300", name: "市", level: .city, boundary: box(112.0, 112.4)),
        AdministrativeUnit(code: "410301", name: "甲区", level: .district, parent: "410300", boundary: box(112.0, 112.2)),
        AdministrativeUnit(code: "410302", name: "乙区", level: .district, parent: "410300", boundary: box(112.2, 112.4)),
        AdministrativeUnit(code: "410301001", name: "甲镇", level: .township, parent: "410301"),
        AdministrativeUnit(code: "410302001", name: "乙镇", level: .township, parent: "410302"),
        AdministrativeUnit(code: "410301001001", name: "甲一社区", level: .community, parent: "410301001", population: 3000,
                           location: LonLat(112.05, 34.05)),
        AdministrativeUnit(code: "410301001002", name: "甲二社区", level: .community, parent: "410301001", population: 2000,
                           location: LonLat(112.15, 34.15)),
        AdministrativeUnit(code: "410302001201", name: "乙一村", level: .village, parent: "410302001", population: 1000,
                           location: LonLat(112.25, 34.05)),
        AdministrativeUnit(code: "410302001202", name: "乙二村", level: .village, parent: "410302001", population: 1500,
                           location: LonLat(112.35, 34.15)),
        AdministrativeUnit(code: "410302001203", name: "乙三村", level: .village, population: 500, location: LonLat(112.30, 34.10)),
    ]

    static func facility(_ id: String, _ kind: FacilityKind, _ lon: Double, _ lat: Double, unit: String? = nil, beds: Int? = nil,
                         places: Int? = nil, inclusive: Bool? = nil, opened: String? = nil, closed: String? = nil) -> Facility {
        Facility(id: id, name: id, kind: kind, location: LonLat(lon, lat), unit: unit, beds: beds, places: places, inclusive: inclusive,
                 opened: opened.flatMap { Day(parsing: $0) }, closed: closed.flatMap { Day(parsing: $0, bareYearMeansEnd: true) })
    }

    static let facilities: [Facility] = [
        facility("e1", .communityElderlyCenter, 112.06, 34.06, unit: "410301001001"),
        // 0.001° north-east of 甲二社区's point: about 144 m away, not registered.
        facility("e2", .communityElderlyCenter, 112.151, 34.151),
        facility("h3", .hospital, 112.05, 34.05, unit: "410301001001", beds: 30),
        facility("h4", .hospital, 112.30, 34.10, beds: 20),
        // Registered in 乙区 though its point is in 甲区: registration wins. Opens in 2024.
        facility("h5", .hospital, 112.10, 34.10, unit: "410302001201", beds: 10, opened: "2024"),
        // Closed at the end of 2024: counts in 2023, not in 2025.
        facility("h6", .hospital, 112.10, 34.12, unit: "410301001", beds: 100, closed: "2024"),
        facility("k1", .kindergarten, 112.05, 34.05, unit: "410301001001", places: 100, inclusive: true),
        facility("k2", .kindergarten, 112.15, 34.15, unit: "410301001002", places: 50, inclusive: false),
        facility("k3", .kindergarten, 112.25, 34.05, unit: "410302001201", places: 80, inclusive: true),
        facility("k4", .kindergarten, 112.35, 34.15, inclusive: true),
        facility("v1", .vocationalSchool, 112.10, 34.10, unit: "410301"),
        facility("c1", .villageClinic, 112.25, 34.05, unit: "410302001201"),
        // Exactly at 乙三村's point, not registered.
        facility("c2", .villageClinic, 112.30, 34.10),
    ]

    let engine = CoverageEngine(units: units, facilities: facilities)

    func run(_ target: Target, year: Int = 2025, asOf: Day? = nil, by: UnitLevel = .district) -> TargetReport {
        let plan = TargetPlan(plan: "测试计划", area: "410300", targets: [target])
        return engine.report(plan: plan, query: CoverageQuery(year: year, asOf: asOf, by: by)).targets[0]
    }

    func assertResult(_ r: CoverageResult, _ numerator: Double, _ denominator: Double?, _ actual: Double?, goal: Double?,
                      met: Bool?, shortfall: Double?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.numerator, numerator, "numerator", file: file, line: line)
        XCTAssertEqual(r.denominator, denominator, "denominator", file: file, line: line)
        if let actual { XCTAssertEqual(r.actual ?? .nan, actual, accuracy: 1e-12, "actual", file: file, line: line) } else {
            XCTAssertNil(r.actual, "actual", file: file, line: line)
        }
        XCTAssertEqual(r.goal, goal, "goal", file: file, line: line)
        XCTAssertEqual(r.met, met, "met", file: file, line: line)
        XCTAssertEqual(r.shortfall, shortfall, "shortfall", file: file, line: line)
    }

    // MARK: unit_coverage

    static let communityCare = Target(id: "community", title: "社区养老", metric: .unitCoverage,
                                      kinds: [.communityElderlyCenter], units: .community, goals: [2025: 1.0])

    func testUnitCoverageCountsRegisteredFacilitiesAndListsUncoveredUnits() {
        let report = run(Self.communityCare)
        XCTAssertEqual(report.areas.map(\.area.code), ["410301", "410302"], "areas in code order")
        assertResult(report.areas[0].result, 1, 2, 0.5, goal: 1, met: false, shortfall: 1)
        XCTAssertEqual(report.areas[0].uncovered, [UnitReference(code: "410301001002", name: "甲二社区")])
        XCTAssertNil(report.areas[1].result.actual, "乙区 has no communities")
        XCTAssertEqual(report.areas[1].result.note, "no community units")
        assertResult(report.total, 1, 2, 0.5, goal: 1, met: false, shortfall: 1)
        XCTAssertEqual(report.totalArea.code, "410300")
    }

    func testUnitCoverageWithinMetresCountsANearbyUnregisteredFacility() {
        var target = Self.communityCare
        target.withinMetres = 150
        assertResult(run(target).areas[0].result, 2, 2, 1, goal: 1, met: true, shortfall: 0)
        target.withinMetres = 100
        assertResult(run(target).areas[0].result, 1, 2, 0.5, goal: 1, met: false, shortfall: 1)
    }

    func testAUnitWithoutParentBelongsToTheDistrictHoldingItsPoint() {
        let clinics = Target(id: "clinic", title: "村卫生室", metric: .unitCoverage, kinds: [.villageClinic], units: .village,
                             goals: [2023: 1.0])
        let report = run(clinics, year: 2023)
        // 乙一村 registered; 乙三村 has a clinic on its point but is a point itself: only registration or within_m counts.
        assertResult(report.areas[1].result, 1, 3, 1.0 / 3, goal: 1, met: false, shortfall: 2)
        XCTAssertEqual(report.areas[1].uncovered.map(\.code), ["410302001202", "410302001203"])
        var near = clinics
        near.withinMetres = 1
        assertResult(run(near, year: 2023).areas[1].result, 2, 3, 2.0 / 3, goal: 1, met: false, shortfall: 1)
    }

    func testAFacilityInsideAUnitPolygonCoversItWhateverItsRegistration() {
        // Registered to 乙一村 (in 乙区), but its point lies in 甲区's polygon: it covers both districts.
        let across = Self.facility("x", .hospital, 112.10, 34.10, unit: "410302001201")
        let engine = CoverageEngine(units: Self.units, facilities: [across])
        let target = Target(id: "d", title: "d", metric: .unitCoverage, kinds: [.hospital], units: .district, goals: [2025: 1.0])
        let report = engine.report(plan: TargetPlan(plan: "p", area: "410300", targets: [target]), query: CoverageQuery(by: .city))
        XCTAssertEqual(report.targets[0].areas.map(\.area.code), ["410300"])
        assertResult(report.targets[0].total, 2, 2, 1, goal: 1, met: true, shortfall: 0)
        // For per-area sums, registration decides: the facility is 乙区's alone.
        let count = Target(id: "c", title: "c", metric: .count, kinds: [.hospital], goals: [2025: 1])
        let counted = engine.report(plan: TargetPlan(plan: "p", area: "410300", targets: [count])).targets[0]
        XCTAssertEqual(counted.areas.map(\.result.numerator), [0, 1])
    }

    // MARK: per_population

    static let beds = Target(id: "beds", title: "床位", metric: .perPopulation, kinds: [.hospital], field: .beds, per: 1000,
                             goals: [2023: 9.9, 2025: 10.5])

    func testBedsPerThousandIn2025() {
        let report = run(Self.beds)
        // 甲区: h3 30 beds / 5,000 people (its communities' sum). 乙区: h4 20 + h5 10 (registered there) / 3,000.
        assertResult(report.areas[0].result, 30, 5000, 6, goal: 10.5, met: false, shortfall: 23)   // ⌈52.5⌉ − 30
        assertResult(report.areas[1].result, 30, 3000, 10, goal: 10.5, met: false, shortfall: 2)   // ⌈31.5⌉ − 30
        assertResult(report.total, 60, 8000, 7.5, goal: 10.5, met: false, shortfall: 24)           // ⌈84⌉ − 60
    }

    func testBedsPerThousandIn2023CountOnlyFacilitiesOpenThen() {
        let report = run(Self.beds, year: 2023)
        XCTAssertEqual(report.goal, 9.9)
        // h6 (closed end of 2024) counts; h5 (opened 2024) does not.
        assertResult(report.areas[0].result, 130, 5000, 26, goal: 9.9, met: true, shortfall: 0)
        assertResult(report.areas[1].result, 20, 3000, 20.0 / 3, goal: 9.9, met: false, shortfall: 10)  // ⌈29.7⌉ − 20
        assertResult(report.total, 150, 8000, 18.75, goal: 9.9, met: true, shortfall: 0)
    }

    func testAsOfDateDecidesWhichFacilitiesCount() {
        // On 2024-12-31 h6 has closed (closed ≤ day) and h5 has opened.
        let report = run(Self.beds, year: 2025, asOf: Day(year: 2024, month: 12, day: 31))
        assertResult(report.areas[0].result, 30, 5000, 6, goal: 10.5, met: false, shortfall: 23)
        let before = run(Self.beds, year: 2025, asOf: Day(year: 2024, month: 12, day: 30))
        assertResult(before.areas[0].result, 130, 5000, 26, goal: 10.5, met: true, shortfall: 0)
    }

    func testAnAreaWithNoPopulationIsReportedAsSuchNotAsZeroOrInfinity() {
        var units = Self.units
        units.append(AdministrativeUnit(code: "410303", name: "丙区", level: .district, parent: "410300"))
        let engine = CoverageEngine(units: units, facilities: Self.facilities)
        let report = engine.report(plan: TargetPlan(plan: "p", area: "410300", targets: [Self.beds]),
                                   query: CoverageQuery(year: 2025)).targets[0]
        let empty = report.areas[2].result
        XCTAssertEqual(report.areas[2].area.code, "410303")
        XCTAssertNil(empty.actual)
        XCTAssertNil(empty.met)
        XCTAssertNil(empty.shortfall)
        XCTAssertEqual(empty.note, "no population")
    }

    func testPopulationByTownshipIsTheSumOfItsCommunities() {
        let report = run(Self.beds, by: .township)
        XCTAssertEqual(report.areas.map(\.area.code), ["410301001", "410302001"])
        // 甲镇: h3 30 beds (h6 closed) / 5,000. 乙镇: h5 10 (registered to 乙一村) / 2,500 (乙三村 has no parent).
        assertResult(report.areas[0].result, 30, 5000, 6, goal: 10.5, met: false, shortfall: 23)
        assertResult(report.areas[1].result, 10, 2500, 4, goal: 10.5, met: false, shortfall: 17)  // ⌈26.25⌉ − 10
        // The total still holds h4, which lies in 乙区 but in no township.
        assertResult(report.total, 60, 8000, 7.5, goal: 10.5, met: false, shortfall: 24)
    }

    // MARK: share

    func testInclusivePlacesShare() {
        let target = Target(id: "k", title: "普惠", metric: .share, kinds: [.kindergarten], field: .places, whereAttribute: "inclusive",
                            goals: [2025: 0.87])
        let report = run(target)
        assertResult(report.areas[0].result, 100, 150, 100.0 / 150, goal: 0.87, met: false, shortfall: 31)  // ⌈130.5⌉ − 100
        assertResult(report.areas[1].result, 80, 80, 1, goal: 0.87, met: true, shortfall: 0)
        assertResult(report.total, 180, 230, 180.0 / 230, goal: 0.87, met: false, shortfall: 21)            // ⌈200.1⌉ − 180
    }

    func testShareWithoutAFieldCountsFacilities() {
        let target = Target(id: "k", title: "普惠园", metric: .share, kinds: [.kindergarten], whereAttribute: "inclusive",
                            goals: [2025: 0.5])
        assertResult(run(target).total, 3, 4, 0.75, goal: 0.5, met: true, shortfall: 0)
    }

    // MARK: count

    func testCountPerDistrict() {
        let target = Target(id: "voc", title: "中职", metric: .count, kinds: [.vocationalSchool], perArea: .district, min: 1,
                            goals: [2025: 1.0])
        let report = run(target)
        assertResult(report.areas[0].result, 1, nil, 1, goal: 1, met: true, shortfall: 0)
        assertResult(report.areas[1].result, 0, nil, 0, goal: 1, met: false, shortfall: 1)
        assertResult(report.total, 1, 2, 0.5, goal: 1, met: false, shortfall: 1)
        let byCity = run(target, by: .city)
        assertResult(byCity.areas[0].result, 1, 2, 0.5, goal: 1, met: false, shortfall: 1)
    }

    func testCityWideCountIsJudgedOnTheTotalOnly() {
        let target = Target(id: "h", title: "医院", metric: .count, kinds: [.hospital], goals: [2025: 5])
        let report = run(target)
        assertResult(report.areas[0].result, 1, nil, 1, goal: nil, met: nil, shortfall: nil)
        assertResult(report.areas[1].result, 2, nil, 2, goal: nil, met: nil, shortfall: nil)
        assertResult(report.total, 3, nil, 3, goal: 5, met: false, shortfall: 2)
    }

    func testATargetWithNoGoalForTheYearHasNullGoalMetAndShortfall() {
        let report = run(Self.communityCare, year: 2023)
        assertResult(report.total, 1, 2, 0.5, goal: nil, met: nil, shortfall: nil)
        XCTAssertNil(report.goal)
    }

    func testDefaultYearIsTheLatestGoalYearAndAsOfItsLastDay() {
        let plan = TargetPlan(plan: "p", area: "410300", targets: [Self.beds, Self.communityCare])
        let report = engine.report(plan: plan)
        XCTAssertEqual(report.year, 2025)
        XCTAssertEqual(report.asOf, Day(year: 2025, month: 12, day: 31))
        XCTAssertFalse(report.allMet)
        let onlyOne = engine.report(plan: plan, query: CoverageQuery(targetID: "beds"))
        XCTAssertEqual(onlyOne.targets.map(\.target.id), ["beds"])
    }
}

extension CoverageEngineTests {
    func testAsOfAloneJudgesAgainstTheNextDeadline() {
        let plan = TargetPlan(plan: "p", area: "410300", targets: [Self.beds])
        let midway = engine.report(plan: plan, query: CoverageQuery(asOf: Day(year: 2024, month: 6, day: 30)))
        XCTAssertEqual(midway.year, 2025)
        XCTAssertEqual(midway.asOf, Day(year: 2024, month: 6, day: 30))
        XCTAssertEqual(engine.report(plan: plan, query: CoverageQuery(asOf: Day(year: 2023, month: 3, day: 1))).year, 2023)
        XCTAssertEqual(engine.report(plan: plan, query: CoverageQuery(asOf: Day(year: 2027, month: 1, day: 1))).year, 2025)
    }
}

extension CoverageEngineTests {
    func testCountPerDistrictByTownshipGivesCountsOnly() {
        let target = Target(id: "k", title: "幼儿园", metric: .count, kinds: [.kindergarten], perArea: .district, min: 1,
                            goals: [2025: 1.0])
        let report = run(target, by: .township)
        // k1, k2 registered in 甲镇's communities; k3 in 乙一村; k4 unregistered (乙区 only, in no township).
        assertResult(report.areas[0].result, 2, nil, 2, goal: nil, met: nil, shortfall: nil)
        assertResult(report.areas[1].result, 1, nil, 1, goal: nil, met: nil, shortfall: nil)
        assertResult(report.total, 2, 2, 1, goal: 1, met: true, shortfall: 0)
    }
}

extension CoverageEngineTests {
    func testUnitCoverageDetailsGiveCountsAndNearestDistances() throws {
        var target = Self.communityCare
        let plan = TargetPlan(plan: "p", area: "410300", targets: [target])
        let details = engine.unitCoverage(of: target, plan: plan)
        XCTAssertEqual(details.map(\.unit.code), ["410301001001", "410301001002"])
        XCTAssertEqual(details.map(\.covered), [true, false])
        XCTAssertEqual(details.map(\.facilityCount), [1, 0])
        // 甲一社区: e1 at (112.06, 34.06) is ~1.44 km away though registered to it; 甲二社区: e2 ~144 m away.
        XCTAssertEqual(try XCTUnwrap(details[0].nearestMetres), haversineMetres(LonLat(112.05, 34.05), LonLat(112.06, 34.06)), accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(details[1].nearestMetres), haversineMetres(LonLat(112.15, 34.15), LonLat(112.151, 34.151)), accuracy: 1e-6)
        target.withinMetres = 150
        XCTAssertEqual(engine.unitCoverage(of: target, plan: plan).map(\.facilityCount), [1, 1])
        // Nearest is never capped: a unit 50 km from any facility still gets its distance.
        let far = AdministrativeUnit(code: "410301001009", name: "远社区", level: .community, parent: "410301001",
                                     location: LonLat(112.6, 34.15))
        let farEngine = CoverageEngine(units: Self.units + [far], facilities: Self.facilities)
        let farDetail = try XCTUnwrap(farEngine.unitCoverage(of: target, plan: plan).last)
        XCTAssertEqual(farDetail.unit.code, "410301001009")
        XCTAssertEqual(try XCTUnwrap(farDetail.nearestMetres), haversineMetres(LonLat(112.6, 34.15), LonLat(112.151, 34.151)), accuracy: 1e-6)
        XCTAssertGreaterThan(farDetail.nearestMetres!, 40_000)
    }
}
