import FacilityMapKit
import Foundation
import XCTest

/// `facilitymap check` through the binary: the sample's `checks/` records, a GCJ-02 file imported as WGS-84, a clean
/// registry, the filters and the exit statuses.
final class CheckCLITests: XCTestCase {
    var folder: URL!
    var store: String { folder.appendingPathComponent("s.sqlite").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) throws -> CLITests.Result {
        try CLITests.run(arguments, in: folder, environment: ["FACILITYMAP_STORE": store])
    }

    func sample(_ name: String) -> String { CLITests.repository.appendingPathComponent("GeoData/luoyang/\(name)").path }

    /// `check --format json`'s findings as (rule, id) pairs, and its exit status.
    func findings(_ extra: [String] = []) throws -> (pairs: [String], status: Int32, json: [[String: Any]]) {
        let result = try run(["check", "--format", "json"] + extra)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
        let list = try XCTUnwrap(object["findings"] as? [[String: Any]])
        return (list.map { "\($0["rule"] as! String) \($0["id"] as! String)" }, result.status, list)
    }

    func testTheSampleChecksFilesShowEveryRuleAndTheFiltersAndExitStatuses() throws {
        for file in ["districts.geojson", "units.csv"] { XCTAssertEqual(try run(["import", "units", sample(file)]).status, 0) }
        XCTAssertEqual(try run(["import", "facilities", sample("facilities-education.csv")]).status, 0)
        XCTAssertEqual(try run(["import", "facilities", sample("facilities-health.csv"), "--crs", "gcj02"]).status, 0)
        let elderly = try run(["import", "facilities", sample("facilities-elderly-care.csv")])
        // What the import changed has no findings; the townships' missing populations are the units' (`check` lists them).
        XCTAssertTrue(elderly.stdout.hasSuffix("check of what this import changed: no findings\n"), elderly.stdout)
        // The sample alone: townships without people (warnings): exit 1 by default, 0 with --fail-on error.
        let plain = try findings()
        XCTAssertEqual(Set(plain.pairs.map { String($0.prefix { $0 != " " }) }), ["population"])
        XCTAssertEqual(plain.status, 1)
        XCTAssertEqual(try findings(["--fail-on", "error"]).status, 0)

        let units = try run(["import", "units", sample("checks/units-submission.csv")])
        XCTAssertEqual(units.status, 0, units.stderr)
        let facilities = try run(["import", "facilities", sample("checks/facilities-submission.csv")])
        XCTAssertEqual(facilities.status, 1, "the row closed before it opened is rejected by the importer")
        XCTAssertTrue(facilities.stderr.contains("facilities-submission.csv:7: closed: 2015-03-01 is before the opening date 2019-05-01"), facilities.stderr)
        XCTAssertTrue(units.stdout.contains("check: 2 errors, 23 warnings (population 24, unit-code 1)"), units.stdout)
        // The facilities' check: the rows it wrote, with the stored facilities beside them (both duplicates pair a new
        // row with one stored by an earlier import); the units' findings are not this import's.
        XCTAssertTrue(facilities.stdout.contains("check of what this import changed: 0 errors, 6 warnings (duplicate 2, unknown-unit 1, outside-unit 1, capacity 2)"),
                      facilities.stdout)
        let all = try findings()
        let shown = all.pairs.filter { !$0.hasPrefix("population 4103") || $0.hasPrefix("population 410302001") }
        XCTAssertEqual(shown, [
            "population 410302001", "unit-code 410302001150",
            "duplicate LY-EDU-000001", "duplicate LY-ELD-000467", "unknown-unit SUB-0007", "outside-unit SUB-0003",
            "capacity SUB-0004", "capacity SUB-0005", "population 410302001198",
        ])
        let duplicate = try XCTUnwrap(all.json.first { $0["id"] as? String == "LY-EDU-000001" })
        XCTAssertEqual(duplicate["other"] as? String, "SUB-0001")
        XCTAssertEqual(duplicate["severity"] as? String, "warning")
        XCTAssertEqual(try findings(["--fail-on", "error"]).status, 1, "errors now")

        // Filters: one kind (no unit rules), one county's subtree.
        XCTAssertEqual(try findings(["--kind", "幼儿园"]).pairs, ["duplicate LY-EDU-000001", "capacity SUB-0005"])
        XCTAssertEqual(try findings(["--in", "410326"]).pairs, ["capacity SUB-0004", "population 410326400"])
        let unknown = try run(["check", "--in", "999999"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("--in 999999: no such unit in the store"), unknown.stderr)
        XCTAssertEqual(try run(["check", "--kind", "castle"]).status, 2)

        // Table and CSV: one finding per line, with what to do.
        let table = try run(["check", "--in", "410326"])
        XCTAssertTrue(table.stdout.contains("capacity    SUB-0004") && table.stdout.contains("a village clinic keeps a few observation beds"), table.stdout)
        XCTAssertTrue(table.stdout.hasSuffix("0 errors, 2 warnings (capacity 1, population 1)\n"), table.stdout)
        let csv = try run(["check", "--in", "410326", "--format", "csv"])
        XCTAssertEqual(csv.stdout.split(separator: "\n").first, "\u{FEFF}severity,rule,subject,id,name,problem,action,other")
        XCTAssertEqual(csv.stdout.split(separator: "\n").count, 3)
    }

    func testAGCJ02FileImportedAsWGS84IsFoundAndTheSuggestedReimportClearsIt() throws {
        XCTAssertEqual(try run(["import", "units", sample("districts.geojson")]).status, 0)
        XCTAssertEqual(try run(["import", "units", sample("units.csv")]).status, 0)
        let health = sample("facilities-health.csv")
        let wrong = try run(["import", "facilities", health])
        XCTAssertTrue(wrong.stdout.contains("check of what this import changed: 1 error, 0 warnings (gcj02-offset 1)"), wrong.stdout)
        // The error is the file's own: the import exits 1 and says how to import it again; its rows stay stored.
        XCTAssertEqual(wrong.status, 1, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("error: gcj02-offset: \(health): 3084 facilities lie on median"), wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("the rows are stored; if the file's points come from a Chinese web map, import it again as GCJ-02: facilitymap import facilities \(health) --crs gcj02"), wrong.stderr)
        XCTAssertTrue(wrong.stdout.contains("imported 3084 rows: 3084 new"), wrong.stdout)
        let found = try findings(["--fail-on", "error"])
        XCTAssertEqual(found.status, 1)
        let offset = try XCTUnwrap(found.json.first { $0["rule"] as? String == "gcj02-offset" })
        XCTAssertEqual(offset["id"] as? String, health)
        XCTAssertEqual(offset["subject"] as? String, "source")
        XCTAssertTrue((offset["problem"] as? String ?? "").contains("3084 facilities lie on median"), "\(offset)")
        let action = try XCTUnwrap(offset["action"] as? String)
        XCTAssertTrue(action.contains("facilitymap import facilities \(health) --crs gcj02"), action)
        // The re-import it names, then nothing.
        let again = try run(["import", "facilities", health, "--crs", "gcj02"])
        XCTAssertTrue(again.stdout.contains("0 new, 3084 updated"), again.stdout)
        XCTAssertTrue(again.stdout.hasSuffix("check of what this import changed: no findings\n"), again.stdout)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try findings(["--fail-on", "error"]).status, 0)
        XCTAssertFalse(try findings().pairs.contains { $0.hasPrefix("gcj02-offset") })
    }

    func testACleanRegistryHasNoFindingsAndExitsZero() throws {
        try """
            code,name,level,parent,population,lon,lat
            410300,洛阳市,city,,5000,,
            410302,老城区,district,410300,,112.43,34.73
            410302001,西关街道,township,410302,,112.43,34.73
            410302001002,周公庙社区居民委员会,community,410302001,3000,112.44,34.74
            410302001201,东村村民委员会,village,410302001,2000,112.46,34.75

            """.write(to: folder.appendingPathComponent("units.csv"), atomically: true, encoding: .utf8)
        try """
            id,name,kind,lon,lat,unit,beds,places,opened,closed
            K1,周公庙社区幼儿园,kindergarten,112.441,34.741,410302001002,,120,2010,
            C1,东村卫生室,village_clinic,112.461,34.751,410302001201,2,,2012-05-01,
            H1,老城区人民医院,hospital,112.431,34.731,410302001,300,,2001-03-01,2024-01-01

            """.write(to: folder.appendingPathComponent("facilities.csv"), atomically: true, encoding: .utf8)
        let units = try run(["import", "units", "units.csv"])
        XCTAssertEqual(units.stdout, "imported 5 rows: 5 new, 0 updated, 0 unchanged, 0 rejected\ncheck: no findings\n", units.stderr)
        let facilities = try run(["import", "facilities", "facilities.csv"])
        XCTAssertEqual(facilities.stdout, "imported 3 rows: 3 new, 0 updated, 0 unchanged, 0 rejected\ncheck of what this import changed: no findings\n")
        let check = try run(["check"])
        XCTAssertEqual(check.status, 0)
        XCTAssertEqual(check.stdout, "no findings\n")
        let skipped = try run(["import", "facilities", "facilities.csv", "--no-check"])
        XCTAssertFalse(skipped.stdout.contains("check:"), skipped.stdout)
    }
}
