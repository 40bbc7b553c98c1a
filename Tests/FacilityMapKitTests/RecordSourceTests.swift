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
        rows.append(rows[0])

        let fromCSV = try luoyangStore("csv.sqlite")
        let csvSummary = try FacilityImporter().run(path: csv, into: fromCSV)
        let fromTable = try luoyangStore("table.sqlite")
        var importer = FacilityImporter()
        importer.rejectsPath = path("rejects.csv")
        // The file the rows came from (its SHA-256 goes to the import log).
        let workbook = try file("卫健委.xlsx", "a workbook's bytes")
        importer.sourceName = "卫健委.xlsx"
        let summary = try importer.run(source: TableSource(path: workbook, header: reader.header, rows: rows), into: fromTable)

        XCTAssertEqual(summary.line, "imported 12 rows: 10 new, 0 updated, 0 unchanged, 2 rejected")
        XCTAssertEqual(summary.rejections.map(\.description), [
            "\(workbook):12: kind: 中医医院 is not a known kind — did you mean 中医院 (tcm_hospital)?",
            "\(workbook):13: id: \(rows[0][0]) is also on line 2, which is kept — give each facility its own id",
        ])
        XCTAssertEqual(summary.rejections.last?.fields, rows[0])
        XCTAssertEqual(try facilities(fromTable), try facilities(fromCSV))
        XCTAssertEqual(csvSummary.new, 10)
        XCTAssertEqual(try fromTable.importLog().last?.file, "卫健委.xlsx")
        // The rejects in the source's own encoding (plain UTF-8 here: no byte order mark).
        let rejects = try Data(contentsOf: URL(fileURLWithPath: path("rejects.csv")))
        XCTAssertEqual(String(decoding: rejects.prefix(3), as: UTF8.self), "id,")
    }

    /// Features held in memory, as a Shapefile's reader gives them (records with attributes and shapes).
    final class MemoryFeatures: FeatureSource {
        let path: String
        let features: [Result<Feature, FeatureError>]

        init(path: String, features: [Result<Feature, FeatureError>]) {
            self.path = path
            self.features = features
        }

        func forEachFeature(limits: GeoJSONLimits, _ body: (Result<Feature, FeatureError>) throws -> Void) throws {
            for feature in features { try body(feature) }
        }
    }

    func testUnitsFromATableSourceImportAsTheirCSVDoes() throws {
        let csv = geoData("luoyang/units.csv")
        let reader = try CSVReader(path: csv)
        var rows: [[String]] = []
        while let row = try reader.next() { rows.append(row.fields) }
        let repeated = rows[1]
        rows.append(["410399999", "坏村", "hamlet", "410302001", "", "", "", "false"])
        rows.append(repeated)
        // The same rows as a CSV, for the reference import.
        let text = ([reader.header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let fromCSV = try luoyangStore("csv.sqlite")
        var csvImporter = UnitImporter()
        csvImporter.rejectsPath = path("csv-rejects.csv")
        let csvSummary = try csvImporter.run(path: try file("units.csv", text), into: fromCSV)

        let fromTable = try luoyangStore("table.sqlite")
        var importer = UnitImporter()
        importer.rejectsPath = path("table-rejects.csv")
        let workbook = try file("民政局.xlsx", "a workbook's bytes")
        let summary = try importer.run(source: .table(TableSource(path: workbook, header: reader.header, rows: rows)), into: fromTable)

        XCTAssertEqual(summary.line, "imported 3158 rows: 3156 new, 0 updated, 0 unchanged, 2 rejected")
        XCTAssertEqual(summary.line, csvSummary.line)
        XCTAssertEqual(summary.rejections.map(\.description), [
            "\(workbook):3158: level: hamlet is not a level — use city, district (county), township, community or village",
            "\(workbook):3159: code: 410302001 is also on line 3, which is kept — give each unit its own code",
        ])
        XCTAssertEqual(summary.rejections.map(\.fields), csvSummary.rejections.map(\.fields))
        XCTAssertEqual(summary.rejections.last?.fields, repeated)
        XCTAssertEqual(try fromTable.units(), try fromCSV.units())
        XCTAssertEqual(try String(contentsOfFile: path("table-rejects.csv")), try String(contentsOfFile: path("csv-rejects.csv")))
    }

    func testUnitsFromAFeatureSourceImportAsTheirGeoJSONDoes() throws {
        let geojson = geoData("luoyang/districts.geojson")
        var features = try GeoJSONDocument.read(path: geojson).features
        let shapefile = try file("行政区划.shp", "a shapefile's bytes")
        // One record without a code, which the importer rejects naming its record.
        features.append(.success(Feature(index: features.count, line: features.count + 1, properties: ["name": .string("无编码")],
                                         geometry: .point(LonLat(112.45, 34.62)))))
        let fromGeoJSON = try emptyStore("geojson.sqlite")
        XCTAssertEqual(try UnitImporter().run(path: geojson, into: fromGeoJSON).new, 15)
        let fromFeatures = try emptyStore("features.sqlite")
        let summary = try UnitImporter().run(source: .features(MemoryFeatures(path: shapefile, features: features)), into: fromFeatures)

        XCTAssertEqual(summary.line, "imported 16 rows: 15 new, 0 updated, 0 unchanged, 1 rejected")
        XCTAssertEqual(summary.rejections.map(\.description), ["\(shapefile):16: code: feature 15: missing — every unit needs a code (or adcode)"])
        XCTAssertEqual(try fromFeatures.units(), try fromGeoJSON.units())
        XCTAssertEqual(try fromFeatures.importLog().last?.file, shapefile)
    }
}
