import FacilityMapKit
import Foundation
import PostgresSupport
import XCTest

/// `facilitymap migrate` against a real PostgreSQL 15 + PostGIS 3 (`FACILITYMAP_TEST_POSTGRES`, which `.ci/run`
/// sets; else `Scripts/postgres start`), on the Luoyang demo with history and a token.
final class MigrateCLITests: DemoStoreTestCase {
    var database: TestDatabase?

    func freshDatabase() throws -> String {
        let database = try TestDatabase()
        self.database = database
        return database.url
    }

    override func tearDownWithError() throws {
        database?.drop()
        try super.tearDownWithError()
    }

    /// Every table of a store, row for row, as text.
    func dump(_ path: String) throws -> [String: [[String?]]] {
        let store = try SQLiteStore(path: path)
        defer { store.close() }
        var out: [String: [[String?]]] = [:]
        for table in RegistryTable.all { try store.forEachRow(of: table) { out[table.name, default: []].append($0) } }
        return out
    }

    /// The first row where two copies of a table differ, shortened (nil when they are equal).
    func firstDifference(_ a: [[String?]], _ b: [[String?]]) -> String? {
        if a.count != b.count { return "\(a.count) rows against \(b.count)" }
        for (x, y) in zip(a, b) where x != y {
            let show = { (row: [String?]) in row.map { String(($0 ?? "NULL").prefix(60)) }.joined(separator: " | ") }
            return "\(show(x))\n  against\n\(show(y))"
        }
        return nil
    }

    func testARegistryGoesToPostGISAndBackWithoutLoss() throws {
        let url = try freshDatabase()
        // History: the health file again, as WGS-84 this time (3,084 facilities move); a token.
        let health = CLITests.repository.appendingPathComponent("GeoData/luoyang/facilities-health.csv").path
        XCTAssertEqual(try run(["import", "facilities", health, "--no-check"]).status, 0)
        XCTAssertEqual(try run(["token", "add", "--name", "西工区卫健委", "--kinds", "hospital", "--in", "410303"]).status, 0)
        // Roads (#27): lines, Chinese names, a way in two pieces.
        let roads = CLITests.repository.appendingPathComponent("Tests/FacilityMapKitTests/Fixtures/roads.osm").path
        XCTAssertEqual(try run(["import", "roads", roads]).status, 0)
        let original = try dump(store)
        XCTAssertEqual(original["roads"]?.count, 5)
        XCTAssertEqual(original["facility_history"]?.count, 3084)
        XCTAssertEqual(original["tokens"]?.count, 1)

        let there = try run(["migrate", "--from", store, "--to", url])
        XCTAssertEqual(there.status, 0, there.stderr)
        XCTAssertTrue(there.stdout.contains("facilities: 7700 rows") && there.stdout.contains("facility_history: 3084 rows"), there.stdout)
        XCTAssertTrue(there.stdout.contains("roads: 5 rows"), there.stdout)
        // In PostGIS: the same rows, geometries with SRID 4326 under GiST indexes.
        let postgis = try PostGISStore(url: url)
        XCTAssertEqual(try postgis.schemaVersion(), 7)
        for table in RegistryTable.all {
            var rows: [[String?]] = []
            try postgis.forEachRow(of: table) { rows.append($0) }
            XCTAssertNil(firstDifference(rows, original[table.name] ?? []), table.name)
        }
        let srid = try postgis.connection.query("SELECT DISTINCT ST_SRID(boundary) FROM units WHERE boundary IS NOT NULL")
        XCTAssertEqual(srid, [["4326"]])
        let gist = try postgis.connection.query("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
        XCTAssertEqual(gist, [["4"]])
        XCTAssertEqual(try postgis.roadCount(), 5)
        let names = try postgis.connection.query("SELECT name FROM facilities WHERE id = $1", ["LY-HLT-000001"])
        XCTAssertEqual(names.first?.first??.isEmpty, false)

        // Back into a new SQLite store: every table the same, and the commands answer the same.
        let back = folder.appendingPathComponent("back.sqlite").path
        let home = try run(["migrate", "--from", url, "--to", back])
        XCTAssertEqual(home.status, 0, home.stderr)
        let returned = try dump(back)
        // Its spatial indexes packed and sound.
        let backStore = try SQLiteStore(path: back)
        try backStore.write { writer in
            XCTAssertEqual(try writer.checkIndexes(of: .facilities), "ok")
            XCTAssertEqual(try writer.checkIndexes(of: .units), "ok")
        }
        backStore.close()
        for table in RegistryTable.all {
            XCTAssertNil(firstDifference(returned[table.name] ?? [], original[table.name] ?? []), table.name)
        }
        for arguments in [["coverage", "--year", "2025", "--format", "json"], ["history", "LY-HLT-000001"], ["stats"], ["token", "list"],
                          ["list", "facilities", "--in", "410303"]] {
            let a = try run(arguments), b = try run(arguments + ["--store", back])
            XCTAssertEqual(a.stdout, b.stdout, arguments.joined(separator: " "))
        }

        // Refusals, with nothing written.
        let again = try run(["migrate", "--from", store, "--to", url])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("its units table is not empty"), again.stderr)
        let exists = try run(["migrate", "--from", url, "--to", back])
        XCTAssertEqual(exists.status, 1)
        XCTAssertTrue(exists.stderr.contains("exists already"), exists.stderr)
        let files = try run(["migrate", "--from", store, "--to", "other.sqlite"])
        XCTAssertEqual(files.status, 2, "a usage error")
        XCTAssertTrue(files.stderr.contains("one of --from and --to must be a postgresql:// address"), files.stderr)
        let nowhere = try run(["migrate", "--from", store, "--to", "postgresql://postgres@127.0.0.1:1/none"])
        XCTAssertEqual(nowhere.status, 1)
        XCTAssertTrue(nowhere.stderr.contains("cannot connect"), nowhere.stderr)
    }
}
