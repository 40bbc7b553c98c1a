import FacilityGeometry
import FacilityModel
import FacilityRegistry
@testable import FacilityStore
import Foundation
import XCTest

/// `facilityColumns(unitCodes:attributes:)` against the store's own readers, and the pieces it reads with.
final class MeasureColumnsTests: StoreTestCase {
    func facility(_ id: String, _ kind: FacilityKind, _ lon: Double, _ lat: Double, unit: String? = nil, beds: Int? = nil,
                  gps: Int? = nil, places: Int? = nil, inclusive: Bool? = nil, opened: String? = nil, closed: String? = nil,
                  attributes: [String: String] = [:]) -> Facility {
        Facility(id: id, name: "设施\(id)", kind: kind, location: LonLat(lon, lat), unit: unit, beds: beds, gps: gps, places: places,
                 inclusive: inclusive, opened: opened.flatMap { Day(parsing: $0) }, closed: closed.flatMap { Day(parsing: $0) },
                 attributes: attributes)
    }

    func testColumnsHoldEveryFieldMeasuresReadInStorageOrder() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        let facilities = [
            facility("F1", .hospital, 112.454_321_987, 34.619_876_543, unit: "410302001001", beds: 120, gps: 7, opened: "1951-03-01"),
            facility("F2", .kindergarten, 112.1, 34.2, unit: "410302", places: 180, inclusive: true, closed: "2024-12-31"),
            facility("F3", .kindergarten, -0.5, -33.25, unit: "999999", places: 60, inclusive: false,
                     attributes: ["公办": "是"]),
            facility("F4", .villageClinic, 112.3, 34.1),
            facility("F5", .nursingHome, 112.3, 34.1, unit: "洛阳·老城"),
        ]
        try store.write { writer in
            for f in facilities { try writer.upsert(f) }
        }
        let codes = ["410302", "410302001001", "洛阳·老城", "410302"]
        let columns = try store.read { try store.facilityColumns(unitCodes: codes, attributes: true) }

        XCTAssertEqual(columns.count, 5)
        XCTAssertEqual(columns.kind.map { FacilityKind(ordinal: $0) }, facilities.map(\.kind))
        XCTAssertEqual(columns.location, facilities.map(\.location), "coordinates read from the blob bit for bit")
        XCTAssertEqual(columns.unit, [1, 0, -1, -1, 2], "positions in the list; the first of a code listed twice; -1 unknown or none")
        XCTAssertEqual(columns.column(.beds), [120, 0, 0, 0, 0])
        XCTAssertEqual(columns.column(.gps), [7, 0, 0, 0, 0])
        XCTAssertEqual(columns.column(.places), [0, 180, 60, 0, 0])
        XCTAssertEqual(columns.inclusive, [false, true, false, false, false])
        XCTAssertEqual(columns.opened, [19_510_301, .min, .min, .min, .min])
        XCTAssertEqual(columns.closed, [.max, 20_241_231, .max, .max, .max])
        XCTAssertEqual(columns.attributes(of: 2), ["公办": "是"])
        XCTAssertEqual(columns.attributes(of: 0), [:])

        let without = try store.facilityColumns(unitCodes: codes, attributes: false)
        XCTAssertEqual(without.attributes(of: 2), [:], "attributes only when asked for")
        XCTAssertEqual(without.location, columns.location)
    }

    func testDaysInAnyFormTheStoreHoldsReadAsDayParsingReadsThem() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        try store.write { writer in
            for i in 0..<7 { try writer.upsert(facility("D\(i)", .hospital, 112, 34)) }
        }
        // Text written by an older build or another tool: a bare year, slashes, an impossible day, not a day.
        let texts = ["2020-02-29", "2021", "2021/7/1", "2021-02-30", "soon", "2021-13-01", " 2022-01-05 "]
        for (i, text) in texts.enumerated() {
            try store.db.run("UPDATE facilities SET opened = ?1, closed = ?1 WHERE id = ?2", [.text(text), .text("D\(i)")])
        }
        let columns = try store.facilityColumns(unitCodes: [], attributes: false)
        XCTAssertEqual(columns.opened, texts.map { Day(parsing: $0)?.ordinal ?? .min })
        XCTAssertEqual(columns.closed, texts.map { Day(parsing: $0)?.ordinal ?? .max })
        XCTAssertEqual(columns.opened[1], 20_210_101)
    }

    func testFacilityOfAKindThisBuildDoesNotKnowIsLeftOut() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        try store.write { writer in
            try writer.upsert(facility("A", .hospital, 112, 34))
            try writer.upsert(facility("B", .hospital, 113, 35))
        }
        try store.db.run("UPDATE facilities SET kind = 'spaceport', unit = 'X' WHERE id = 'A'")
        let columns = try store.facilityColumns(unitCodes: [], attributes: false)
        XCTAssertEqual(columns.location, [LonLat(113, 35)])
        XCTAssertEqual(try store.storedKinds(), ["hospital", "spaceport"])
        XCTAssertEqual(try store.facilityCountsByUnit().map(\.count), [1], "counted by unit: known kinds only")
        var located: [LonLat] = []
        try store.forEachFacilityLocation(registeredTo: "X") { located.append($0) }
        XCTAssertEqual(located, [])
    }

    /// Codes match byte for byte, as the store's unique index and its SQL compare them (and `CodeTable`): two spellings
    /// of one text under Unicode normalisation are two codes.
    func testCodePositionsMatchByteForByteAsTheStoreDoes() {
        let table = CodePositions(["410302", "", "410302001001001001", "410302", "K1", "洛阳", "Zé1", "Ze\u{301}2"])
        XCTAssertEqual(table.position(of: "410302"), 0, "the first of a code listed twice")
        XCTAssertEqual(table.position(of: ""), 1)
        XCTAssertEqual(table.position(of: "410302001001001001"), 2, "longer than 16 bytes")
        XCTAssertEqual(table.position(of: "洛阳"), 5)
        XCTAssertEqual(table.position(of: "4103020"), -1)
        XCTAssertEqual(table.position(of: "41030"), -1)
        XCTAssertEqual(table.position(of: "\u{212A}1"), -1, "KELVIN SIGN is not K: String == would say it is")
        XCTAssertEqual(table.position(of: "Zé1"), 6)
        XCTAssertEqual(table.position(of: "Ze\u{301}1"), -1, "NFD é is not NFC é")
        XCTAssertEqual(table.position(of: "Ze\u{301}2"), 7)
        XCTAssertEqual(table.position(of: "Zé2"), -1)
        var shortKeys = ["Zé1", "Ze\u{301}2", "Ze\u{301}1", "410302"].map { key in
            var key = key
            return key.withUTF8 { table.shortKey(UnsafeRawBufferPointer($0))! }
        }
        var found = [Int32](repeating: 0, count: shortKeys.count)
        shortKeys.withUnsafeBufferPointer { keys in found.withUnsafeMutableBufferPointer { table.positions(of: keys, into: $0) } }
        XCTAssertEqual(found, [6, 7, -1, 0])
        shortKeys.removeAll()

        let ascii = CodePositions((0..<50_000).map { String(410_300_000_000 + $0 * 7) })
        for i in stride(from: 0, to: 50_000, by: 997) { XCTAssertEqual(ascii.position(of: String(410_300_000_000 + i * 7)), Int32(i)) }
        XCTAssertEqual(ascii.position(of: "410300000001"), -1)
        XCTAssertEqual(ascii.position(of: "\u{212A}"), -1)
    }

    func testPointBlobIsReadInPlaceOrAskedOfSpatiaLite() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        for sql in ["SELECT MakePoint(112.123456789, -34.5, 4326)", "SELECT CastToXYZ(MakePoint(112.123456789, -34.5, 4326))",
                    "SELECT MakePoint(112.123456789, -34.5, 4326) WHERE 0 UNION ALL SELECT NULL"] {
            let statement = try Statement(database: store.db, sql: sql)
            defer { statement.finalize() }
            XCTAssertTrue(try statement.step(), sql)
            let point = try store.point(statement, column: 0)
            if sql.contains("NULL") {
                XCTAssertTrue(point.lon.isNaN && point.lat.isNaN, "NULL reads as X() does: NaN")
            } else {
                XCTAssertEqual(point, LonLat(112.123456789, -34.5), sql)
            }
        }
        // The same point written big-endian.
        var big: [UInt8] = [0x00, 0x00, 0, 0, 0x10, 0xE6]
        for value in [1.5, -2.25, 1.5, -2.25] { big += withUnsafeBytes(of: value.bitPattern.bigEndian, Array.init) }
        big += [0x7C, 0, 0, 0, 1]
        for value in [1.5, -2.25] { big += withUnsafeBytes(of: value.bitPattern.bigEndian, Array.init) }
        big.append(0xFE)
        XCTAssertEqual(big.withUnsafeBytes { SpatiaLiteBlob.point($0) }, LonLat(1.5, -2.25))
        big[42] = 2
        XCTAssertNil(big.withUnsafeBytes { SpatiaLiteBlob.point($0) }, "not a point class")
    }

    func testUnitsComeInTheOrderSQLiteSortsTheirCodesWhateverOrderTheyWereWrittenIn() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        let codes = ["410302001002", "410302", "410302001001001001002", "410302001001001001001", "410302001001", "洛阳", "410",
                     "Z", "a", "4103020010010010", "41030200100100100"]
        try store.write { writer in
            for code in codes {
                try writer.upsert(AdministrativeUnit(code: code, name: "单位\(code)", level: .community, location: LonLat(112.5, 34.5)))
            }
        }
        var sorted: [String] = []
        let statement = try Statement(database: store.db, sql: "SELECT code FROM units ORDER BY code")
        defer { statement.finalize() }
        while try statement.step() { sorted.append(statement.text(0)!) }
        let units = try store.units()
        XCTAssertEqual(units.map(\.code), sorted)
        XCTAssertEqual(units.first { $0.code == "洛阳" }?.name, "单位洛阳")
        XCTAssertEqual(units.first?.location, LonLat(112.5, 34.5))
        XCTAssertEqual(SQLiteStore.inByteOrder([3, 1, 2], by: { String($0) }), [1, 2, 3])
        XCTAssertEqual(SQLiteStore.inByteOrder(["b", "a\u{0}", "a"], by: { $0 }), ["a", "a\u{0}", "b"])
    }

    func testUnitsAndColumnsReadOnTwoConnectionsAreThoseOfOneRead() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        let kinds = FacilityKind.allCases
        try store.write { writer in
            for u in 0..<40 {
                try writer.upsert(AdministrativeUnit(code: String(410_302_001_100 - u * 3), name: "社区\(u)", level: .community,
                                                     parent: "410302", population: u * 100, location: LonLat(112 + Double(u) / 100, 34.5)))
            }
            for f in 0..<500 {
                try writer.upsert(facility(String(format: "F%04d", f), kinds[f % kinds.count], 112 + Double(f) / 1000, 34 + Double(f) / 997,
                                           unit: f % 7 == 0 ? nil : String(410_302_001_100 - (f % 50) * 3), beds: f % 5 == 0 ? nil : f,
                                           places: f, inclusive: f % 3 == 0, opened: f % 4 == 0 ? "2019-05-01" : nil,
                                           attributes: f % 11 == 0 ? ["编号": "第\(f)号"] : [:]))
            }
        }
        var stored: [Facility] = []
        try store.forEachFacility { if $0.id != "F0003" && $0.id != "F0450" { stored.append($0) } }
        try store.db.run("UPDATE facilities SET kind = 'spaceport' WHERE id IN ('F0003', 'F0450')")
        let (units, columns) = try store.unitsAndFacilityColumns(attributes: true)
        let expected = try store.read { () -> ([AdministrativeUnit], FacilityColumns) in
            let units = try store.units()
            return (units, try store.facilityColumns(unitCodes: units.map(\.code), attributes: true))
        }
        XCTAssertEqual(units, expected.0)
        XCTAssertEqual(columns, expected.1)
        XCTAssertEqual(columns.count, 498)
        // Each registered unit resolved to the unit of that code (short codes are looked up in batches of 256).
        XCTAssertEqual(columns.unit.map { $0 < 0 ? nil : units[Int($0)].code },
                       stored.map { f in f.unit.flatMap { code in units.contains { $0.code == code } ? code : nil } })
        let registeredToStored = (0..<500).filter { $0 % 7 != 0 && $0 % 50 < 40 && $0 != 3 && $0 != 450 }.count
        XCTAssertEqual(columns.unit.filter { $0 >= 0 }.count, registeredToStored, "codes of units 0..<40 are stored, 40..<50 not")
        XCTAssertEqual(columns.attributes(of: 10), ["编号": "第11号"], "F0011, after F0003 of an unknown kind")
        // Inside a caller's read its snapshot holds: one connection.
        let inside = try store.read { try store.unitsAndFacilityColumns(attributes: false) }
        XCTAssertEqual(inside.units, units)
        XCTAssertEqual(inside.facilities.location, columns.location)
        XCTAssertEqual(inside.facilities.attributes(of: 10), [:])
    }

    func testUnitsAndColumnsOfAnEmptyStore() throws {
        let store = try SQLiteStore(path: path("s.sqlite"))
        let (units, columns) = try store.unitsAndFacilityColumns(attributes: false)
        XCTAssertEqual(units, [])
        XCTAssertEqual(columns.count, 0)
    }
}
