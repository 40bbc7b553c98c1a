import FacilityMapKit
@testable import FacilityStore
import Foundation
import XCTest

/// Crashes, concurrent use and hostile input, through the real binary (docs/reliability.md lists each case).
final class ReliabilityTests: XCTestCase {
    var folder: URL!
    var store: String { folder.appendingPathComponent("store.sqlite").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func process(_ arguments: [String], environment extra: [String: String] = [:], shell: String? = nil) -> Process {
        let process = Process()
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell + " \"$0\" \"$@\"", CLITests.binary.path] + arguments
        } else {
            process.executableURL = CLITests.binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["FACILITYMAP_STORE"] = store
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        return process
    }

    struct Outcome { let status: Int32; let stdout: String; let stderr: String }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], shell: String? = nil) throws -> Outcome {
        let p = process(arguments, environment: environment, shell: shell)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func repo(_ path: String) -> String { CLITests.repository.appendingPathComponent(path).path }

    /// A facilities CSV of `count` rows inside 涧西区, ids prefixed by `prefix`.
    func facilitiesFile(_ name: String, count: Int, prefix: String) throws -> String {
        var text = "id,name,kind,lon,lat,beds\n"
        text.reserveCapacity(count * 48)
        for i in 0..<count {
            text += "\(prefix)\(i),设施\(i),hospital,\(112.30 + Double(i % 1000) * 0.00005),\(34.60 + Double(i / 1000 % 100) * 0.0003),\(i % 50)\n"
        }
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The store's content, as a value to compare before and after.
    func snapshot() throws -> (facilities: [Facility], units: [AdministrativeUnit], log: [ImportRecord], integrity: String, index: String) {
        let s = try SQLiteStore(path: store)
        defer { s.close() }
        var facilities: [Facility] = []
        try s.forEachFacility { facilities.append($0) }
        let index = try s.write { try $0.checkFacilityIndex() }
        return (facilities, try s.units(), try s.importLog(), try s.integrityCheck(), index)
    }

    func seedStore() throws {
        XCTAssertEqual(try run(["import", "units", repo("GeoData/luoyang/districts.geojson")]).status, 0)
        XCTAssertEqual(try run(["import", "facilities", repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv")]).status, 0)
    }

    /// Starts `arguments`, waits until it has run `seconds` (or printed that it paused), then SIGKILLs it.
    func kill(_ arguments: [String], after seconds: Double? = nil, pausedAt point: String? = nil) throws {
        var environment: [String: String] = [:]
        if let point { environment = ["FACILITYMAP_TEST_PAUSE_AT": point, "FACILITYMAP_TEST_PAUSE_SECONDS": "60"] }
        let p = process(arguments, environment: environment)
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        if let point {
            var seen = Data()
            let deadline = Date().addingTimeInterval(120)
            while !String(decoding: seen, as: UTF8.self).contains("paused at \(point)") && Date() < deadline && p.isRunning {
                seen += err.fileHandleForReading.availableData
            }
            XCTAssertTrue(String(decoding: seen, as: UTF8.self).contains("paused at \(point)"), "the process reached \(point)")
        } else if let seconds {
            Thread.sleep(forTimeInterval: seconds)
        }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    // MARK: Crashes

    func testKillingAFacilityImportAtAnyPointLeavesTheStoreAsItWas() throws {
        try seedStore()
        let before = try snapshot()
        let big = try facilitiesFile("big.csv", count: 60_000, prefix: "K")
        for delay in [0.05, 0.4, 1.0] {
            try kill(["import", "facilities", big], after: delay)
            let after = try snapshot()
            XCTAssertEqual(after.integrity, "ok", "after a kill at \(delay) s")
            XCTAssertEqual(after.index, "ok")
            XCTAssertEqual(after.facilities, before.facilities, "after a kill at \(delay) s")
            XCTAssertEqual(after.log, before.log)
        }
        // Killed with every row written, just before the commit.
        try kill(["import", "facilities", big], pausedAt: "commit")
        let paused = try snapshot()
        XCTAssertEqual(paused.facilities, before.facilities)
        XCTAssertEqual(paused.integrity, "ok")
        // And a re-run completes.
        let rerun = try run(["import", "facilities", big])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.hasPrefix("imported 60000 rows: 60000 new, 0 updated, 0 unchanged, 0 rejected\ncheck of what this import changed: "), rerun.stdout)
        XCTAssertEqual(try snapshot().index, "ok")
    }

    /// Into a store without facilities the import takes the bulk path (two threads, triggers lifted, R*Tree packed).
    func testKillingABulkImportIntoAStoreWithoutFacilitiesLeavesItWithout() throws {
        XCTAssertEqual(try run(["import", "units", repo("GeoData/luoyang/districts.geojson")]).status, 0)
        let before = try snapshot()
        XCTAssertEqual(before.facilities.count, 0)
        let big = try facilitiesFile("big.csv", count: 60_000, prefix: "B")
        for delay in [0.05, 0.4] {
            try kill(["import", "facilities", big], after: delay)
            let after = try snapshot()
            XCTAssertEqual(after.integrity, "ok", "after a kill at \(delay) s")
            XCTAssertEqual(after.index, "ok")
            XCTAssertEqual(after.facilities.count, 0, "after a kill at \(delay) s")
            XCTAssertEqual(after.log, before.log)
        }
        try kill(["import", "facilities", big], pausedAt: "commit")
        let paused = try snapshot()
        XCTAssertEqual(paused.facilities.count, 0)
        XCTAssertEqual(paused.integrity, "ok")
        XCTAssertEqual(paused.index, "ok")
        let rerun = try run(["import", "facilities", big])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.hasPrefix("imported 60000 rows: 60000 new, 0 updated, 0 unchanged, 0 rejected\ncheck of what this import changed: "), rerun.stdout)
        let done = try snapshot()
        XCTAssertEqual(done.index, "ok")
        XCTAssertEqual(done.facilities.count, 60_000)
    }

    func testKillingAUnitImportLeavesTheStoreAsItWas() throws {
        try seedStore()
        let before = try snapshot()
        try kill(["import", "units", repo("GeoData/luoyang/units.csv")], pausedAt: "commit")
        let after = try snapshot()
        XCTAssertEqual(after.units, before.units)
        XCTAssertEqual(after.integrity, "ok")
        XCTAssertEqual(try run(["import", "units", repo("GeoData/luoyang/units.csv")]).status, 0)
        XCTAssertEqual(try snapshot().units.count, before.units.count + 3156)
    }

    func testKillingASchemaMigrationLeavesTheOlderStoreAndARerunMigratesIt() throws {
        do {
            let old = try SQLiteStore(path: store, migratingTo: 1)
            try old.db.execute("INSERT INTO facilities (id, name, kind, location) VALUES ('OLD', '旧', 'hospital', MakePoint(112.4, 34.6, 4326))")
            old.close()
        }
        try kill(["stats"], pausedAt: "migration")
        let raw = try Database(path: store, readOnly: true)
        XCTAssertEqual(try raw.scalar("PRAGMA user_version")?.int, 1, "the migration was rolled back")
        XCTAssertEqual(try raw.scalar("PRAGMA integrity_check")?.string, "ok")
        raw.close()
        let stats = try run(["stats"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        let migrated = try SQLiteStore(path: store)
        XCTAssertEqual(try migrated.schemaVersion, SQLiteStore.currentSchemaVersion)
        XCTAssertEqual(try migrated.facility(id: "OLD")?.name, "旧")
    }

    // MARK: Concurrency

    func testTwoImportsAtOnceAreSerialisedAndLoseNothing() throws {
        try seedStore()
        let a = try facilitiesFile("a.csv", count: 20_000, prefix: "A")
        let b = try facilitiesFile("b.csv", count: 20_000, prefix: "B")
        let first = process(["import", "facilities", a]), second = process(["import", "facilities", b])
        for p in [first, second] { p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice }
        try first.run()
        try second.run()
        first.waitUntilExit()
        second.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        XCTAssertEqual(second.terminationStatus, 0)
        let after = try snapshot()
        XCTAssertEqual(after.facilities.count, 10 + 20_000 + 20_000)
        XCTAssertEqual(after.integrity, "ok")
        XCTAssertEqual(after.index, "ok")
    }

    func testReadersSeeAConsistentSnapshotWhileAnImportRunsAndAreNeverLocked() throws {
        try seedStore()
        let big = try facilitiesFile("big.csv", count: 30_000, prefix: "R")
        // The import holds its write transaction open, every row written, until it is killed.
        let importer = process(["import", "facilities", big], environment: ["FACILITYMAP_TEST_PAUSE_AT": "commit", "FACILITYMAP_TEST_PAUSE_SECONDS": "60"])
        let err = Pipe()
        importer.standardError = err
        importer.standardOutput = FileHandle.nullDevice
        try importer.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("paused at commit") && importer.isRunning { seen += err.fileHandleForReading.availableData }
        defer { Foundation.kill(importer.processIdentifier, SIGKILL); importer.waitUntilExit() }

        let started = Date()
        let coverage = try run(["coverage", "--format", "json", "--target", "beds-per-1000"])
        XCTAssertEqual(coverage.status, 0, coverage.stderr)
        XCTAssertFalse(coverage.stderr.contains("locked"))
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(coverage.stdout.utf8)) as? [String: Any])
        let total = try XCTUnwrap(((report["targets"] as? [[String: Any]])?.first?["total"]) as? [String: Any])
        XCTAssertEqual(total["numerator"] as? Double, 1200 + 800 + 40 + 60, "the committed beds only")
        let export = try run(["export", "geojson", "--layer", "facilities"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let features = (try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])?["features"] as? [Any]
        XCTAssertEqual(features?.count, 10)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "readers do not wait for the writer")
    }

    // MARK: Data safety

    func testAReadOnlyStoreGivesAClearErrorAndStaysAsItWas() throws {
        try seedStore()
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store)
        // Root writes whatever the permissions say: run as nobody then.
        let asOtherUser = getuid() == 0 ? "exec runuser -u nobody --" : "exec"
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let result = try run(["import", "facilities", repo("Tests/FacilityMapKitTests/Fixtures/facilities-bom-crlf.csv"), "--store", store],
                             shell: asOtherUser)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("read-only") || result.stderr.contains("cannot open"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before)
    }

    func testAFileSizeLimitFailsTheImportCleanlyAndLosesNothing() throws {
        try seedStore()
        let before = try snapshot()
        let big = try facilitiesFile("big.csv", count: 100_000, prefix: "Z")
        // 4 MiB: enough to open the store, not to write 100,000 facilities.
        let result = try run(["import", "facilities", big], shell: "ulimit -f 8192; exec")
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("disk is full"), result.stderr)
        let after = try snapshot()
        XCTAssertEqual(after.facilities, before.facilities)
        XCTAssertEqual(after.integrity, "ok")
    }

    func testNamesThatLookLikeSQLAreStoredAndExportedLiterally() throws {
        try seedStore()
        let csv = folder.appendingPathComponent("names.csv")
        try Data("id,name,kind,lon,lat\nX1,\"'; DROP TABLE facilities; --\",hospital,112.43,34.71\nX2,\"\"\"quoted\"\"\",hospital,112.43,34.71\n".utf8)
            .write(to: csv)
        XCTAssertEqual(try run(["import", "facilities", csv.path]).status, 0)
        let export = try run(["export", "geojson", "--layer", "facilities"])
        let features = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])?["features"] as? [[String: Any]])
        let names = features.compactMap { ($0["properties"] as? [String: Any])?["name"] as? String }
        XCTAssertTrue(names.contains("'; DROP TABLE facilities; --"))
        XCTAssertTrue(names.contains("\"quoted\""))
        XCTAssertEqual(features.count, 12)
    }

    // MARK: Hostile input

    func testHostileFilesGiveOneClearLineAndChangeNothing() throws {
        try seedStore()
        let before = try snapshot()
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let url = folder.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url.path
        }
        let header = Array("id,name,kind,lon,lat\n".utf8)
        let cases: [(String, [String], Int32)] = [
            ("empty file", ["import", "facilities", try write("empty.csv", [])], 1),
            ("header only", ["import", "facilities", try write("header.csv", header)], 1),
            ("unbalanced quote", ["import", "facilities", try write("quote.csv", header + Array("Q,\"broken,hospital,112.4,34.7\nQ2,ok,hospital,112.4,34.7\n".utf8))], 1),
            ("duplicate headers", ["import", "facilities", try write("dup.csv", Array("id,name,name,kind,lon,lat\n1,a,b,hospital,112.4,34.7\n".utf8))], 1),
            ("100,000 columns", ["import", "facilities", try write("wide.csv", Array((0..<100_000).map { "c\($0)" }.joined(separator: ",").utf8) + [0x0A, 0x31, 0x0A])], 1),
            ("truncated GeoJSON", ["import", "units", try write("cut.geojson", Array("{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"prop".utf8))], 1),
            ("GeoJSON nested 10,000 deep", ["import", "units", try write("deep.geojson", Array(repeating: UInt8(ascii: "["), count: 10_000) + Array(repeating: UInt8(ascii: "]"), count: 10_000))], 1),
            ("GeoJSON with NaN", ["import", "units", try write("nan.geojson", Array("{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"code\": \"1\", \"name\": \"a\", \"level\": \"district\"}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [NaN, 34]}}]}".utf8))], 1),
            ("a missing file", ["import", "facilities", folder.appendingPathComponent("nope.csv").path], 2),
        ]
        for (label, arguments, status) in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, status, "\(label): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(label): one line: \(result.stderr.prefix(500))")
            XCTAssertLessThan(result.stderr.utf8.count, 600, "\(label): short")
            XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Backtrac"), label)
        }
        let after = try snapshot()
        XCTAssertEqual(after.facilities, before.facilities)
        XCTAssertEqual(after.units, before.units)
        XCTAssertEqual(after.log, before.log)
    }

    func testHostileTargetsFilesAreRefusedByName() throws {
        try seedStore()
        func targets(_ name: String, _ text: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        let laughs = try targets("laughs.yaml", "plan: p\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ntargets: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n")
        let unknown = try targets("unknown.yaml", "plan: p\ntargets:\n  - {id: t, metric: count, kinds: [hospital], goals: {2025: 1}, colour: red}\n")
        let types = try targets("types.yaml", "plan: p\ntargets:\n  - {id: t, metric: count, kinds: [hospital], goals: [1, 2]}\n")
        for (file, expected) in [(laughs, "anchors and aliases"), (unknown, "unknown key `colour`"), (types, "goals")] {
            let started = Date()
            let result = try run(["coverage", "--targets", file])
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(file) && result.stderr.contains(expected), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        }
    }
}
