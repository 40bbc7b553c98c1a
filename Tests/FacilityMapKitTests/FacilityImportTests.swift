import FacilityMapKit
import Foundation
import XCTest

class FacilityImportTests: ImportTestCase {
    func testFacilitiesImportWithEveryFieldAndExtraColumn() throws {
        let store = try luoyangStore()
        let summary = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        XCTAssertEqual(summary.line, "imported 10 rows: 10 new, 0 updated, 0 unchanged, 0 rejected")
        XCTAssertEqual(summary.rejections, [])
        let hospital = try XCTUnwrap(try store.facility(id: "LY-H-001"))
        XCTAssertEqual(hospital.name, "洛阳市中心医院")
        XCTAssertEqual(hospital.kind, .hospital)
        XCTAssertEqual(hospital.location, LonLat(112.43371, 34.71248))
        XCTAssertEqual(hospital.beds, 1200)
        XCTAssertEqual(hospital.doctors, 380)
        XCTAssertEqual(hospital.gps, 15)
        XCTAssertEqual(hospital.level, "三级甲等")
        XCTAssertEqual(hospital.opened, Day(year: 1951, month: 1, day: 1))
        XCTAssertEqual(hospital.attributes, ["phone": "0379-63892222"])
        let kindergarten = try XCTUnwrap(try store.facility(id: "LY-K-002"))
        XCTAssertEqual(kindergarten.name, "偃师区\"阳光\"幼儿园, 民办")
        XCTAssertEqual(kindergarten.inclusive, false)
        XCTAssertEqual(kindergarten.places, 180)
        XCTAssertEqual(kindergarten.closed, Day(year: 2024, month: 12, day: 31), "a bare closing year is its last day")
        XCTAssertEqual(try store.facility(id: "LY-S-001")?.unit, nil)
        XCTAssertEqual(try store.importLog().last?.new, 10)
    }

    func testReimportingTheSameFileChangesNothingAndSaysSo() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        let before = try facilities(store)
        let again = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        XCTAssertEqual(again.line, "imported 10 rows: 0 new, 0 updated, 10 unchanged, 0 rejected")
        XCTAssertNotNil(again.repeatNote)
        XCTAssertTrue(again.repeatNote!.contains("already imported"))
        XCTAssertEqual(try facilities(store), before)
    }

    func testChangedRowIsUpdatedAndNewRowInserted() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        var text = try String(contentsOfFile: fixture("facilities.csv"), encoding: .utf8)
        text = text.replacingOccurrences(of: "LY-H-001,洛阳市中心医院,hospital,112.43371,34.71248,410302,1200",
                                         with: "LY-H-001,洛阳市中心医院,hospital,112.43371,34.71248,410302,1300")
        text += "LY-H-099,新医院,医院,112.44,34.70,410302,10,,,,,,,,\n"
        let summary = try FacilityImporter().run(path: try file("changed.csv", text), into: store)
        XCTAssertEqual(summary.line, "imported 11 rows: 1 new, 1 updated, 9 unchanged, 0 rejected")
        XCTAssertEqual(try store.facility(id: "LY-H-001")?.beds, 1300)
        XCTAssertEqual(try store.facility(id: "LY-H-099")?.kind, .hospital)
    }

    /// A repeated id is rejected naming the line of the row kept (the first), on every route: into an empty store (the
    /// unique index refuses it on SQLite), into one that holds the ids (the upsert finds the row this import stored),
    /// across batches, for a row parsed as text, and from a source that is not a CSV.
    func testARepeatedIDIsRejectedNamingTheKeptLineOnEveryRoute() throws {
        var lines = ["id,name,kind,lon,lat,beds"]
        for n in 1...5_000 {
            lines.append(String(format: "F%04d,医院%d,hospital,%.5f,34.70000,%d", n, n, 112.4 + Double(n) * 0.00001, n))
        }
        lines[10] = "F0001,重复一,hospital,112.41000,34.70000,1"                   // line 11: in the first batch
        lines[4_800] = "F0002,重复二,hospital,112.42000,34.70000,2"                // line 4801: two batches later
        lines[4_900] = "F0003,\"重复,三\",hospital,112.43000,34.70000,3"            // line 4901: quoted, the text parser's
        let path = try file("repeats.csv", lines.joined(separator: "\n") + "\n")
        let expected = [
            "\(path):11: id: F0001 is also on line 2, which is kept — give each facility its own id",
            "\(path):4801: id: F0002 is also on line 3, which is kept — give each facility its own id",
            "\(path):4901: id: F0003 is also on line 4, which is kept — give each facility its own id",
        ]
        let store = try luoyangStore()
        let first = try FacilityImporter().run(path: path, into: store)
        XCTAssertEqual(first.line, "imported 5000 rows: 4997 new, 0 updated, 0 unchanged, 3 rejected")
        XCTAssertEqual(first.rejections.map(\.description), expected)
        XCTAssertEqual(first.rejections.last?.fields, ["F0003", "重复,三", "hospital", "112.43000", "34.70000", "3"])
        XCTAssertEqual(try store.facility(id: "F0002")?.name, "医院2")

        // Again, into the store that holds them: the same rows are refused, the rest unchanged.
        let again = try FacilityImporter().run(path: path, into: store)
        XCTAssertEqual(again.line, "imported 5000 rows: 0 new, 0 updated, 4997 unchanged, 3 rejected")
        XCTAssertEqual(again.rejections.map(\.description), expected)

        // The kept row changed: it updates the store, its repeat does not.
        lines[2] = "F0002,医院二,hospital,112.40002,34.70000,20"
        let changed = try file("changed.csv", lines.joined(separator: "\n") + "\n")
        let third = try FacilityImporter().run(path: changed, into: store)
        XCTAssertEqual(third.line, "imported 5000 rows: 0 new, 1 updated, 4996 unchanged, 3 rejected")
        XCTAssertEqual(try store.facility(id: "F0002")?.name, "医院二")
        XCTAssertEqual(try store.facility(id: "F0002")?.beds, 20)
    }

    func testGB18030FileWithChineseHeadersAndGCJ02CoordinatesImports() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        let summary = try FacilityImporter(coordinateSystem: .gcj02).run(path: fixture("facilities-gb18030-gcj02.csv"), into: store)
        XCTAssertEqual(summary.line, "imported 10 rows: 10 new, 0 updated, 0 unchanged, 0 rejected")
        let converted = try XCTUnwrap(try store.facility(id: "GB-H-001"))
        XCTAssertEqual(converted.name, "洛阳市中心医院")
        XCTAssertEqual(converted.kind, .hospital)
        XCTAssertEqual(converted.attributes, ["联系电话": "0379-63892222"])
        XCTAssertEqual(try store.facility(id: "GB-K-001")?.inclusive, true)
        XCTAssertEqual(try store.facility(id: "GB-S-001")?.kind, .vocationalSchool, "中职 is an alias")
        // The file holds the WGS-84 points of facilities.csv shifted to GCJ-02: converted back, they agree to ~1 cm.
        for original in try facilities(store) where original.id.hasPrefix("LY-") {
            let copy = try XCTUnwrap(try store.facility(id: original.id.replacingOccurrences(of: "LY-", with: "GB-")))
            XCTAssertLessThan(haversineMetres(copy.location, original.location), 0.05, original.id)
        }
    }

    func testUTF8WithBOMAndCRLFAndATrailingEmptyLineImports() throws {
        let store = try luoyangStore()
        let summary = try FacilityImporter().run(path: fixture("facilities-bom-crlf.csv"), into: store)
        XCTAssertEqual(summary.line, "imported 3 rows: 3 new, 0 updated, 0 unchanged, 0 rejected")
        XCTAssertEqual(try store.facility(id: "LY-H-001")?.attributes, ["phone": "0379-63892222"])
    }

    func testBadRowsAreRejectedWithFileLineAndFieldAndTheRestGoIn() throws {
        let store = try luoyangStore()
        let file = fixture("facilities-bad.csv")
        let rejects = path("rejects.csv")
        let summary = try FacilityImporter(rejectsPath: rejects).run(path: file, into: store)
        XCTAssertEqual(summary.line, "imported 14 rows: 2 new, 0 updated, 0 unchanged, 12 rejected")
        let lines = summary.rejections.map(\.description)
        let expected: [(Int, String, String)] = [
            (3, "id", "missing"), (4, "name", "missing"), (5, "kind", "spaceport is not a known kind"),
            (6, "lon", "abc is not a number"), (7, "lat", "95.0 is out of range"),
            (8, "lon/lat", "swapping lon and lat would place it in"), (9, "id", "also on line 2"),
            (10, "beds", "negative"), (11, "beds", "many is not a whole number"), (12, "opened", "not a date"),
            (13, "inclusive", "maybe is not a yes/no value"), (16, "closed", "before the opening date"),
        ]
        XCTAssertEqual(summary.rejections.count, expected.count, lines.joined(separator: "\n"))
        for (rejection, (line, field, text)) in zip(summary.rejections, expected) {
            XCTAssertEqual(rejection.line, line, rejection.description)
            XCTAssertEqual(rejection.field, field, rejection.description)
            XCTAssertTrue(rejection.description.hasPrefix("\(file):\(line): \(field): "), rejection.description)
            XCTAssertTrue(rejection.message.contains(text), rejection.description)
        }
        XCTAssertEqual(try facilities(store).map(\.id), ["B-001", "B-013"])
        XCTAssertEqual(try store.facility(id: "B-013")?.inclusive, true)
        // The rejects file has the original columns plus a reason, and re-imports after a fix.
        let reader = try CSVReader(path: rejects)
        XCTAssertEqual(reader.header, ["id", "name", "kind", "lon", "lat", "unit", "beds", "places", "inclusive", "opened",
                                       "closed", "note", "reason"])
        var rows: [CSVRow] = []
        while let row = try reader.next() { rows.append(row) }
        XCTAssertEqual(rows.count, 12)
        XCTAssertEqual(rows[10].fields[1], "多行\n名称")
        XCTAssertTrue(rows[10].fields[12].hasPrefix("line 13: inclusive: "))
    }

    func testStrictRejectsTheWholeFileAndChangesNothing() throws {
        let store = try luoyangStore()
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        let before = try facilities(store)
        let logBefore = try store.importLog()
        let summary = try FacilityImporter(strict: true).run(path: fixture("facilities-bad.csv"), into: store)
        XCTAssertFalse(summary.committed)
        XCTAssertEqual(summary.rejected, 12)
        XCTAssertTrue(summary.line.hasPrefix("imported nothing (--strict)"))
        XCTAssertEqual(try facilities(store), before)
        XCTAssertEqual(try store.importLog(), logBefore)
    }

    func testUnbalancedQuoteRefusesTheFileAndStoresNothing() throws {
        let store = try luoyangStore()
        let text = "id,name,kind,lon,lat\nQ-1,好,hospital,112.43371,34.71248\nQ-2,\"坏,hospital,112.43371,34.71248\nQ-3,好,hospital,112.43371,34.71248\n"
        let file = try file("quote.csv", text)
        XCTAssertThrowsError(try FacilityImporter().run(path: file, into: store)) { error in
            XCTAssertEqual(error as? CSVError, .unterminatedQuote(path: file, line: 3))
        }
        XCTAssertEqual(try store.facilityCount(), 0)
        XCTAssertEqual(try store.importLog().filter { $0.layer == "facilities" }, [])
    }

    func testDuplicateHeadersAndHeaderOnlyAndMissingColumnsAreRefused() throws {
        let store = try luoyangStore()
        let duplicate = try file("dup.csv", "id,名称,kind,lon,lat,名称\nD-1,甲,hospital,112.4,34.7,乙\n")
        XCTAssertThrowsError(try FacilityImporter().run(path: duplicate, into: store)) { error in
            XCTAssertEqual(error as? CSVError, .duplicateHeader(path: duplicate, line: 1, name: "名称", columns: [2, 6]))
        }
        let headerOnly = try file("header.csv", "id,name,kind,lon,lat\n")
        XCTAssertThrowsError(try FacilityImporter().run(path: headerOnly, into: store)) { error in
            XCTAssertEqual(error as? ImportError, .noDataRows(file: headerOnly, line: 1))
        }
        let missing = try file("missing.csv", "id,name,lon,lat\nM-1,甲,112.4,34.7\n")
        XCTAssertThrowsError(try FacilityImporter().run(path: missing, into: store)) { error in
            XCTAssertEqual(error as? ImportError, .missingColumns(file: missing, line: 1, names: ["kind (类型)"]))
        }
        XCTAssertEqual(try store.facilityCount(), 0)
    }

    func testNULByteInvalidBytesAndHugeFieldRejectTheirRowsOnly() throws {
        let store = try luoyangStore()
        var bytes = Array("id,name,kind,lon,lat\n".utf8)
        bytes += Array("N-1,有\u{0}空,hospital,112.43371,34.71248\n".utf8)
        bytes += Array("N-2,".utf8) + [0xC3, 0x28] + Array(",hospital,112.43371,34.71248\n".utf8)
        bytes += Array("N-3,".utf8) + Array(repeating: UInt8(ascii: "x"), count: 70_000) + Array(",hospital,112.43371,34.71248\n".utf8)
        bytes += Array("N-4,好,hospital,112.43371,34.71248\n".utf8)
        let summary = try FacilityImporter(encoding: .utf8).run(path: try file("hostile.csv", bytes), into: store)
        XCTAssertEqual(summary.rejections.map(\.line), [2, 3, 4])
        XCTAssertEqual(summary.rejections.map(\.field), ["name", "name", "name"])
        XCTAssertTrue(summary.rejections[0].message.contains("NUL"), summary.rejections[0].message)
        XCTAssertTrue(summary.rejections[1].message.contains("UTF-8"), summary.rejections[1].message)
        XCTAssertTrue(summary.rejections[2].message.contains("65536"), summary.rejections[2].message)
        XCTAssertEqual(try facilities(store).map(\.id), ["N-4"])
    }

    func testPointsOutsideTheCityAreAcceptedWhenNoBoundaryIsLoaded() throws {
        let store = try emptyStore("empty.sqlite")
        let file = try file("far.csv", "id,name,kind,lon,lat\nF-1,远方,hospital,116.39,39.91\n")
        XCTAssertEqual(try FacilityImporter().run(path: file, into: store).new, 1)
    }

    func testGCJ02PointsReadAsWGS84OutsideTheCitySuggestTheCRS() throws {
        let store = try luoyangStore()
        // The city outline's north-western corner region: find a GCJ-02 point that is inside only after conversion.
        let city = try XCTUnwrap(try store.units(level: .city).first?.boundary)
        var probe: LonLat?
        search: for vertex in city.polygons[0].exterior {
            for dx in stride(from: -0.02, through: 0.02, by: 0.001) {
                for dy in stride(from: -0.02, through: 0.02, by: 0.001) {
                    let wgs = LonLat(vertex.lon + dx, vertex.lat + dy)
                    let gcj = CoordinateSystem.gcj02.fromWGS84(wgs)
                    if city.contains(wgs) && !city.contains(gcj) { probe = gcj; break search }
                }
            }
        }
        let point = try XCTUnwrap(probe)
        let file = try file("gcj.csv", "id,name,kind,lon,lat\nG-1,火星坐标,hospital,\(point.lon),\(point.lat)\n")
        let summary = try FacilityImporter().run(path: file, into: store)
        XCTAssertEqual(summary.rejected, 1)
        XCTAssertTrue(summary.rejections[0].message.contains("--crs gcj02"), summary.rejections[0].message)
        XCTAssertEqual(try FacilityImporter(coordinateSystem: .gcj02).run(path: file, into: store).new, 1)
    }
}

final class DayTests: XCTestCase {
    func testDaysParseInEveryAcceptedFormAndRejectTheRest() {
        XCTAssertEqual(Day(parsing: "2023-06-30"), Day(year: 2023, month: 6, day: 30))
        XCTAssertEqual(Day(parsing: "2023/6/3"), Day(year: 2023, month: 6, day: 3))
        XCTAssertEqual(Day(parsing: " 2023.12.01 "), Day(year: 2023, month: 12, day: 1))
        XCTAssertEqual(Day(parsing: "2024"), Day(year: 2024, month: 1, day: 1))
        XCTAssertEqual(Day(parsing: "2024", bareYearMeansEnd: true), Day(year: 2024, month: 12, day: 31))
        XCTAssertEqual(Day(parsing: "2024-02-29"), Day(year: 2024, month: 2, day: 29))
        for bad in ["2023-02-29", "2023-13-01", "2023-00-10", "20230630", "2023-6-31", "23-06-30", "2023-06-3x", "", "二〇二三"] {
            XCTAssertNil(Day(parsing: bad), bad)
        }
        XCTAssertEqual(Day(parsing: "2023-06-30")?.description, "2023-06-30")
    }
}
