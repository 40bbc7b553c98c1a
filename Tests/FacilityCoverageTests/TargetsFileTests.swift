@testable import FacilityCoverage
import FacilityModel
import XCTest

final class TargetsFileTests: XCTestCase {
    func testTheBuiltInLuoyangTargetsParse() {
        let plan = TargetPlan.luoyang2022
        XCTAssertEqual(plan.plan, "幸福洛阳建设行动计划")
        XCTAssertEqual(plan.area, "410300")
        XCTAssertEqual(plan.latestGoalYear, 2025)
        let beds = plan.targets.first { $0.id == "beds-per-1000" }
        XCTAssertEqual(beds?.metric, .perPopulation)
        XCTAssertEqual(beds?.field, .beds)
        XCTAssertEqual(beds?.per, 1000)
        XCTAssertEqual(beds?.goals, [2023: 9.9, 2025: 10.5])
        let community = plan.targets.first { $0.id == "community-elderly-care" }
        XCTAssertEqual(community?.units, .community)
        XCTAssertEqual(community?.kinds, [.communityElderlyCenter, .neighborhoodElderlyStation, .streetElderlyCenter])
        let vocational = plan.targets.first { $0.id == "vocational-school-per-county" }
        XCTAssertEqual(vocational?.perArea, .district)
        XCTAssertEqual(vocational?.min, 1)
    }

    func testTheBuiltInTargetsAreTheShippedFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GeoData/targets/luoyang-2022.yaml")
        XCTAssertEqual(try TargetPlan(path: file.path), TargetPlan.luoyang2022)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), TargetPlan.luoyang2022YAML)
    }

    func refusal(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> TargetsError? {
        do {
            _ = try TargetPlan(yaml: yaml, file: "t.yaml")
            XCTFail("accepted", file: file, line: line)
            return nil
        } catch let error as TargetsError {
            XCTAssertTrue(error.description.hasPrefix("t.yaml: "), error.description, file: file, line: line)
            return error
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    func target(_ body: String) -> String {
        "plan: p\ntargets:\n  - id: t1\n" + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
    }

    func testUnknownMetricKindLevelAndFieldAreRefusedNamingTheTarget() {
        let metric = refusal(target("metric: ratio\nkinds: [hospital]\ngoals: {2025: 1}"))
        XCTAssertEqual(metric?.target, "t1")
        XCTAssertTrue(metric?.message.contains("unknown metric ratio") == true, metric?.message ?? "")
        let kind = refusal(target("metric: count\nkinds: [hospital, spaceport]\ngoals: {2025: 1}"))
        XCTAssertTrue(kind?.message.contains("unknown kind spaceport") == true, kind?.message ?? "")
        let level = refusal(target("metric: unit_coverage\nunits: province\nkinds: [hospital]\ngoals: {2025: 1}"))
        XCTAssertTrue(level?.message.contains("unknown level province") == true, level?.message ?? "")
        let field = refusal(target("metric: per_population\nkinds: [hospital]\nfield: nurses\nper: 1000\ngoals: {2025: 1}"))
        XCTAssertTrue(field?.message.contains("unknown field nurses") == true, field?.message ?? "")
    }

    func testAGoalThatIsNotANumberIsRefused() {
        let error = refusal(target("metric: count\nkinds: [hospital]\ngoals: {2025: many}"))
        XCTAssertEqual(error?.description, "t.yaml: target t1: the goal for 2025 is many, not a number — write e.g. 2025: 0.87")
    }

    func testUnknownKeysAreRefusedByName() {
        let error = refusal(target("metric: count\nkinds: [hospital]\ngoal: {2025: 1}"))
        XCTAssertTrue(error?.message.contains("unknown key `goal`") == true, error?.message ?? "")
        let top = refusal("plan: p\nowner: me\ntargets: []\n")
        XCTAssertTrue(top?.message.contains("unknown key `owner`") == true, top?.message ?? "")
    }

    func testMissingPiecesAreNamed() {
        XCTAssertTrue(refusal(target("metric: unit_coverage\nkinds: [hospital]\ngoals: {2025: 1}"))?.message.contains("needs `units`") == true)
        XCTAssertTrue(refusal(target("metric: per_population\nkinds: [hospital]\nfield: beds\ngoals: {2025: 1}"))?.message.contains("needs `per`") == true)
        XCTAssertTrue(refusal(target("metric: share\nkinds: [kindergarten]\ngoals: {2025: 1}"))?.message.contains("needs `where`") == true)
        XCTAssertTrue(refusal(target("metric: count\nkinds: [hospital]"))?.message.contains("`goals` is missing") == true)
        XCTAssertTrue(refusal(target("metric: unit_coverage\nunits: village\nkinds: [village_clinic]\ngoals: {2025: 50}"))?
            .message.contains("share from 0 to 1") == true)
    }

    func testAnchorsAndAliasesAreRefused() {
        let bomb = """
            plan: p
            a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            targets: [*c]
            """
        XCTAssertNotNil(refusal(bomb))
        let alias = refusal("plan: p\ntargets:\n  - &t {id: t1, metric: count, kinds: [hospital], goals: {2025: 1}}\n  - *t\n")
        XCTAssertTrue(alias?.message.contains("anchors and aliases") == true, alias?.message ?? "")
    }

    func testWrongTypesAndBrokenYAMLAreRefused() {
        XCTAssertTrue(refusal("plan: p\ntargets: {a: 1}\n")?.message.contains("must be a list") == true)
        XCTAssertTrue(refusal(target("metric: count\nkinds: {a: b}\ngoals: {2025: 1}"))?.message.contains("kinds") == true)
        XCTAssertTrue(refusal("plan: [p\n")?.message.contains("not valid YAML") == true)
        XCTAssertTrue(refusal("")?.message.contains("empty") == true)
        let duplicate = refusal("plan: p\ntargets:\n  - {id: t1, metric: count, kinds: [hospital], goals: {2025: 1}}\n  - {id: t1, metric: count, kinds: [hospital], goals: {2025: 1}}\n")
        XCTAssertTrue(duplicate?.message.contains("used twice") == true)
    }
}

final class AnchorScanTests: XCTestCase {
    func testAnchorsAndAliasesAreFoundOnlyWhereANodeStarts() throws {
        let plan = try XCTUnwrap(try? String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("GeoData/targets/luoyang-2022.yaml"),
            encoding: .utf8))
        XCTAssertNil(anchorOrAliasLine(plan))
        XCTAssertNil(anchorOrAliasLine("title: \"A & B *\"\nnote: R&D*2  # &comment *x\nlist: ['&a', \"*b\"]\n"))
        XCTAssertEqual(anchorOrAliasLine("a: 1\nb: &x 2\n"), 2)
        XCTAssertEqual(anchorOrAliasLine("a:\n  - *x\n"), 2)
        XCTAssertEqual(anchorOrAliasLine("a: [1, *x]\n"), 1)
        XCTAssertEqual(anchorOrAliasLine("a: {k: *x}\n"), 1)
        XCTAssertEqual(anchorOrAliasLine("&top\na: 1\n"), 1)
    }
}

extension TargetsFileTests {
    func testTheLifeCirclesFileAndAccessTargetsParseAndTheirMistakesAreNamed() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GeoData/targets/gb50180-life-circles.yaml")
        let circles = try TargetPlan(path: file.path)
        XCTAssertEqual(circles.targets.map(\.withinMetres), [1000, 1000, 500, 300, 300, 300, 1000, 1000, 500, 300, 300, 300])
        XCTAssertEqual(circles.targets.map(\.distance), [ReachDistance](repeating: .straight, count: 6) + [ReachDistance](repeating: .network(.walk), count: 6))
        XCTAssertTrue(circles.targets.allSatisfy { $0.weight == .population && $0.units == .community && $0.metric == .unitCoverage })

        let access = try TargetPlan(yaml: """
            plan: p
            targets:
              - {id: a, metric: access, kinds: [hospital], field: beds, per: 1000, within_m: 5000, decay: gaussian, sigma_m: 2000, goals: {2025: 6}}
            """, file: "t.yaml")
        XCTAssertEqual(access.targets[0].metric, .access)
        XCTAssertEqual(access.targets[0].decay, .gaussian(sigmaMetres: 2000))
        func refused(_ target: String) -> String {
            refusal("plan: p\ntargets:\n  - {id: a, kinds: [hospital], goals: {2025: 1}, \(target)}\n")?.description ?? ""
        }
        XCTAssertTrue(refused("metric: access, field: beds, per: 1000").contains("access needs `within_m`"))
        XCTAssertTrue(refused("metric: access, per: 1000, within_m: 100").contains("access needs `field`"))
        XCTAssertTrue(refused("metric: access, field: beds, per: 1000, within_m: 100, decay: gaussian").contains("needs `sigma_m`"))
        XCTAssertTrue(refused("metric: access, field: beds, per: 1000, within_m: 100, decay: cubic").contains("unknown decay cubic"))
        XCTAssertTrue(refused("metric: unit_coverage, units: village, weight: people").contains("unknown weight people"))
        XCTAssertTrue(refused("metric: count, weight: population").contains("`weight` applies to unit_coverage targets only"))
    }
}
