import FacilityGeometry
import FacilityModel
import FacilityRegistry
@testable import FacilityStore
import Foundation
import XCTest

final class StoreOpeningTests: StoreTestCase {
    func testMissingStoreIsCreatedWithTheCurrentSchema() throws {
        let file = path("new.sqlite")
        let store = try SQLiteStore(path: file)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file))
        XCTAssertEqual(try store.schemaVersion, SQLiteStore.currentSchemaVersion)
        XCTAssertEqual(try store.db.scalar("PRAGMA application_id")?.int, Int(Schema.applicationID))
        XCTAssertEqual(try store.db.scalar("PRAGMA journal_mode")?.string, "wal")
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM geometry_columns WHERE f_table_name IN ('units', 'facilities')")?.int, 3)
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testReopeningAStoreKeepsItsRows() throws {
        let file = path("reopen.sqlite")
        do {
            let store = try SQLiteStore(path: file)
            try store.write { try $0.upsert(hospital("H1")) }
            store.close()
        }
        let store = try SQLiteStore(path: file)
        XCTAssertEqual(try store.facility(id: "H1"), hospital("H1"))
    }

    func testMissingDirectoryIsRefusedAndNotCreated() throws {
        let file = path("no/such/folder/store.sqlite")
        XCTAssertThrowsError(try SQLiteStore(path: file)) { error in
            guard case StoreError.missingDirectory = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("does not exist"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("no")))
    }

    func testTextFileIsRefusedAndLeftUnchanged() throws {
        let file = path("notes.sqlite")
        let content = Data("名称,编号\n这不是数据库\n".utf8)
        try content.write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try SQLiteStore(path: file)) { error in
            XCTAssertEqual(error as? StoreError, .notAFacilityMapStore(path: file, reason: "the file is not a SQLite database"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), content)
    }

    func testForeignSQLiteDatabaseIsRefusedAndLeftUnchanged() throws {
        let file = path("other.sqlite")
        do {
            let other = try Database(path: file)
            try other.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO patients (name) VALUES ('张三')")
            other.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try SQLiteStore(path: file)) { error in
            guard case let StoreError.notAFacilityMapStore(_, reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("patients"), reason)
            XCTAssertTrue("\(error)".contains("never changes a file it did not create"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before)
    }

    func testStoreFromANewerVersionIsRefused() throws {
        let file = path("newer.sqlite")
        do {
            let store = try SQLiteStore(path: file)
            try store.db.execute("PRAGMA user_version = 99")
            store.close()
        }
        XCTAssertThrowsError(try SQLiteStore(path: file)) { error in
            XCTAssertEqual(error as? StoreError, .newerSchema(path: file, found: 99, supported: SQLiteStore.currentSchemaVersion))
        }
        let raw = try Database(path: file, readOnly: true)
        XCTAssertEqual(try raw.scalar("PRAGMA user_version")?.int, 99)
    }

    func testOlderStoreIsMigratedInPlaceKeepingItsRows() throws {
        let file = path("v1.sqlite")
        do {
            let old = try SQLiteStore(path: file, migratingTo: 1)
            XCTAssertEqual(try old.schemaVersion, 1)
            try old.db.execute("""
                INSERT INTO facilities (id, name, kind, unit, beds, location)
                VALUES ('OLD-1', '旧医院', 'hospital', '410302', 50, MakePoint(112.4, 34.7, 4326))
                """)
            old.close()
        }
        let store = try SQLiteStore(path: file)
        XCTAssertEqual(try store.schemaVersion, SQLiteStore.currentSchemaVersion)
        let migrated = try XCTUnwrap(try store.facility(id: "OLD-1"))
        XCTAssertEqual(migrated.name, "旧医院")
        XCTAssertEqual(migrated.beds, 50)
        XCTAssertEqual(migrated.attributes, [:])
        // The new column works.
        var changed = migrated
        changed.attributes = ["电话": "0379-1"]
        XCTAssertEqual(try store.write { try $0.upsert(changed) }, .updated)
        XCTAssertEqual(try store.facility(id: "OLD-1")?.attributes, ["电话": "0379-1"])
    }
}
