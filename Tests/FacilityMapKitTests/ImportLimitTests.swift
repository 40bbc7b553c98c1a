import FacilityMapKit
import Foundation
import XCTest

/// Issue #22, item 4: a file with 200,000 columns was accepted and one facility kept a 2.7 MB `attributes` value.
final class ImportLimitTests: ImportTestCase {
    func testAHeaderOfMoreThan1000ColumnsRefusesTheFileNamingTheLimit() throws {
        let store = try luoyangStore()
        let extra = (0..<200_000).map { "c\($0)" }.joined(separator: ",")
        let values = Array(repeating: "x", count: 200_000).joined(separator: ",")
        let wide = try file("wide.csv", "id,name,kind,lon,lat,\(extra)\nW-1,医院,hospital,112.43,34.67,\(values)\n")
        XCTAssertThrowsError(try FacilityImporter().run(path: wide, into: store)) { error in
            XCTAssertEqual("\(error)", "\(wide):1: the header has 200005 columns, more than the 1000 an import reads — nothing was imported; delete the columns the registry does not need")
        }
        let units = try file("wide-units.csv", "code,name,level,\(extra)\n419999,测试,township,\(values)\n")
        XCTAssertThrowsError(try UnitImporter().run(path: units, into: store)) { error in
            XCTAssertTrue("\(error)".contains("the header has 200003 columns, more than the 1000"), "\(error)")
        }
        XCTAssertEqual(try store.facilityCount(), 0)
    }

    func testARowWhoseExtraColumnsHoldMoreThan64KiBIsRejectedAndTheOthersGoIn() throws {
        let store = try luoyangStore()
        let part = String(repeating: "长", count: 10_000)  // 30,000 bytes a field, 90,000 the three
        let big = [part, part, part].joined(separator: ",")
        let csv = try file("big.csv", "id,name,kind,lon,lat,备注,说明,附记\nB-1,医院,hospital,112.43,34.67,\(big)\nB-2,医院二,hospital,112.44,34.67,普通,,\n")
        let summary = try FacilityImporter().run(path: csv, into: store)
        XCTAssertEqual(summary.line, "imported 2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected")
        XCTAssertEqual(summary.rejections.first?.description,
                       "\(csv):2: attributes: the columns beyond the known fields hold 90018 bytes, more than the 65536 a row may keep as attributes — drop the columns the registry does not need")
        XCTAssertEqual(try store.facility(id: "B-2")?.attributes, ["备注": "普通"])
        // The same into a store that already holds facilities (the row-by-row path), and for units.
        let again = try FacilityImporter().run(path: csv, into: store)
        XCTAssertEqual(again.rejected, 1)
        let units = try file("big-units.csv", "code,name,level,备注,说明,附记\n419999,测试,township,\(big)\n")
        XCTAssertEqual(try UnitImporter().run(path: units, into: store).rejected, 1)
    }
}
