@testable import FacilityFormats
import Foundation
import XCTest

final class WorkbookWriterTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-workbook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The parts of the `.xlsx` (a zip) at `path`, by name, as text, read by Python's zipfile.
    func parts(_ path: String) throws -> [String: String] {
        let python = try XCTUnwrap(["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "python3 reads the zip")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                             + "print(json.dumps({n: z.read(n).decode('utf-8') for n in z.namelist()}))", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(path) is not a zip")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: String])
    }

    /// The number in `cell` of a sheet's XML, when it is a numeric cell with a format.
    func number(in sheet: String, cell: String) -> Double? {
        guard let range = sheet.range(of: "<c r=\"\(cell)\" s=\"[0-9]+\"><v>[-0-9.E+]+</v></c>", options: .regularExpression) else { return nil }
        let text = sheet[range].split(separator: ">")[2].split(separator: "<")[0]
        return Double(text)
    }

    func testSheetNamesAreMadeSafeShortAndDistinctAndSafeNamesStay() {
        let long = "每千人口医疗卫生机构床位数每千人口医疗卫生机构床位数每千人口医疗卫生机构床位数"
        let names = WorkbookWriter.sheetNames(["汇总", "beds/1000: [all]?", long, "汇总", "SUMMARY", "summary", "'quoted'", "", "History",
                                               long])
        XCTAssertEqual(names[0], "汇总")
        XCTAssertEqual(names[1], "beds_1000_ _all__")
        XCTAssertEqual(names[2], String(long.prefix(31)))
        XCTAssertEqual(names[3], "汇总 (2)")
        XCTAssertEqual(names[4], "SUMMARY")
        XCTAssertEqual(names[5], "summary (2)", "Excel ignores case")
        XCTAssertEqual(names[6], "quoted")
        XCTAssertEqual(names[7], "Sheet8")
        XCTAssertEqual(names[8], "History_")
        XCTAssertEqual(names[9], String(long.prefix(27)) + " (2)")
        XCTAssertEqual(WorkbookWriter.sheetNames([String(repeating: "a", count: 30) + "'b"]), [String(repeating: "a", count: 30)],
                       "no apostrophe left at the end by the cut")
        XCTAssertTrue(names.allSatisfy { $0.utf16.count <= 31 }, "\(names)")
        XCTAssertEqual(WorkbookWriter.sheetNames(names), names)
    }

    func testAWorkbookHoldsNumbersWithFormatsChineseTextAFrozenHeaderAndHighlightedRows() throws {
        let path = folder.appendingPathComponent("覆盖率.xlsx").path
        let sheet = WorkbookWriter.Sheet(name: "社区/养老", header: ["区域名称", "实际值", "缺口"], rows: [
            WorkbookWriter.Row([.text("老城区"), .number(0.873, .percent), .number(12, .whole)], highlighted: true),
            WorkbookWriter.Row([.text("洛阳市"), .number(9.87, .twoDecimals), .empty], bold: true),
        ])
        try WorkbookWriter.write([sheet, WorkbookWriter.Sheet(name: "空", header: ["说明"], rows: [], freezesHeader: false)], to: path)
        let parts = try parts(path)
        let workbook = try XCTUnwrap(parts["xl/workbook.xml"])
        XCTAssertTrue(workbook.contains("<sheet name=\"社区_养老\" sheetId=\"1\"") && workbook.contains("<sheet name=\"空\""), workbook)
        let first = try XCTUnwrap(parts["xl/worksheets/sheet1.xml"])
        XCTAssertTrue(first.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"), first)
        XCTAssertFalse(try XCTUnwrap(parts["xl/worksheets/sheet2.xml"]).contains("frozen"))
        // Numbers are numeric cells (no t="s"), holding the value itself (libxlsxwriter writes 17 digits: 9.869999999999999).
        XCTAssertEqual(try XCTUnwrap(number(in: first, cell: "B2")), 0.873, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(number(in: first, cell: "B3")), 9.87, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(number(in: first, cell: "C2")), 12)
        // An empty cell in a bold or highlighted row is written with the row's format, so the fill spans the row.
        XCTAssertNotNil(first.range(of: #"<c r="C3" s="\d+"/>"#, options: .regularExpression), first)
        let styles = try XCTUnwrap(parts["xl/styles.xml"])
        XCTAssertTrue(styles.contains("formatCode=\"0.0%\"") && styles.contains("formatCode=\"0.00\""), styles)
        XCTAssertTrue(styles.contains("rgb=\"FFFFC7CE\""), "the light red fill")
        let strings = try XCTUnwrap(parts["xl/sharedStrings.xml"])
        for text in ["区域名称", "实际值", "老城区", "洛阳市", "说明"] { XCTAssertTrue(strings.contains("<t>\(text)</t>"), text) }
        // Columns fitted: 区域名称 is four wide characters.
        XCTAssertNotNil(first.range(of: #"<col min="1" max="1" width="11\.\d+" customWidth="1"/>"#, options: .regularExpression), first)
    }

    func testAnUnwritablePathSaysWhatToDoAndLeavesNoFile() throws {
        let sheet = WorkbookWriter.Sheet(name: "s", header: ["a"], rows: [WorkbookWriter.Row([.text("x")])])
        let missing = folder.appendingPathComponent("no-such-folder/out.xlsx").path
        XCTAssertThrowsError(try WorkbookWriter.write([sheet], to: missing)) { error in
            XCTAssertEqual("\(error)", "\(missing): cannot write the workbook: there is no folder \(folder.path)/no-such-folder — create it first, or write the workbook into a folder that exists")
        }
        XCTAssertThrowsError(try WorkbookWriter.write([sheet], to: folder.path)) { error in
            XCTAssertEqual("\(error)", "\(folder.path): is a folder — give a file name such as \(folder.path)/report.xlsx")
        }
        // A cell over Excel's limit: the sheet, row and column named, and the old file kept as it was.
        let old = folder.appendingPathComponent("old.xlsx")
        try Data("the old workbook".utf8).write(to: old)
        let tooLong = WorkbookWriter.Sheet(name: "未覆盖", header: ["单位"], rows: [WorkbookWriter.Row([.text(String(repeating: "村", count: 40_000))])])
        XCTAssertThrowsError(try WorkbookWriter.write([tooLong], to: old.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(old.path): sheet 未覆盖, row 2, column 1: "), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix(" — shorten what goes in that cell"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: old), Data("the old workbook".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["old.xlsx"], "no partial file left")
    }
}
