import FacilityFormats
import FacilityMapKit
import Foundation
import XCTest

/// The importer reads any `RecordSource` (#23): a format is one more type. Here rows held in memory, as a workbook's
/// reader gives them (sheet rows, no bytes to scan), import as their CSV does.
final class RecordSourceTests: ImportTestCase {
    /// Rows in memory: a header and text rows, each with its row number.
    final class TableSource: RecordSource {
        let path: String
        let header: [String]
        let headerLine = 1
        let rows: [[String]]
        var position = 0
        let byteCount: Int
        var bytesRead = 0
        var rejectsEncoding: CSVOutputEncoding { .utf8 }

        init(path: String, header: [String], rows: [[String]]) {
            self.path = path
            self.header = header
            self.rows = rows
            byteCount = rows.reduce(0) { $0 + $1.reduce(0) { $0 + $1.utf8.count + 1 } }
        }

        func next() throws -> CSVRow? {
            guard position < rows.count else { return nil }
            defer { position += 1 }
            bytesRead += rows[position].reduce(0) { $0 + $1.utf8.count + 1 }
            return CSVRow(line: position + 2, fields: rows[position], problems: [])
        }
    }

    func testATableSourceImportsAsItsCSVDoes() throws {
        let csv = fixture("facilities.csv")
        let reader = try CSVReader(path: csv)
        var rows: [[String]] = []
        while let row = try reader.next() { rows.append(row.fields) }
        rows.append(["T-BAD", "坏行", "中医医院", "112.43", "34.71", "", "", "", "", "", "", "", "", "", ""])

        let fromCSV = try luoyangStore("csv.sqlite")
        let csvSummary = try FacilityImporter().run(path: csv, into: fromCSV)
        let fromTable = try luoyangStore("table.sqlite")
        var importer = FacilityImporter()
        importer.rejectsPath = path("rejects.csv")
        // The file the rows came from (its SHA-256 goes to the import log).
        let workbook = try file("卫健委.xlsx", "a workbook's bytes")
        importer.sourceName = "卫健委.xlsx"
        let summary = try importer.run(source: TableSource(path: workbook, header: reader.header, rows: rows), into: fromTable)

        XCTAssertEqual(summary.line, "imported 11 rows: 10 new, 0 updated, 0 unchanged, 1 rejected")
        XCTAssertEqual(summary.rejections.map(\.description), ["\(workbook):12: kind: 中医医院 is not a known kind — did you mean 中医院 (tcm_hospital)?"])
        XCTAssertEqual(try facilities(fromTable), try facilities(fromCSV))
        XCTAssertEqual(csvSummary.new, 10)
        XCTAssertEqual(try fromTable.importLog().last?.file, "卫健委.xlsx")
        // The rejects in the source's own encoding (plain UTF-8 here: no byte order mark).
        let rejects = try Data(contentsOf: URL(fileURLWithPath: path("rejects.csv")))
        XCTAssertEqual(String(decoding: rejects.prefix(3), as: UTF8.self), "id,")
    }
}
