@testable import FacilityFormats
import Foundation
import XCTest

/// What `.xlsx` writers do that openpyxl and LibreOffice (the CLI tests' writers) do not: prefixed elements (`x:row`,
/// as .NET's Open XML SDK writes), cells without references, phonetic guides, `_xHHHH_` escapes, the 1904 date
/// system, custom and East Asian date formats, typed cells, a stored (not deflated) part, a workbook part that is not
/// at `xl/workbook.xml`. The parts are packed by Python's zipfile.
final class XLSXSheetTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// An `.xlsx` of `parts` (name → XML), packed by Python's zipfile; `stored` parts are not deflated.
    func workbook(_ parts: [String: String], stored: Set<String> = []) throws -> String {
        let path = folder.appendingPathComponent("book-\(UUID().uuidString).xlsx").path
        let manifest = folder.appendingPathComponent("parts.json")
        let list = parts.map { ["name": $0.key, "xml": $0.value, "stored": stored.contains($0.key) ? "1" : ""] }
        try JSONSerialization.data(withJSONObject: list).write(to: manifest)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import json, sys, zipfile
            with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
                for part in json.load(open(sys.argv[1], encoding="utf-8")):
                    z.writestr(part["name"], part["xml"].encode("utf-8"), zipfile.ZIP_STORED if part["stored"] else zipfile.ZIP_DEFLATED)
            """, manifest.path, path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return path
    }

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"

    /// The parts of a one-sheet workbook at `book/wb.xml` (its relationships say so), with `sheetData`, `strings` and
    /// `styles` inside the usual wrappers, every element prefixed `x:`.
    func parts(sheetData: String, strings: String, styles: String, date1904: Bool) -> [String: String] {
        [
            "[Content_Types].xml": "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
            "_rels/.rels": """
                <Relationships xmlns="\(Self.packageRelationships)"><Relationship Id="rId1" \
                Type="\(Self.relationships)/officeDocument" Target="/book/wb.xml"/></Relationships>
                """,
            "book/wb.xml": """
                <x:workbook xmlns:x="\(Self.main)" xmlns:r="\(Self.relationships)"><x:workbookPr date1904="\(date1904 ? "true" : "false")"/>\
                <x:sheets><x:sheet name="养老 机构" sheetId="7" r:id="rIdS"/></x:sheets></x:workbook>
                """,
            "book/_rels/wb.xml.rels": """
                <Relationships xmlns="\(Self.packageRelationships)">\
                <Relationship Id="rIdS" Type="\(Self.relationships)/worksheet" Target="sheets/one.xml"/>\
                <Relationship Id="rIdT" Type="\(Self.relationships)/sharedStrings" Target="text.xml"/>\
                <Relationship Id="rIdY" Type="\(Self.relationships)/styles" Target="../book/look.xml"/></Relationships>
                """,
            "book/sheets/one.xml": "<x:worksheet xmlns:x=\"\(Self.main)\"><x:sheetData>\(sheetData)</x:sheetData></x:worksheet>",
            "book/text.xml": "<x:sst xmlns:x=\"\(Self.main)\">\(strings)</x:sst>",
            "book/look.xml": "<x:styleSheet xmlns:x=\"\(Self.main)\">\(styles)</x:styleSheet>",
        ]
    }

    func rows(_ source: XLSXSheet) throws -> [CSVRow] {
        var rows: [CSVRow] = []
        while let row = try source.next() { rows.append(row) }
        return rows
    }

    func testEveryKindOfCellReadsAsACSVWouldHoldIt() throws {
        // Shared strings: plain, rich (runs joined; the phonetic guide left out), an escaped carriage return.
        let strings = """
            <x:si><x:t>名称</x:t></x:si><x:si><x:t>开办日期</x:t></x:si>\
            <x:si><x:r><x:rPr><x:b/></x:rPr><x:t>洛阳市</x:t></x:r><x:r><x:t xml:space="preserve"> 颐养院</x:t></x:r>\
            <x:rPh sb="0" eb="3"><x:t>ラクヨウ</x:t></x:rPh></x:si>\
            <x:si><x:t>一行_x000D_二行 &amp; 5 &lt; 6</x:t></x:si>
            """
        // Styles: 0 general, 1 a custom Chinese date, 2 built-in 14, 3 East Asian 31 (2025年3月1日), 4 a percent,
        // 5 a custom code whose only letters are quoted or bracketed (not a date), 6 elapsed hours.
        let styles = """
            <x:numFmts count="3"><x:numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>\
            <x:numFmt numFmtId="165" formatCode="[Red]#,##0&quot;元 days&quot;;[Blue]\\-0"/>\
            <x:numFmt numFmtId="166" formatCode="[h]:mm"/></x:numFmts>\
            <x:cellStyleXfs count="1"><x:xf numFmtId="14"/></x:cellStyleXfs>\
            <x:cellXfs count="7"><x:xf numFmtId="0"/><x:xf numFmtId="164"/><x:xf numFmtId="14"/><x:xf numFmtId="31"/>\
            <x:xf numFmtId="10"/><x:xf numFmtId="165"/><x:xf numFmtId="166"/></x:cellXfs>
            """
        // Row 1 a title, row 2 blank (absent), row 3 the header; cells without references follow their row's last.
        let sheet = """
            <x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>某市养老机构（2025年）</x:t></x:is></x:c></x:row>\
            <x:row r="3"><x:c r="A3" t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c>\
            <x:c r="C3" t="inlineStr"><x:is><x:t>床位</x:t></x:is></x:c><x:c r="D3" t="inlineStr"><x:is><x:t>inclusive</x:t></x:is></x:c>\
            <x:c r="E3" t="inlineStr"><x:is><x:t>note</x:t></x:is></x:c></x:row>\
            <x:row r="4"><x:c r="A4" t="s"><x:v>2</x:v></x:c><x:c r="B4" s="1"><x:v>45748</x:v></x:c>\
            <x:c r="C4"><x:f>SUM(1,2)</x:f><x:v>120.0</x:v></x:c><x:c r="D4" t="b"><x:v>1</x:v></x:c>\
            <x:c r="E4" t="s"><x:v>3</x:v></x:c></x:row>\
            <x:row r="5"/>\
            <x:row r="6"><x:c r="A6" t="str"><x:f>"甲"&amp;"乙"</x:f><x:v>甲乙</x:v></x:c><x:c r="B6" s="2"><x:v>45748.5</x:v></x:c>\
            <x:c r="C6" s="5"><x:v>1.5E2</x:v></x:c><x:c r="D6" t="b"><x:v>0</x:v></x:c><x:c r="E6" t="e"><x:v>#N/A</x:v></x:c></x:row>\
            <x:row r="7"><x:c r="A7" t="inlineStr"><x:is><x:r><x:t>富</x:t></x:r><x:r><x:t>文本</x:t></x:r></x:is></x:c>\
            <x:c r="B7" s="3"><x:v>45717</x:v></x:c><x:c r="C7" s="4"><x:v>0.87</x:v></x:c>\
            <x:c r="D7" t="d"><x:v>2025-03-01T00:00:00</x:v></x:c><x:c r="E7" s="6"><x:v>1.25</x:v></x:c></x:row>\
            <x:row r="8"><x:c r="AA8" t="inlineStr"><x:is><x:t>beyond the header</x:t></x:is></x:c></x:row>
            """
        for date1904 in [false, true] {
            let path = try workbook(parts(sheetData: sheet, strings: strings, styles: styles, date1904: date1904),
                                    stored: ["book/sheets/one.xml"])
            let source = try XLSXSheet(path: path)
            XCTAssertEqual(source.sheetName, "养老 机构")
            XCTAssertEqual(source.header, ["名称", "开办日期", "床位", "inclusive", "note"])
            XCTAssertEqual(source.headerLine, 3)
            let rows = try rows(source)
            XCTAssertEqual(rows.map(\.line), [4, 6, 7, 8])
            // 45748 is 2025-04-01 in the 1900 system; the same serial is four years and a day later in 1904's.
            let (april, march) = date1904 ? ("2029-04-02", "2029-03-02") : ("2025-04-01", "2025-03-01")
            XCTAssertEqual(rows[0].fields, ["洛阳市 颐养院", april, "120", "TRUE", "一行\r二行 & 5 < 6"])
            XCTAssertEqual(rows[1].fields, ["甲乙", april + " 12:00:00", "150", "FALSE", "#N/A"])
            XCTAssertEqual(rows[2].fields, ["富文本", march, "0.87", "2025-03-01", date1904 ? "1904-01-02 06:00:00" : "1900-01-01 06:00:00"])
            XCTAssertEqual(rows[3].fields.count, 27)
            XCTAssertEqual(rows[3].fields.last, "beyond the header")
            XCTAssertTrue(rows.allSatisfy(\.problems.isEmpty))
            XCTAssertEqual(source.cell(line: 4, field: "床位"), "'养老 机构'!C4")
            XCTAssertEqual(source.cell(line: 4, field: "no such column"), "'养老 机构'!4:4")
        }
    }

    func testDateFormatsAndSerialsAreExcels() {
        XCTAssertTrue(XLSXPackage.isDateFormat("yyyy\"年\"m\"月\"d\"日\""))
        XCTAssertTrue(XLSXPackage.isDateFormat("[$-804]aaaa;@") == false)
        XCTAssertTrue(XLSXPackage.isDateFormat("[$-F800]dddd, mmmm dd, yyyy"))
        XCTAssertTrue(XLSXPackage.isDateFormat("[h]:mm:ss"))
        XCTAssertFalse(XLSXPackage.isDateFormat("0.0%"))
        XCTAssertFalse(XLSXPackage.isDateFormat("#,##0\"元\""))
        XCTAssertFalse(XLSXPackage.isDateFormat("General"))
        XCTAssertFalse(XLSXPackage.isDateFormat("0.00E+00"))
        XCTAssertFalse(XLSXPackage.isDateFormat("\\d\\a\\y 0"))
        XCTAssertEqual(Workbook.dateText(serial: 1, date1904: false), "1900-01-01")
        XCTAssertEqual(Workbook.dateText(serial: 59, date1904: false), "1900-02-28")
        XCTAssertEqual(Workbook.dateText(serial: 61, date1904: false), "1900-03-01")
        XCTAssertEqual(Workbook.dateText(serial: 25_569, date1904: false), "1970-01-01")
        XCTAssertEqual(Workbook.dateText(serial: 45_658.999_98, date1904: false), "2025-01-01 23:59:58")
        // Shown to the second, as Excel shows it: a hair before midnight is midnight.
        XCTAssertEqual(Workbook.dateText(serial: 45_658.999_999_9, date1904: false), "2025-01-02")
        XCTAssertEqual(Workbook.dateText(serial: 0, date1904: true), "1904-01-01")
        XCTAssertEqual(Workbook.dateText(serial: 44_196, date1904: true), "2025-01-01")
        XCTAssertEqual(SheetScanner.numberText(Array("120.50".utf8)), "120.5")
        XCTAssertEqual(SheetScanner.numberText(Array("3.0".utf8)), "3")
        XCTAssertEqual(SheetScanner.numberText(Array("-0.25".utf8)), "-0.25")
        XCTAssertEqual(SheetScanner.numberText(Array("4.1030200000000002E5".utf8)), "410302")
        XCTAssertEqual(SheetScanner.numberText(Array("0.30000000000000004".utf8)), "0.30000000000000004")
        XCTAssertEqual(Workbook.columnName(0), "A")
        XCTAssertEqual(Workbook.columnName(26), "AA")
        XCTAssertEqual(Workbook.columnName(16_383), "XFD")
    }

    func testDamagedPartsAreErrorsThatNameTheFile() throws {
        let good = parts(sheetData: "<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>id</x:t></x:is></x:c></x:row>",
                         strings: "", styles: "", date1904: false)
        var broken = good
        broken["book/sheets/one.xml"] = "<x:worksheet xmlns:x=\"\(Self.main)\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\"><x:v>1</x:row>"
        XCTAssertThrowsError(try rows(XLSXSheet(path: workbook(broken)))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("cannot read the workbook: sheet 养老 机构: not well-formed XML at byte 125 of the sheet (</x:row> closes no element open here)"), text)
        }
        var noSheet = good
        noSheet["book/_rels/wb.xml.rels"] = "<Relationships xmlns=\"\(Self.packageRelationships)\"/>"
        XCTAssertThrowsError(try XLSXSheet(path: workbook(noSheet))) { error in
            XCTAssertTrue("\(error)".contains("not an .xlsx workbook: it has no worksheet"), "\(error)")
        }
        var beyond = good
        beyond["book/sheets/one.xml"] = "<x:worksheet xmlns:x=\"\(Self.main)\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>a</x:t></x:is></x:c><x:c r=\"B1\" t=\"inlineStr\"><x:is><x:t>b</x:t></x:is></x:c></x:row><x:row r=\"2\"><x:c r=\"ZZZZ2\"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>"
        XCTAssertThrowsError(try rows(XLSXSheet(path: workbook(beyond)))) { error in
            XCTAssertTrue("\(error)".contains("row 2 has a cell beyond column XFD"), "\(error)")
        }
    }
}
