import FacilityCoverage
@testable import FacilityMapKit
import FacilityFormats
import Foundation
import XCTest

/// Each facility field is declared once, in `FacilityField` and `FacilityCount` (#23): header names, store columns,
/// listings, exports, history and targets take the fields from that table. These tests walk the table, so a count added
/// there is checked through the import, both engines, every reader and writer without a line here changing.
class FacilityFieldTableTests: ImportTestCase {
    func testTheTableIsConsistent() {
        XCTAssertEqual(FacilityCount.allCases.map(\.ordinal), Array(FacilityCount.allCases.indices))
        XCTAssertEqual(FacilityField.allCases.map(\.ordinal), Array(FacilityField.allCases.indices))
        XCTAssertEqual(FacilityField.allCases.count, 10 + FacilityCount.allCases.count)
        XCTAssertEqual(FacilityCount.caseCount, FacilityCount.allCases.count)
        XCTAssertEqual(UnitColumn.allCases.map(\.ordinal), Array(UnitColumn.allCases.indices), "a units column's ordinal")
        for field in FacilityField.allCases {
            XCTAssertEqual(FacilityField(rawValue: field.rawValue), field)
            XCTAssertEqual(field.aliases.first, field.label, "the Chinese name is read first")
        }
        XCTAssertEqual(FacilityField.required.map(\.rawValue), ["id", "name", "kind", "lon", "lat"])
        // A header name leads to one field only.
        var owner: [String: FacilityField] = [:]
        for field in FacilityField.allCases {
            for name in [field.rawValue] + field.aliases {
                XCTAssertNil(owner[name.lowercased()], "\(name) names both \(owner[name.lowercased()].map { "\($0)" } ?? "") and \(field)")
                owner[name.lowercased()] = field
            }
        }
        // Nor does a name cut to a `.dbf`'s 10 bytes (a Shapefile's table), for facilities and units alike.
        for field in FacilityField.allCases {
            for name in ([field.rawValue] + field.aliases).flatMap({ ShapefileFeatureSource.fieldNames(for: $0).dropFirst() }) {
                XCTAssertTrue(owner[name.lowercased()] == nil || owner[name.lowercased()] == field, "\(name), cut from \(field)'s name")
            }
        }
        var unitOwner: [String: UnitColumn] = [:]
        for column in UnitColumn.allCases {
            for name in ([column.rawValue] + column.aliases).flatMap(ShapefileFeatureSource.fieldNames(for:)) {
                XCTAssertTrue(unitOwner[name.lowercased()] == nil || unitOwner[name.lowercased()] == column, "\(name) names two unit columns")
                unitOwner[name.lowercased()] = column
            }
        }
        // The counts are held apart, each nil until stated, and compare and hash by value.
        XCTAssertGreaterThanOrEqual(MemoryLayout<FacilityCounts>.size / MemoryLayout<Int>.size, FacilityCount.allCases.count,
                                    "FacilityCounts has a lane for every count")
        var counts = FacilityCounts()
        XCTAssertTrue(counts.isEmpty)
        for count in FacilityCount.allCases { counts[count] = 10 + count.ordinal }
        for count in FacilityCount.allCases { XCTAssertEqual(counts[count], 10 + count.ordinal) }
        var other = counts
        XCTAssertEqual(other, counts)
        XCTAssertEqual(other.hashValue, counts.hashValue)
        other[FacilityCount.allCases.last!] = nil
        XCTAssertNotEqual(other, counts)
        XCTAssertNil(other[FacilityCount.allCases.last!])
        XCTAssertEqual(other.orZero(FacilityCount.allCases.last!), 0)
        other[FacilityCount.allCases.last!] = 0
        XCTAssertNotEqual(other, counts)
        XCTAssertEqual(other[FacilityCount.allCases.last!], 0, "0 is stated, not absent")
    }

    /// The value the test writes for `count` in row `row` (distinct for every count and row).
    func value(_ count: FacilityCount, row: Int) -> Int { 100 * row + 11 * (count.ordinal + 1) }

    /// Every count, under its Chinese name, goes into the store and out of every reader and writer under its English one.
    func testEveryCountGoesInUnderItsChineseNameAndOutOfEveryReaderAndWriter() throws {
        let store = try luoyangStore()
        let counts = FacilityCount.allCases
        func csv(_ row: Int) -> String {
            (["编号,名称,类型,经度,纬度," + counts.map(\.label).joined(separator: ",")]
                + ["F1,洛阳市第一医院,医院,112.45,34.62," + counts.map { String(value($0, row: row)) }.joined(separator: ","),
                   "F2,西工区幼儿园,幼儿园,112.43,34.67," + counts.map { _ in "" }.joined(separator: ",")])
                .joined(separator: "\n") + "\n"
        }
        let summary = try FacilityImporter().run(path: try file("counts.csv", csv(1)), into: store)
        XCTAssertEqual(summary.new, 2)
        XCTAssertTrue(summary.warnings.isEmpty, "\(summary.warnings)")

        // The store, on its own read, and on coverage's columns.
        let stored = try XCTUnwrap(try store.facility(id: "F1"))
        let bare = try XCTUnwrap(try store.facility(id: "F2"))
        for count in counts {
            XCTAssertEqual(stored.counts[count], value(count, row: 1), "\(count)")
            XCTAssertNil(bare.counts[count], "\(count)")
        }
        let columns = try store.unitsAndFacilityColumns(attributes: false).facilities
        for count in counts { XCTAssertEqual(columns.column(count).sorted(), [0, value(count, row: 1)], "\(count)") }

        // `list facilities` as CSV and JSON.
        func listing(_ format: ListFormat) throws -> Data {
            let out = path("list.\(format.rawValue)")
            FileManager.default.createFile(atPath: out, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            try Listing(store: store).facilities(kind: nil, within: nil, format: format, csvEncoding: .utf8, to: handle)
            try handle.close()
            return try Data(contentsOf: URL(fileURLWithPath: out))
        }
        let lines = String(decoding: try listing(.csv), as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for count in counts {
            let column = try XCTUnwrap(lines[0].firstIndex { $0 == count.rawValue }, "\(count) in \(lines[0])")
            XCTAssertEqual(lines[1][column], "\(value(count, row: 1))")
            XCTAssertEqual(lines[2][column], "")
        }
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: try listing(.json)) as? [[String: Any]])
        for count in counts {
            XCTAssertEqual(json[0][count.rawValue] as? Int, value(count, row: 1))
            XCTAssertTrue(json[1][count.rawValue] is NSNull, "\(count) of F2: \(json[1][count.rawValue] ?? "absent")")
        }

        // The GeoJSON export.
        let geojson = path("facilities.geojson")
        try GeoJSONExport(store: store, outputPath: geojson).facilities()
        let collection = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: geojson))) as? [String: Any])
        let features = try XCTUnwrap(collection["features"] as? [[String: Any]])
        let properties = try XCTUnwrap(features.first { $0["id"] as? String == "F1" }?["properties"] as? [String: Any])
        for count in counts { XCTAssertEqual(properties[count.rawValue] as? Int, value(count, row: 1), "\(count)") }

        // An update's history names each changed count, before and after.
        XCTAssertEqual(try FacilityImporter().run(path: try file("counts2.csv", csv(2)), into: store).updated, 1)
        let history = try XCTUnwrap(try store.history(facilityID: "F1"))
        let update = try XCTUnwrap(history.last)
        let old = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(update.old).utf8)) as? [String: Any])
        let new = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(update.new).utf8)) as? [String: Any])
        for count in counts {
            XCTAssertEqual(old[count.rawValue] as? Int, value(count, row: 1), "\(count)")
            XCTAssertEqual(new[count.rawValue] as? Int, value(count, row: 2), "\(count)")
        }

        // A targets file sums any count by its name.
        for count in counts {
            let plan = try TargetPlan(yaml: """
                plan: p
                targets:
                  - {id: t, metric: per_population, kinds: [hospital], field: \(count.rawValue), per: 1000, goals: {2025: 1}}
                """, file: "t.yaml")
            XCTAssertEqual(plan.targets[0].field, count)
        }
    }
}

final class FacilityFieldTableOnPostGISTests: FacilityFieldTableTests {
    let databases = TestDatabases()
    override func emptyStore(_ name: String) throws -> any RegistryStore { try databases.store() }
    override func tearDownWithError() throws {
        databases.drop()
        try super.tearDownWithError()
    }

    override func testEveryCountGoesInUnderItsChineseNameAndOutOfEveryReaderAndWriter() throws {
        try super.testEveryCountGoesInUnderItsChineseNameAndOutOfEveryReaderAndWriter()
    }
}
