import FacilityGeometry
import FacilityModel
import FacilityRegistry
@testable import FacilityStore
import Foundation
import XCTest

final class StoreWritingTests: StoreTestCase {
    func testUpsertSaysInsertedUnchangedAndUpdated() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        XCTAssertEqual(try store.write { try $0.upsert(hospital("H1")) }, .inserted)
        XCTAssertEqual(try store.write { try $0.upsert(hospital("H1")) }, .unchanged)
        XCTAssertEqual(try store.write { try $0.upsert(hospital("H1", beds: 120)) }, .updated)
        XCTAssertEqual(try store.facility(id: "H1")?.beds, 120)
        XCTAssertEqual(try store.facilityCount(), 1)
    }

    func testNamesThatLookLikeSQLAreStoredLiterally() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        let names = ["'; DROP TABLE facilities; --", "\"quoted\"", "Robert'); DELETE FROM units;--", "洛阳·\u{1F3E5}"]
        try store.write { writer in
            for (i, name) in names.enumerated() { try writer.upsert(hospital("X\(i)", name: name)) }
        }
        XCTAssertEqual(try store.facilityCount(), names.count)
        for (i, name) in names.enumerated() { XCTAssertEqual(try store.facility(id: "X\(i)")?.name, name) }
    }

    func testAThrowingWriteLeavesTheStoreAsItWas() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        try store.write { try $0.upsert(hospital("KEEP")) }
        struct Interrupted: Error {}
        XCTAssertThrowsError(try store.write { writer in
            try writer.upsert(hospital("LOST"))
            try writer.upsert(hospital("KEEP", beds: 1))
            throw Interrupted()
        })
        XCTAssertEqual(try store.facilityCount(), 1)
        XCTAssertEqual(try store.facility(id: "KEEP")?.beds, 100)
    }

    func testUnitBoundaryAndPointRoundTrip() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        let district = AdministrativeUnit(code: "410302", name: "老城区", level: .district, parent: "410300", population: 180_000,
                                          boundary: square(112.40, 34.68), location: LonLat(112.45, 34.73),
                                          attributes: ["generated": "false"])
        let village = AdministrativeUnit(code: "410302001001", name: "金业路社区", level: .community, parent: "410302",
                                         location: LonLat(112.41, 34.69))
        try store.write { writer in
            XCTAssertEqual(try writer.upsert(district), .inserted)
            XCTAssertEqual(try writer.upsert(village), .inserted)
        }
        XCTAssertEqual(try store.units(), [district, village])
        XCTAssertEqual(try store.write { try $0.upsert(district) }, .unchanged)
        XCTAssertEqual(try store.units(level: .community), [village])
        XCTAssertEqual(try store.units(within: "410302").map(\.code), ["410302", "410302001001"])
    }

    func testFacilitiesWithinAUnitFollowRegistrationAndBoundary() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        try store.write { writer in
            try writer.upsert(AdministrativeUnit(code: "A", name: "甲区", level: .district, boundary: square(112.0, 34.0)))
            try writer.upsert(AdministrativeUnit(code: "A1", name: "甲镇", level: .township, parent: "A"))
            try writer.upsert(AdministrativeUnit(code: "B", name: "乙区", level: .district, boundary: square(113.0, 34.0)))
            // Registered below A, but its point is in B: registration wins.
            try writer.upsert(Facility(id: "reg", name: "登记在甲", kind: .villageClinic, location: LonLat(113.05, 34.05), unit: "A1"))
            // Unregistered, inside A's polygon.
            try writer.upsert(Facility(id: "inside", name: "甲内", kind: .villageClinic, location: LonLat(112.05, 34.05)))
            // Unregistered, inside B.
            try writer.upsert(Facility(id: "other", name: "乙内", kind: .nursingHome, location: LonLat(113.05, 34.05)))
        }
        var ids: [String] = []
        try store.forEachFacility(within: "A") { ids.append($0.id) }
        XCTAssertEqual(ids, ["inside", "reg"])
        ids = []
        try store.forEachFacility(kind: .nursingHome, within: "B") { ids.append($0.id) }
        XCTAssertEqual(ids, ["other"])
    }

    func testSpatialIndexPackedAfterABulkLoadIsSoundAndAnswersQueries() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        let triggersBefore = try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'facilities'")
        try store.write { writer in
            try writer.upsert(AdministrativeUnit(code: "A", name: "甲区", level: .district, boundary: square(112.0, 34.0)))
            let load = try writer.beginBulkLoad()
            XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'facilities'")?.int, 0)
            for i in 0..<10_000 {
                try writer.insert(Facility(id: "F\(i)", name: "点\(i)", kind: .villageClinic,
                                           location: LonLat(111.951 + Double(i % 100) * 0.002, 34.005 + Double(i / 100) * 0.0009)))
            }
            try writer.finishBulkLoad(load)
            XCTAssertEqual(try writer.checkFacilityIndex(), "ok")
        }
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'facilities'"),
                       triggersBefore, "every trigger is back")
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM idx_facilities_location")?.int, 10_000)
        XCTAssertGreaterThan(try store.db.scalar("SELECT count(*) FROM idx_facilities_location_node")?.int ?? 0, 100, "a tree of many nodes")
        var count = 0
        try store.forEachFacility(within: "A") { _ in count += 1 }
        // x = 111.951 + 0.002 k is inside [112.0, 112.1] for k in 25...74: 50 of every 100.
        XCTAssertEqual(count, 5_000)
        // Every window query through the packed tree agrees with a scan of the table.
        for (x0, y0, x1, y1) in [(112.0, 34.0, 112.03, 34.05), (111.95, 34.07, 112.2, 34.08), (112.1, 34.001, 112.1001, 34.002)] {
            let viaIndex = try store.db.scalar("""
                SELECT count(*) FROM idx_facilities_location WHERE xmin >= ? AND xmax <= ? AND ymin >= ? AND ymax <= ?
                """, [.real(x0), .real(x1), .real(y0), .real(y1)])?.int
            let viaTable = try store.db.scalar("""
                SELECT count(*) FROM facilities WHERE X(location) >= ? AND X(location) <= ? AND Y(location) >= ? AND Y(location) <= ?
                """, [.real(x0), .real(x1), .real(y0), .real(y1)])?.int
            XCTAssertEqual(viaIndex, viaTable, "window \(x0) \(y0) \(x1) \(y1)")
        }
        // After the load the triggers keep the index up to date again.
        try store.write { try $0.upsert(Facility(id: "late", name: "后来", kind: .hospital, location: LonLat(112.05, 34.05))) }
        try store.write { XCTAssertEqual(try $0.checkFacilityIndex(), "ok") }
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM idx_facilities_location")?.int, 10_001)
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testABulkLoadThatThrowsLeavesTriggersAndIndexAsTheyWere() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        try store.write { try $0.upsert(hospital("KEEP")) }
        struct Interrupted: Error {}
        XCTAssertThrowsError(try store.write { writer in
            _ = try writer.beginBulkLoad()
            try writer.insert(hospital("LOST"))
            throw Interrupted()
        })
        XCTAssertEqual(try store.facilityCount(), 1)
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'facilities'")?.int, 8)
        try store.write { XCTAssertEqual(try $0.checkFacilityIndex(), "ok") }
    }

    func testPackedTreeOfAnEmptyOrTinyTableIsSound() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        try store.write { writer in try writer.finishBulkLoad(try writer.beginBulkLoad()) }
        try store.write { XCTAssertEqual(try $0.checkFacilityIndex(), "ok") }
        try store.write { writer in
            let load = try writer.beginBulkLoad()
            try writer.insert(hospital("ONE"))
            try writer.finishBulkLoad(load)
            XCTAssertEqual(try writer.checkFacilityIndex(), "ok")
        }
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM idx_facilities_location WHERE xmin <= 112.44 AND xmax >= 112.43")?.int, 1)
    }

    func testImportLogKeepsEachImport() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        var record = ImportRecord(file: "医院.csv", sha256: String(repeating: "ab", count: 32), importedAt: "2026-11-29T05:00:00Z",
                                  layer: "facilities", rows: 3, new: 2, updated: 1, unchanged: 0, rejected: 0,
                                  author: "西工区卫健委")
        try store.write { try $0.record(record) }
        record.number = 1
        XCTAssertEqual(try store.importLog(), [record])
        XCTAssertEqual(try store.lastImport(sha256: record.sha256, layer: "facilities"), record)
        XCTAssertNil(try store.lastImport(sha256: record.sha256, layer: "units"))
    }
}

extension StoreWritingTests {
    func testABulkLoadOfUnitsPacksBothRTrees() throws {
        let store = try SQLiteStore(path: path("u.sqlite"))
        try store.write { writer in
            let load = try writer.beginBulkLoad(of: .units)
            try writer.insert(AdministrativeUnit(code: "D", name: "区", level: .district, boundary: square(112.0, 34.0), location: LonLat(112.05, 34.05)))
            for i in 0..<6_000 {
                try writer.insert(AdministrativeUnit(code: "V\(i)", name: "村\(i)", level: .village, parent: "D",
                                                     location: LonLat(112.0 + Double(i % 80) * 0.001, 34.0 + Double(i / 80) * 0.001)))
            }
            try writer.finishBulkLoad(load)
            XCTAssertEqual(try writer.checkIndexes(of: .units), "ok")
        }
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM idx_units_location")?.int, 6_001)
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM idx_units_boundary")?.int, 1)
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM idx_units_location WHERE xmin >= 112.0395 AND xmax <= 112.0405")?.int, 75)
        XCTAssertEqual(try store.units(within: "D").count, 6_001)
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testMigrationFourKeepsAnOlderStoresImportsAndStartsTheirHistory() throws {
        let file = path("v3.sqlite")
        do {
            let old = try SQLiteStore(path: file, migratingTo: 3)
            try old.db.run("""
                INSERT INTO import_log (file, sha256, imported_at, layer, rows, new, updated, unchanged, rejected)
                VALUES ('a.csv', 'ff', '2026-01-01T00:00:00Z', 'facilities', 1, 1, 0, 0, 0)
                """)
            old.close()
        }
        let store = try SQLiteStore(path: file)
        XCTAssertEqual(try store.schemaVersion, SQLiteStore.currentSchemaVersion)
        XCTAssertEqual(try store.importLog().map(\.file), ["a.csv"])
        XCTAssertNil(try store.importLog()[0].author)
        XCTAssertEqual(try store.tokens(), [])
        let facility = Facility(id: "F1", name: "卫生室", kind: .villageClinic, location: LonLat(112.4, 34.6), beds: 2)
        try store.write { writer in
            try writer.upsert(facility)
            try writer.record(ImportRecord(file: "b.csv", sha256: "ee", importedAt: "2026-02-01T00:00:00Z", layer: "facilities",
                                           rows: 1, new: 1, updated: 0, unchanged: 0, rejected: 0, author: "王"))
        }
        var closed = facility
        closed.closed = Day(parsing: "2026-03-01")
        closed.beds = nil
        try store.write { writer in
            try writer.upsert(closed)
            try writer.record(ImportRecord(file: "c.csv", sha256: "dd", importedAt: "2026-03-02T00:00:00Z", layer: "facilities",
                                           rows: 1, new: 0, updated: 1, unchanged: 0, rejected: 0, author: "李"))
        }
        let history = try XCTUnwrap(try store.history(facilityID: "F1"))
        XCTAssertEqual(history.map(\.action), [.created, .closed])
        XCTAssertEqual(history.map { $0.importRecord.number }, [2, 3])
        XCTAssertEqual(history.map { $0.importRecord.author }, ["王", "李"])
        XCTAssertEqual(history[1].old, #"{"beds":2,"closed":null}"#)
        XCTAssertEqual(history[1].new, #"{"beds":null,"closed":"2026-03-01"}"#)
        XCTAssertTrue(history[0].new?.contains(#""name":"卫生室""#) == true, history[0].new ?? "")
        XCTAssertNil(try store.history(facilityID: "nope"))
    }
}
