import Foundation
import XCTest

/// A store edited by other means into a parent cycle: every command still ends, and `check` reports it.
final class ParentCycleCLITests: DemoStoreTestCase {
    func testAStoreWhoseUnitIsItsOwnAncestorIsReportedByCheckAndCrashesNoCommand() throws {
        // 瀍河回族区 (410304) under one of its own townships, as an edit with another SQLite client would leave it.
        let township = try XCTUnwrap(try run(["list", "units", "--level", "township", "--in", "410304", "--format", "csv"])
            .stdout.split(separator: "\n").dropFirst().first?.split(separator: ",").first.map(String.init))
        let sql = "UPDATE units SET parent = '\(township)' WHERE code = '410304'"
        _ = try CLITests.tool(["/usr/bin/python3"], ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", store, sql],
                                     missing: "python3 with sqlite3")
        let check = try run(["check", "--format", "csv"])
        XCTAssertEqual(check.status, 1, check.stderr)
        XCTAssertTrue(check.stdout.contains("parent-cycle"), check.stdout)
        XCTAssertTrue(check.stdout.contains("410304 → \(township) → 410304") || check.stdout.contains("\(township) → 410304 → \(township)"),
                      check.stdout)
        for command in [["coverage", "--year", "2025"], ["suggest", "--year", "2025"], ["stats"], ["list", "units", "--in", "410304"],
                        ["export", "geojson", "--layer", "units", "--out", "u.geojson"], ["coverage", "--by", "township"]] {
            let result = try run(command)
            XCTAssertTrue(result.status == 0 || result.status == 1, "\(command): \(result.status) \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("Fatal error"), "\(command): \(result.stderr)")
        }
        // A facilities import into that tree goes in; its check is of what it changed (the units' cycle is `check`'s).
        let csv = folder.appendingPathComponent("one.csv").path
        try "id,name,kind,lon,lat,unit,beds\nCYCLE-1,医院,hospital,112.49,34.68,410304,10\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try run(["import", "facilities", csv])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(imported.stdout, "imported 1 row: 1 new, 0 updated, 0 unchanged, 0 rejected\ncheck of what this import changed: no findings\n")
        XCTAssertTrue(try run(["check"]).stdout.contains("parent-cycle"))
    }
}
