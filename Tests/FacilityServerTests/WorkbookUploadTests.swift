import FacilityMapKit
import Foundation
import XCTest

/// An `.xlsx` upload imports as `facilitymap import` reads it (#24): the name says the format, `sheet` and
/// `header_row` say where the table is, and a rejected row names its cell.
final class WorkbookUploadTests: ServerTestCase {
    func testAnXLSXUploadImportsItsSheetAndNamesTheBadCell() async throws {
        try await startServer()
        let token = try addToken(name: "卫健委")
        let workbook = folder.appendingPathComponent("卫健委.xlsx").path
        // openpyxl (PyPI) writes it: a cover sheet first, then the register with a title above its header.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys, openpyxl
            wb = openpyxl.Workbook()
            wb.active.title = "说明"
            wb.active["A1"] = "本表由卫健委填报"
            ws = wb.create_sheet("医疗机构")
            ws["A1"] = "洛阳市医疗卫生机构名录（2025年）"
            ws.append([])
            ws.append(["编号", "名称", "类型", "经度", "纬度", "床位数"])
            ws.append(["XL-1", "新建医院", "hospital", 112.45, 34.62, 120])
            ws.append(["XL-2", "新建卫生院", "township_health_center", 112.40, 34.66, "很多"])
            wb.save(sys.argv[1])
            """, workbook]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 with openpyxl (Scripts/setup installs it)")

        let name = "卫健委.xlsx".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let body = try Data(contentsOf: URL(fileURLWithPath: workbook))
        let answer = try await request("/api/facilities?file=\(name)&sheet=\("医疗机构".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                       method: "POST", body: body, token: token)
        XCTAssertEqual(answer.status, 422, answer.text)
        XCTAssertEqual(answer.object["new"] as? Int, 1, answer.text)
        let rejection = try XCTUnwrap((answer.object["rejections"] as? [[String: Any]])?.first, answer.text)
        XCTAssertEqual(rejection["cell"] as? String, "医疗机构!F5", answer.text)
        XCTAssertEqual(rejection["line"] as? Int, 5, answer.text)
        XCTAssertTrue((rejection["text"] as? String)?.hasPrefix("卫健委.xlsx:医疗机构!F5: 床位数: 很多 is not a whole number") == true, answer.text)
        let hospital = try await request("/api/facilities/XL-1")
        XCTAssertEqual(hospital.object["name"] as? String, "新建医院")
        XCTAssertEqual(hospital.object["beds"] as? Int, 120)

        // The first sheet holds no table: without `sheet`, the upload is refused and says which sheets there are.
        let first = try await request("/api/facilities?file=\(name)", method: "POST", body: body, token: token)
        XCTAssertEqual(first.status, 422, first.text)
        XCTAssertTrue(first.text.contains("卫健委.xlsx: sheet 说明 has no header row (a row of column names) in its first 50 rows — the workbook's sheets are 说明, 医疗机构"), first.text)
        let badRow = try await request("/api/facilities?file=\(name)&header_row=0", method: "POST", body: body, token: token)
        XCTAssertEqual(badRow.status, 400, badRow.text)
    }
}
