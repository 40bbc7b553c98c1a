import FacilityCoverage
import FacilityGeometry
import FacilityModel
import FacilityNetwork
import XCTest

/// Targets measured along the roads (`distance: network`): the river with one bridge, places off the roads, a
/// registry without roads, 2SFCA and siting along them, and the targets file's keys.
///
///     north bank street  ─────────────────────────────── y = 300 m      community 社区甲 at (0, 350)
///     (the Luo River)                                    │ bridge at x = 1,500 m
///     south bank street  ─────────────────────────────── y = 0          clinic at (0, −50)
final class NetworkCoverageTests: XCTestCase {
    static func at(_ x: Double, _ y: Double) -> LonLat {
        LonLat(112 + x / (111_195.08 * cos(34 * Double.pi / 180)), 34 + y / 111_195.08)
    }

    static let roads = [
        Road(id: 1, highway: "residential", name: "南滨路", points: [at(-2_000, 0), at(0, 0), at(1_500, 0)]),
        Road(id: 2, highway: "residential", name: "北滨路", points: [at(-2_000, 300), at(0, 300), at(1_500, 300)]),
        Road(id: 3, highway: "primary", name: "洛河大桥", points: [at(1_500, 0), at(1_500, 300)]),
    ]

    static let units: [AdministrativeUnit] = [
        AdministrativeUnit(code: "410300", name: "市", level: .city),
        AdministrativeUnit(code: "410301", name: "甲区", level: .district, parent: "410300"),
        AdministrativeUnit(code: "410301001", name: "甲街道", level: .township, parent: "410301"),
        AdministrativeUnit(code: "410301001001", name: "社区甲", level: .community, parent: "410301001", population: 3_000, location: at(0, 350)),
        AdministrativeUnit(code: "410301001002", name: "社区乙", level: .community, parent: "410301001", population: 2_000, location: at(300, -60)),
        // 2 km from any road.
        AdministrativeUnit(code: "410301001003", name: "社区丙", level: .community, parent: "410301001", population: 1_000, location: at(0, -2_000)),
    ]

    static let clinic = Facility(id: "c1", name: "卫生服务站", kind: .communityHealthCenter, location: at(0, -50), unit: "410301001002",
                                 beds: 10)

    static func target(_ distance: ReachDistance, within: Double = 1_000, minutes: Double? = nil) -> Target {
        var target = Target(id: "clinic-15min", title: "社区卫生服务15分钟", metric: .unitCoverage, kinds: [.communityHealthCenter],
                            units: .community, withinMetres: minutes == nil ? within : 0, goals: [2025: 1])
        target.distance = distance
        target.withinMinutes = minutes
        return target
    }

    func engine(roads: [Road]? = roads) -> CoverageEngine {
        let engine = CoverageEngine(units: Self.units, facilities: [Self.clinic])
        engine.roads = roads.map { RoadNetworks(roads: $0) }
        return engine
    }

    func testTheStraightLineSaysCoveredAndTheWalkOverTheBridgeSaysNot() throws {
        let engine = engine()
        let straight = Self.target(.straight)
        let plan = TargetPlan(plan: "测试", area: "410300", targets: [straight])
        let crow = engine.unitCoverage(of: straight, plan: plan, query: CoverageQuery(year: 2025))
        XCTAssertEqual(crow.map(\.covered), [true, true, false], "400 m as the crow flies")

        let walk = Self.target(.network(.walk))
        let walking = engine.unitCoverage(of: walk, plan: TargetPlan(plan: "测试", area: "410300", targets: [walk]), query: CoverageQuery(year: 2025))
        XCTAssertEqual(walking.map(\.covered), [false, true, false])
        let across = try XCTUnwrap(walking[0].network)
        // 50 m to the north street, 1,500 + 300 + 1,500 over the bridge, 50 m to the clinic.
        XCTAssertEqual(try XCTUnwrap(across.metres), 3_400, accuracy: 0.5)
        XCTAssertEqual(try XCTUnwrap(across.minutes), 3_400 / 75, accuracy: 0.1, "4.5 km/h is 75 m a minute")
        XCTAssertGreaterThan(try XCTUnwrap(across.metres), try XCTUnwrap(walking[0].nearestMetres))
        XCTAssertFalse(across.offNetwork)
        // Same bank: 60 m + 300 m + 50 m.
        XCTAssertEqual(try XCTUnwrap(walking[1].network?.metres), 410, accuracy: 0.5)
        XCTAssertEqual(walking[1].facilityCount, 1)
        // 2 km from the roads: off the network, never covered.
        XCTAssertEqual(walking[2].network, NetworkReach(metres: nil, minutes: nil, offNetwork: true))

        let report = engine.report(plan: TargetPlan(plan: "测试", area: "410300", targets: [walk]), query: CoverageQuery(year: 2025))
        XCTAssertEqual(report.targets[0].total.numerator, 1)
        XCTAssertEqual(report.targets[0].total.denominator, 3)
        XCTAssertEqual(report.targets[0].totalUncovered.map(\.code), ["410301001001", "410301001003"])
    }

    func testMinutesAtTheModesSpeed() throws {
        let engine = engine()
        // 15 minutes on foot is 1,125 m: the same bank only. 50 minutes reaches over the bridge (45.3).
        for (minutes, expected) in [(15.0, [false, true, false]), (50.0, [true, true, false])] {
            let target = Self.target(.network(.walk), minutes: minutes)
            let plan = TargetPlan(plan: "测试", area: "410300", targets: [target])
            XCTAssertEqual(engine.unitCoverage(of: target, plan: plan, query: CoverageQuery(year: 2025)).map(\.covered), expected, "\(minutes) min")
            XCTAssertEqual(engine.report(plan: plan, query: CoverageQuery(year: 2025)).targets[0].total.numerator,
                           Double(expected.filter { $0 }.count))
        }
        // A faster walker (a targets file's `walk_kmh`) reaches further in 15 minutes: 6 km/h is 1,500 m.
        var plan = TargetPlan(plan: "测试", area: "410300", targets: [Self.target(.network(.walk), minutes: 34)])
        XCTAssertEqual(engine.report(plan: plan, query: CoverageQuery(year: 2025)).targets[0].total.numerator, 1)
        plan.network.speeds = plan.network.speeds.overridden(by: [.walk: ["residential": 6, "primary": 6]])
        plan.network.snapKmh = 6
        XCTAssertEqual(engine.report(plan: plan, query: CoverageQuery(year: 2025)).targets[0].total.numerator, 2, "3,400 m at 100 m a minute")
    }

    func testWithoutRoadsNothingIsCoveredAndTheReportSaysWhy() throws {
        let walk = Self.target(.network(.walk))
        let plan = TargetPlan(plan: "测试", area: "410300", targets: [walk])
        for (engine, note) in [(engine(roads: nil), CoverageNote.noRoads),
                               (engine(roads: [Road(id: 1, highway: "motorway", points: [Self.at(0, 0), Self.at(900, 0)])]), .noUsableRoads(.walk))] {
            let report = engine.report(plan: plan, query: CoverageQuery(year: 2025))
            XCTAssertEqual(report.targets[0].total.reason, note)
            XCTAssertNil(report.targets[0].total.met, "not measured: neither met nor covered")
            XCTAssertTrue(engine.unitCoverage(of: walk, plan: plan, query: CoverageQuery(year: 2025)).allSatisfy { !$0.covered })
        }
    }

    func testAccessAlongTheRoads() throws {
        // 2SFCA within 1 km: along the roads the clinic's 10 beds reach 社区乙 only (2,000 people: 5 per 1,000); as the
        // crow flies they are shared with 社区甲 too (5,000 people: 2 per 1,000).
        var access = Target(id: "beds", title: "床位可达", metric: .access, kinds: [.communityHealthCenter], units: .community,
                            withinMetres: 1_000, field: .beds, per: 1_000, goals: [2025: 3])
        let engine = engine()
        let straight = engine.unitAccess(of: access, plan: TargetPlan(plan: "测试", area: nil, targets: [access]), query: CoverageQuery(year: 2025))
        XCTAssertEqual(straight.map(\.access), [2, 2, 0])
        access.distance = .network(.walk)
        let along = engine.unitAccess(of: access, plan: TargetPlan(plan: "测试", area: nil, targets: [access]), query: CoverageQuery(year: 2025))
        XCTAssertEqual(along.map(\.access), [0, 5, 0])
    }

    func testSitingCoversUnitsAlongTheRoads() throws {
        // Nothing yet; candidates at the units' points. Along the roads 社区甲 and 社区乙 are 3 km apart, so covering
        // both takes two sites (社区丙, off the network, can be covered by none).
        let units = Self.units.filter { $0.code != "410301001003" }
        let engine = CoverageEngine(units: units, facilities: [])
        engine.roads = RoadNetworks(roads: Self.roads)
        var target = Self.target(.network(.walk))
        target.goals = [2025: 1]
        let report = try engine.suggest(target: target, plan: TargetPlan(plan: "测试", area: "410300", targets: [target]),
                                        query: CoverageQuery(year: 2025, by: .district), candidates: .units)
        XCTAssertEqual(report.areas[0].proposals.count, 2)
        target.distance = .straight
        let crow = try engine.suggest(target: target, plan: TargetPlan(plan: "测试", area: "410300", targets: [target]),
                                      query: CoverageQuery(year: 2025, by: .district), candidates: .units)
        XCTAssertEqual(crow.areas[0].proposals.count, 1, "as the crow flies one site covers both")
    }

    func testServiceAreasFollowTheRoadsNotTheRiver() throws {
        let engine = engine()
        let walk = Self.target(.network(.walk))
        let plan = TargetPlan(plan: "测试", area: "410300", targets: [walk])
        let areas = try engine.serviceAreas(of: walk, plan: plan, query: CoverageQuery(year: 2025))
        XCTAssertEqual(areas.count, 1)
        let area = areas[0]
        XCTAssertEqual(area.facility, 0)
        XCTAssertFalse(area.offNetwork)
        // 1,000 m less the 50 m to the street, both ways along the south street; nothing over the river.
        XCTAssertEqual(area.roadMetres, 1_900, accuracy: 1)
        let points = area.roads.joined()
        XCTAssertTrue(points.allSatisfy { $0.lat < Self.at(0, 150).lat }, "the north bank is 3 km away on foot")
        XCTAssertEqual(points.map(\.lon).min()!, Self.at(-950, 0).lon, accuracy: 1e-6)
        XCTAssertEqual(points.map(\.lon).max()!, Self.at(950, 0).lon, accuracy: 1e-6)
        // Per kind: the same roads.
        let merged = try engine.serviceAreas(of: walk, plan: plan, query: CoverageQuery(year: 2025), merged: true)
        XCTAssertEqual(merged.map(\.kind), [.communityHealthCenter])
        XCTAssertEqual(merged[0].roadMetres, 1_900, accuracy: 1)
        // As the crow flies there are no roads to draw.
        XCTAssertThrowsError(try engine.serviceAreas(of: Self.target(.straight), plan: plan)) { error in
            XCTAssertEqual(error as? NetworkError, .notAlongRoads("clinic-15min"))
        }
    }

    func testTargetsFileReadsNetworkKeys() throws {
        let yaml = """
        plan: 测试
        network:
          max_snap_m: 300
          walk_kmh: 4
          speeds:
            drive: { primary: 50, track: 0 }
        targets:
          - id: clinic-15
            metric: unit_coverage
            kinds: [community_health_center]
            units: community
            distance: network
            within_min: 15
            goals: { 2025: 1 }
          - id: school-drive
            metric: unit_coverage
            kinds: [primary_school]
            units: village
            distance: network
            mode: drive
            within_m: 5000
            goals: { 2025: 0.9 }
        """
        let plan = try TargetPlan(yaml: yaml, file: "t.yaml")
        XCTAssertEqual(plan.targets[0].distance, .network(.walk))
        XCTAssertEqual(plan.targets[0].withinMinutes, 15)
        XCTAssertEqual(plan.targets[1].distance, .network(.drive))
        XCTAssertEqual(plan.targets[1].withinMetres, 5_000)
        XCTAssertEqual(plan.network.maxSnapMetres, 300)
        XCTAssertEqual(plan.network.snapKmh, 4)
        XCTAssertEqual(plan.network.speeds.speed(of: "footway", for: .walk), 4)
        XCTAssertEqual(plan.network.speeds.speed(of: "primary", for: .drive), 50)
        XCTAssertNil(plan.network.speeds.speed(of: "track", for: .drive))
        XCTAssertTrue(plan.usesNetwork)

        func refusal(_ target: String) -> String {
            let text = "plan: p\ntargets:\n  - id: t\n    metric: unit_coverage\n    kinds: [village_clinic]\n    units: village\n    goals: {2025: 1}\n" + target
            do { _ = try TargetPlan(yaml: text, file: "t.yaml"); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal("    distance: network\n").contains("needs `within_m`"), refusal("    distance: network\n"))
        XCTAssertTrue(refusal("    within_min: 15\n").contains("go with `distance: network`"))
        XCTAssertTrue(refusal("    distance: network\n    mode: bike\n    within_m: 10\n").contains("unknown mode bike"))
        XCTAssertTrue(refusal("    distance: network\n    within_m: 10\n    within_min: 5\n").contains("not both"))
        XCTAssertTrue(refusal("    distance: roads\n").contains("unknown distance roads"))
    }
}
