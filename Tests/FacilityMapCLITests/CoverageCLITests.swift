import FacilityMapKit
import Foundation
import XCTest

extension CLITests {
    func testCoverageJSONHasEveryTargetAreaAndTheTotalWithNumbers() throws {
        try importLuoyang()
        let result = try run(["coverage", "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["plan"] as? String, "幸福洛阳建设行动计划")
        XCTAssertEqual(report["year"] as? Int, 2025)
        XCTAssertEqual(report["as_of"] as? String, "2025-12-31")
        XCTAssertEqual(report["by"] as? String, "district")
        let targets = try XCTUnwrap(report["targets"] as? [[String: Any]])
        XCTAssertEqual(targets.map { $0["id"] as? String }, TargetPlan.luoyang2022.targets.map(\.id))
        let beds = try XCTUnwrap(targets.first { $0["id"] as? String == "beds-per-1000" })
        XCTAssertEqual(beds["title"] as? String, "每千人口医疗卫生机构床位数")
        XCTAssertEqual(beds["goal"] as? Double, 10.5)
        let areas = try XCTUnwrap(beds["areas"] as? [[String: Any]])
        XCTAssertEqual(areas.count, 14)
        XCTAssertEqual(areas.map { $0["code"] as? String }, areas.map { $0["code"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") })
        // The fixture has no populations: every area says so instead of dividing by zero.
        XCTAssertEqual(areas[0]["note"] as? String, "no population")
        XCTAssertTrue(areas[0]["actual"] is NSNull)
        XCTAssertEqual(areas[0]["numerator"] as? Double, 1200)
        let total = try XCTUnwrap(beds["total"] as? [String: Any])
        XCTAssertEqual(total["code"] as? String, "410300")
        XCTAssertEqual(total["numerator"] as? Double, 1200 + 800 + 40 + 60)
        let vocational = try XCTUnwrap(targets.first { $0["id"] as? String == "vocational-school-per-county" })
        let vocationalTotal = try XCTUnwrap(vocational["total"] as? [String: Any])
        XCTAssertEqual(vocationalTotal["numerator"] as? Double, 1, "新安县 has the one vocational school")
        XCTAssertEqual(vocationalTotal["denominator"] as? Double, 14)
        XCTAssertEqual(vocationalTotal["shortfall"] as? Double, 13)
        XCTAssertEqual(vocationalTotal["met"] as? Bool, false)
    }

    func testCoverageYearAsOfCheckAndRefusals() throws {
        try importLuoyang()
        let y2023 = try run(["coverage", "--year", "2023", "--format", "csv", "--target", "street-elderly-centers"])
        XCTAssertEqual(y2023.status, 0, y2023.stderr)
        let lines = y2023.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 14 + 1)
        XCTAssertTrue(lines.last!.hasPrefix("street-elderly-centers,街道综合养老服务中心,count,2023,2023-12-31,410300,洛阳市,true,1,,1,58,false,57,"),
                      String(lines.last!))
        let table = try run(["coverage", "--as-of", "2023-06-30", "--target", "street-elderly-centers"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("goals of 2023, facilities counted on 2023-06-30"), table.stdout)
        XCTAssertTrue(table.stdout.contains("洛阳市 (total)"), table.stdout)

        XCTAssertEqual(try run(["coverage", "--check"]).status, 3)
        XCTAssertEqual(try run(["coverage", "--by", "village"]).status, 2)
        XCTAssertEqual(try run(["coverage", "--as-of", "2023-13-01"]).status, 2)
        XCTAssertEqual(try run(["coverage", "--target", "no-such-target"]).status, 2)

        let bad = folder.appendingPathComponent("bad.yaml")
        try Data("plan: p\ntargets:\n  - id: beds\n    metric: per_population\n    kinds: [hospital]\n    field: nurses\n    per: 1000\n    goals: {2025: 1}\n".utf8)
            .write(to: bad)
        let refused = try run(["coverage", "--targets", bad.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("\(bad.path): target beds: unknown field nurses"), refused.stderr)
    }
}
