@testable import FacilityMapKit
import FacilityFormats
import FacilityStore
import Foundation
import XCTest

/// The bulk path of the facilities import (byte fast path, parsing thread, prepared insert, packed R*Tree) must
/// store and reject exactly what the row-by-row text path does.
/// A CSV read as text rows only (no raw records): the importers' text path for every row.
final class TextRowsOnly: RecordSource {
    let reader: CSVReader
    init(_ reader: CSVReader) { self.reader = reader }
    var path: String { reader.path }
    var header: [String] { reader.header }
    var headerLine: Int { reader.headerLine }
    var byteCount: Int { reader.byteCount }
    var bytesRead: Int { reader.bytesRead }
    var rejectsEncoding: CSVOutputEncoding { reader.rejectsEncoding }
    func next() throws -> CSVRow? { try reader.next() }
}

final class BulkImportTests: ImportTestCase {
    static let header = "id,name,kind,lon,lat,unit,beds,doctors,gps,places,inclusive,level,opened,closed,note"

    /// Rows in their plainest form, which the fast path reads from bytes.
    static let plainRows = [
        "P-1,洛阳市第一人民医院,hospital,112.43371,34.71248,410302,800,120,15,,,三级甲等,1951-05-01,,",
        "P-2,涧西区幼儿园,kindergarten,112.39,34.66,410305,,,,180,true,,2019,,带备注",
        "P-3,村卫生室,村卫生室,112.44,34.62,410311001001,0,2,1,,,,,2030,",
        "P-4,社区养老,community-elderly-center,-0.0,34.5,,,,,,no,,2020-02-29,2021-01-01,",
    ]

    /// Rows in other accepted forms, or bad: the fast path leaves them to the text path.
    static let otherRows = [
        "O-1,\" 引号, \"\"名称\"\" \",hospital,112.45,34.62,,\"1,200\",5,,,,,2001/2/3,,",
        "\u{3000}O-2\u{3000},全角空格,幼儿园,112.4,34.6,410302,,,,100,是,,2019,,",
        "O-3,大写,KINDERGARTEN,112.4,34.6,,,,,100,TRUE,,,,",
        "O-4,坐标反,hospital,34.6,112.4,,,,,,,,,,",
        "O-5,区外,hospital,100.0,30.0,,,,,,,,,,",
        "O-6,小数床,hospital,112.4,34.6,,12.0,,,,,,,,",
        "O-7,负数,hospital,112.4,34.6,,-1,,,,,,,,",
        "O-8,日期,hospital,112.4,34.6,,,,,,,,2020-02-30,,",
        "O-9,关早,hospital,112.4,34.6,,,,,,,,2020-01-01,2019-01-01,",
        "O-10,精度,hospital,112.123456789012345,34.6000000000000001,,,,,,,,,,",
        "O-11,指数,hospital,1.124e2,34.6,,,,,,,,,,",
        "O-12\t,制表符 ,hospital\t,\t112.4 , 34.6 ,\t410302 ,,,,,,,,,",
        "O-13,多列,hospital,112.4,34.6,,,,,,,,,,,extra",
        "O-14,\u{00A0}不间断空格,hospital,112.4,34.6,,,,,,,,,,",
        "O-15,正号,village_clinic,+112.4,34.6,,,,,,y,,,,",
        "O-16,前导零,hospital,112.4,34.6,,007,,,,,,,,",
    ]

    /// A file of `count` rows cycling through all forms, with ids repeated now and then, big enough for the bulk path.
    func mixedFile(count: Int) throws -> String {
        var lines = [Self.header]
        let templates = Self.plainRows + Self.otherRows
        for n in 0..<count {
            let template = templates[n % templates.count]
            // Every 997th row repeats the id of a row 5,000 rows (several batches) earlier.
            let id = n % 997 == 996 && n > 5_000 ? "R\(n - 5_000)" : "R\(n)"
            let row = template.replacingOccurrences(of: #"^(\x{3000}?)[PO]-\d+"#, with: "$1\(id)", options: .regularExpression)
            lines.append(row)
            if n % 5_000 == 0 { lines.append("") }  // blank lines count for line numbers only
        }
        return try file("mixed.csv", lines.joined(separator: "\r\n") + "\r\n")
    }

    func testBulkImportStoresAndRejectsExactlyWhatTheTextPathDoes() throws {
        let csv = try mixedFile(count: 34_000)
        XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: csv)[.size] as! Int, 2_000_000,
                             "the file must be large enough for the bulk path")
        // Store A is empty: the bulk path. Store B holds one facility already, and reads the file as text rows only:
        // every row goes through the text path, upserted. (Read as a CSV, B's plain rows take the byte path too.)
        let bulk = try luoyangStore("bulk.sqlite")
        let text = try luoyangStore("text.sqlite")
        let seed = try file("seed.csv", "\(Self.header)\nSEED,种子,hospital,112.4,34.6,,,,,,,,,,\n")
        XCTAssertEqual(try FacilityImporter().run(path: seed, into: text).new, 1)

        let bulkRejects = path("bulk-rejects.csv"), textRejects = path("text-rejects.csv")
        let a = try FacilityImporter(rejectsPath: bulkRejects).run(path: csv, into: bulk)
        let b = try FacilityImporter(rejectsPath: textRejects).run(source: TextRowsOnly(try CSVReader(path: csv)), into: text)
        // And the upsert path with the byte path (store C holds the seed too): the same again.
        let upserted = try luoyangStore("upserted.sqlite")
        XCTAssertEqual(try FacilityImporter().run(path: seed, into: upserted).new, 1)
        let c = try FacilityImporter().run(path: csv, into: upserted)
        XCTAssertEqual(c.rejections, b.rejections)
        XCTAssertEqual(try facilities(upserted), try facilities(text))
        XCTAssertEqual(a.rows, 34_000)
        XCTAssertEqual(a.rows, b.rows)
        XCTAssertEqual(a.new, b.new)
        XCTAssertGreaterThan(a.new, 15_000)
        XCTAssertEqual(a.rejections, b.rejections)
        XCTAssertTrue(a.rejections.contains { $0.message.contains("is also on line") })
        XCTAssertEqual(a.warnings, b.warnings)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: bulkRejects)),
                       try Data(contentsOf: URL(fileURLWithPath: textRejects)))
        XCTAssertEqual(try facilities(bulk), try facilities(text).filter { $0.id != "SEED" })
        try (bulk as! SQLiteStore).write { writer in XCTAssertEqual(try writer.checkIndexes(of: .facilities), "ok") }
        // A repeated id names the line of the row that was kept.
        let repeated = try XCTUnwrap(a.rejections.first { $0.message.contains("is also on line") })
        let id = try XCTUnwrap(repeated.fields.first)
        let firstLine = try XCTUnwrap(Int(repeated.message.split(separator: " ")[5].trimmingCharacters(in: .punctuationCharacters)))
        let lines = try String(contentsOfFile: csv, encoding: .utf8).components(separatedBy: "\r\n")
        XCTAssertTrue(lines[firstLine - 1].hasPrefix(id + ","), "line \(firstLine) is \(lines[firstLine - 1])")
    }

    /// A large file imported again into the store it filled (a bulk load through the upsert path): the few points that
    /// are new — moved rows and new rows — go into the R*Tree as it stands, which stays sound and finds them where
    /// they are now, not where they were; the other rows are unchanged.
    func testAReimportWithAFewNewPointsAddsThemToTheRTreeAsItStands() throws {
        func rows(moved: Set<Int>, extra: Int) -> String {
            var lines = [Self.header]
            for n in 0..<(30_000 + extra) {
                let lon = 112.40 + Double(n % 200) * 0.0003 + (moved.contains(n) ? 0.00007 : 0)
                let lat = 34.64 + Double(n / 200) * 0.0003
                lines.append("Q\(n),设施\(n),hospital,\(String(format: "%.5f", lon)),\(String(format: "%.5f", lat)),,10,,,,,,,,备注备注备注备注备注备注备注备注")
            }
            return lines.joined(separator: "\n") + "\n"
        }
        let store = try luoyangStore()
        let first = try file("first.csv", rows(moved: [], extra: 0))
        XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: first)[.size] as! Int, 2_000_000)
        XCTAssertEqual(try FacilityImporter().run(path: first, into: store).new, 30_000)
        let moved: Set<Int> = Set(stride(from: 7, to: 30_000, by: 600))
        let again = try file("again.csv", rows(moved: moved, extra: 40))
        let summary = try FacilityImporter().run(path: again, into: store)
        XCTAssertEqual([summary.new, summary.updated, summary.unchanged], [40, moved.count, 30_000 - moved.count])
        try (store as! SQLiteStore).write { writer in XCTAssertEqual(try writer.checkIndexes(of: .facilities), "ok") }
        // Each moved row is found around its new point and not around its old one; each new row around its point.
        for n in moved.sorted().prefix(10) + [30_000, 30_039] {
            let facility = try XCTUnwrap(try store.facility(id: "Q\(n)"))
            let p = facility.location
            var near: [String] = []
            try store.forEachFacility(in: BoundingBox(minLon: p.lon - 0.00002, minLat: p.lat - 0.00002, maxLon: p.lon + 0.00002, maxLat: p.lat + 0.00002)) {
                near.append($0.id)
            }
            XCTAssertEqual(near, ["Q\(n)"], "Q\(n)")
            if n < 30_000 {
                var old: [String] = []
                let was = LonLat(p.lon - 0.00007, p.lat)
                try store.forEachFacility(in: BoundingBox(minLon: was.lon - 0.00002, minLat: was.lat - 0.00002, maxLon: was.lon + 0.00002, maxLat: was.lat + 0.00002)) {
                    old.append($0.id)
                }
                XCTAssertEqual(old, [], "Q\(n) is no longer at its old point")
            }
        }
        // The tree answers as one built anew: every facility in a box, by the index and by a scan alike.
        let box = BoundingBox(minLon: 112.41, minLat: 34.65, maxLon: 112.43, maxLat: 34.66)
        var byIndex: [String] = []
        try store.forEachFacility(in: box) { byIndex.append($0.id) }
        let byScan = try facilities(store).filter { box.contains($0.location) }.map(\.id)
        XCTAssertEqual(byIndex, byScan)
        XCTAssertGreaterThan(byIndex.count, 100)
    }

    func testAGB18030BulkImportStoresWhatTheTextPathDoes() throws {
        // The GB18030 fixture's lines, again and again with new ids (the second field, ASCII): Chinese text in
        // GB18030. (Cut at line feeds, one quoted field spanning two lines makes rows of the wrong width: rejected.)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("facilities-gb18030-gcj02.csv")))
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true).map { Array($0) }
        var out = lines[0] + [0x0A]
        for n in 0..<30_000 {
            let row = lines[1 + n % (lines.count - 1)]
            let comma = row.firstIndex(of: 0x2C)!
            let rest = row[(comma + 1)...].drop { $0 != 0x2C }
            out += row[...comma] + Array((n % 499 == 498 ? "G\(n - 7)" : "G\(n)").utf8) + rest + [0x0A]
        }
        let csv = try file("gb.csv", out)
        XCTAssertGreaterThan(out.count, 2_000_000, "large enough for the bulk path")
        let bulk = try luoyangStore("bulk.sqlite")
        let text = try luoyangStore("text.sqlite")
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: text)
        let a = try FacilityImporter(coordinateSystem: .gcj02).run(path: csv, into: bulk)
        let b = try FacilityImporter(coordinateSystem: .gcj02).run(path: csv, into: text)
        XCTAssertEqual(a.rows, b.rows)
        XCTAssertEqual(a.new, b.new)
        XCTAssertGreaterThan(a.new, 10_000)
        XCTAssertEqual(a.rejections, b.rejections)
        XCTAssertTrue(a.rejections.contains { $0.message.contains("is also on line") })
        XCTAssertEqual(try facilities(bulk), try facilities(text).filter { $0.id.hasPrefix("G") })
        XCTAssertEqual(try bulk.facility(id: "G0")?.name, "洛阳市中心医院")
    }

    func testFastPathReadsPlainRowsAndLeavesTheRestToTheTextPath() throws {
        let store = try luoyangStore()
        let csv = try file("rows.csv", ([Self.header] + Self.plainRows + Self.otherRows).joined(separator: "\n") + "\n")
        let reader = try CSVReader(path: csv)
        let columns = ColumnMap<FacilityField>(header: reader.header, aliases: { $0.aliases })
        let areas = try AreaIndex(store: store, levels: [.city, .district])
        let importer = FacilityImporter()
        let fast = FacilityFastPath(columns: columns, coordinateSystem: .wgs84, areas: areas)
        let record = CSVRawRecord()
        var taken: [String] = []
        while try reader.nextRaw(into: record) {
            let row = try reader.row(of: record)
            guard let facility = fast.withRow(record, { Facility($0) }) else { continue }
            taken.append(facility.id)
            XCTAssertEqual(facility, try importer.parse(row, columns: columns, areas: areas), "line \(row.line)")
        }
        // P-4 lies outside Luoyang; blanks (O-12) and leading zeros (O-16) are plain ASCII the byte path trims and reads.
        XCTAssertEqual(taken, ["P-1", "P-2", "P-3", "O-12", "O-16"])
    }

    func testDecimalsAreReadExactlyAsDoubleReadsThem() {
        for text in ["0", "-0", "112.43371", "34.000001", "179.999999999999", "-89.123456789012", "007.5", "123456789012345"] {
            let bytes = Array(text.utf8)
            let value = bytes.withUnsafeBufferPointer { FacilityFastPath.decimal($0) }
            XCTAssertEqual(value?.bitPattern, Double(text)?.bitPattern, text)
        }
        for text in ["", "-", ".5", "5.", "1e5", "+1", "1.2.3", "0x10", "1234567890123456", "nan", "1,5"] {
            XCTAssertNil(Array(text.utf8).withUnsafeBufferPointer { FacilityFastPath.decimal($0) }, text)
        }
    }

    func testAnUnterminatedQuoteDeepInABulkImportStoresNothing() throws {
        let store = try luoyangStore()
        var lines = [Self.header]
        for n in 0..<30_000 { lines.append("Q\(n),医院,hospital,112.43371,34.71248,410302,100,,,,,,,,") }
        lines.append("BAD,\"未闭合,hospital,112.43371,34.71248,,,,,,,,,,")
        let csv = try file("quote.csv", lines.joined(separator: "\n") + "\n")
        XCTAssertThrowsError(try FacilityImporter().run(path: csv, into: store)) { error in
            XCTAssertEqual(error as? CSVError, .unterminatedQuote(path: csv, line: 30_002))
        }
        XCTAssertEqual(try store.facilityCount(), 0)
        XCTAssertEqual(try store.importLog().filter { $0.layer == "facilities" }, [])
    }
}
