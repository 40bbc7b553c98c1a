import Foundation
import XCTest

/// `.xlsx` workbooks written by programs no one here wrote — openpyxl (PyPI) and LibreOffice — import as the CSV
/// they were made from.
final class WorkbookCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func repo(_ path: String) -> String { CLITests.repository.appendingPathComponent(path).path }

    /// Runs `facilitymap` in the folder on the store `store`.
    func run(_ arguments: [String], store: String) throws -> CLITests.Result {
        try CLITests.run(arguments, in: folder, environment: ["FACILITYMAP_STORE": folder.appendingPathComponent(store).path])
    }

    /// A store with Luoyang's districts and the facilities of `file`; the import's result.
    func imported(_ file: String, store: String, _ extra: [String] = []) throws -> CLITests.Result {
        XCTAssertEqual(try run(["import", "units", repo("GeoData/luoyang/districts.geojson")], store: store).status, 0)
        return try run(["import", "facilities", file] + extra, store: store)
    }

    func listed(_ store: String) throws -> String {
        try run(["list", "facilities", "--format", "json"], store: store).stdout
    }

    /// Runs `program arguments` in the folder; its status and what it wrote.
    @discardableResult
    func external(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The test CSV as a register a bureau keeps in Excel, written by openpyxl: a merged title, a blank row, the
    /// header on row 3; numbers, booleans and dates as such (one date in a Chinese format, one opened year a plain
    /// number); a name in rich text; an empty row inside the data; beds of the first row as a formula (`=1000+200`,
    /// which openpyxl saves without a value). `epoch1904` writes the workbook in Excel's 1904 date system, without
    /// the formula.
    func writeWorkbook(_ name: String, epoch1904: Bool = false, formula: Bool = true) throws {
        let script = """
        import csv, datetime, sys
        import openpyxl
        from openpyxl.cell.rich_text import CellRichText, TextBlock
        from openpyxl.cell.text import InlineFont
        from openpyxl.utils.datetime import CALENDAR_MAC_1904
        rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
        wb = openpyxl.Workbook()
        if sys.argv[3] == "1904":
            wb.epoch = CALENDAR_MAC_1904
        ws = wb.active
        ws.title = "医疗机构"
        ws["A1"] = "洛阳市医疗卫生机构名录（2025年）"
        ws.merge_cells("A1:O1")
        ws.append([])
        ws.append(rows[0])
        numbers = {"lon", "lat", "unit", "beds", "doctors", "gps", "places"}
        for k, row in enumerate(rows[1:]):
            cells = []
            for name, value in zip(rows[0], row):
                if value == "":
                    cells.append(None)
                elif name in numbers:
                    cells.append(float(value) if "." in value else int(value))
                elif name == "inclusive":
                    cells.append(value == "true")
                elif name in ("opened", "closed") and "-" in value:
                    cells.append(datetime.date.fromisoformat(value))
                elif name in ("opened", "closed"):
                    cells.append(int(value))
                else:
                    cells.append(value)
            ws.append(cells)
            r = ws.max_row
            if k == 0 and sys.argv[4] == "formula":
                ws.cell(row=r, column=7).value = "=1000+200"
            if k == 1:
                ws.cell(row=r, column=2).value = CellRichText([TextBlock(InlineFont(b=True), "洛阳市"), "第一中医院"])
            for c in (13, 14):
                cell = ws.cell(row=r, column=c)
                if isinstance(cell.value, datetime.date):
                    cell.number_format = 'yyyy"年"m"月"d"日"' if k == 2 else "yyyy-mm-dd"
            if k == 4:
                ws.append([])
        wb.save(sys.argv[2])
        """
        let scriptFile = folder.appendingPathComponent("write.py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        // python3 as the PATH has it: the one Scripts/setup installed openpyxl for.
        let made = try external("/usr/bin/env", ["python3", scriptFile.path, repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv"),
                                         folder.appendingPathComponent(name).path, epoch1904 ? "1904" : "1900", formula ? "formula" : "none"])
        XCTAssertEqual(made.status, 0, made.output + (made.output.contains("openpyxl") ? " — run Scripts/setup (it installs openpyxl)" : ""))
    }

    func testWorkbooksFromOpenpyxlAndLibreOfficeImportAsTheirCSV() throws {
        let csv = try imported(repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv"), store: "csv.sqlite")
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let fromCSV = try listed("csv.sqlite")
        XCTAssertTrue(fromCSV.contains("\"洛阳市第一中医院\""), fromCSV)

        // openpyxl's own: inline strings, a formula with no saved value — that row is refused, naming the cell.
        try writeWorkbook("名录.xlsx")
        let fromOpenpyxl = try imported("名录.xlsx", store: "openpyxl.sqlite", ["--rejects", "rejects.csv"])
        XCTAssertEqual(fromOpenpyxl.status, 1, fromOpenpyxl.stderr)
        XCTAssertTrue(fromOpenpyxl.stdout.hasPrefix("imported 10 rows: 9 new, 0 updated, 0 unchanged, 1 rejected"), fromOpenpyxl.stdout)
        XCTAssertTrue(fromOpenpyxl.stderr.contains("名录.xlsx:医疗机构!G4: beds: a formula saved without its value — open the workbook in Excel, WPS or LibreOffice, save it"),
                      fromOpenpyxl.stderr)
        let rejects = try String(contentsOf: folder.appendingPathComponent("rejects.csv"), encoding: .utf8)
        XCTAssertTrue(rejects.contains("LY-H-001,洛阳市中心医院,hospital,112.43371,34.71248,410302,,380,15,,,三级甲等,1951,,0379-63892222,\"医疗机构!G4: beds: a formula saved without its value"),
                      rejects)

        // The same workbook in the 1904 date system, no formula: the registry of the CSV.
        try writeWorkbook("名录1904.xlsx", epoch1904: true, formula: false)
        let from1904 = try imported("名录1904.xlsx", store: "1904.sqlite")
        XCTAssertEqual(from1904.status, 0, from1904.stderr)
        XCTAssertEqual(try listed("1904.sqlite"), fromCSV)

        // LibreOffice opens openpyxl's workbook, computes the formula and saves it: shared strings, styles' dates.
        let soffice = try XCTUnwrap(["/usr/bin/soffice", "/usr/bin/libreoffice"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "LibreOffice Calc is not installed (Scripts/setup installs libreoffice-calc-nogui)")
        let saved = folder.appendingPathComponent("libreoffice")
        let converted = try external(soffice, ["-env:UserInstallation=file://\(folder.path)/lo-profile", "--headless", "--convert-to", "xlsx",
                                               "--outdir", saved.path, folder.appendingPathComponent("名录.xlsx").path])
        XCTAssertEqual(converted.status, 0, converted.output)
        let strings = try external("/usr/bin/unzip", ["-l", saved.appendingPathComponent("名录.xlsx").path]).output
        XCTAssertTrue(strings.contains("xl/sharedStrings.xml"), strings)
        let fromLibreOffice = try imported("libreoffice/名录.xlsx", store: "libreoffice.sqlite")
        XCTAssertEqual(fromLibreOffice.status, 0, fromLibreOffice.stderr)
        XCTAssertTrue(fromLibreOffice.stdout.hasPrefix("imported 10 rows: 10 new"), fromLibreOffice.stdout)
        XCTAssertEqual(try listed("libreoffice.sqlite"), fromCSV)

        // --sheet and --header-row as for .xls; a sheet that is not there is a usage error naming the sheets.
        let told = try run(["import", "facilities", "libreoffice/名录.xlsx", "--sheet", "医疗机构", "--header-row", "3"], store: "libreoffice.sqlite")
        XCTAssertTrue(told.stdout.hasPrefix("imported 10 rows: 0 new, 0 updated, 10 unchanged"), told.stdout + told.stderr)
        let noSheet = try run(["import", "facilities", "libreoffice/名录.xlsx", "--sheet", "2"], store: "libreoffice.sqlite")
        XCTAssertEqual(noSheet.status, 2, noSheet.stderr)
        XCTAssertTrue(noSheet.stderr.contains("no sheet 2 — its sheets are 医疗机构"), noSheet.stderr)
    }

    /// Luoyang's 3,156 units (districts, townships, communities, villages with their points) as a workbook openpyxl
    /// writes — codes and populations as numbers, a title above the header — import as their CSV does.
    func testUnitsFromAWorkbookAreTheUnitsOfTheirCSV() throws {
        let units = repo("GeoData/luoyang/units.csv")
        XCTAssertEqual(try run(["import", "units", units], store: "csv.sqlite").status, 0)
        let script = """
            import csv, sys, openpyxl
            rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
            wb = openpyxl.Workbook(write_only=True)
            ws = wb.create_sheet("行政区划")
            ws.append(["洛阳市行政区划（2025年）"])
            ws.append([])
            ws.append(rows[0])
            numbers = {"code", "parent", "population", "lon", "lat"}
            for row in rows[1:]:
                ws.append([None if v == "" else (float(v) if "." in v else int(v)) if name in numbers else v for name, v in zip(rows[0], row)])
            wb.save(sys.argv[2])
            """
        let made = try external("/usr/bin/env", ["python3", "-c", script, units, folder.appendingPathComponent("区划.xlsx").path])
        XCTAssertEqual(made.status, 0, made.output)
        let fromWorkbook = try run(["import", "units", "区划.xlsx"], store: "xlsx.sqlite")
        XCTAssertEqual(fromWorkbook.status, 0, fromWorkbook.stderr)
        XCTAssertTrue(fromWorkbook.stdout.hasPrefix("imported 3156 rows: 3156 new"), fromWorkbook.stdout)
        let listed = { (store: String) in try self.run(["list", "units", "--format", "json"], store: store).stdout }
        XCTAssertEqual(try listed("xlsx.sqlite"), try listed("csv.sqlite"))
    }

    func testABrokenWorkbookIsAClearErrorAndStoresNothing() throws {
        try writeWorkbook("名录.xlsx", formula: false)
        var bytes = try Data(contentsOf: folder.appendingPathComponent("名录.xlsx"))
        // Cut short: the central directory is gone.
        try bytes.prefix(bytes.count / 2).write(to: folder.appendingPathComponent("cut.xlsx"))
        let cut = try imported("cut.xlsx", store: "cut.sqlite")
        XCTAssertEqual(cut.status, 2, cut.stderr)
        XCTAssertTrue(cut.stderr.contains("cut.xlsx: cannot read the workbook: not an .xlsx workbook: not a .zip archive"), cut.stderr)
        // A CSV named .xlsx is not a workbook either.
        try Data("id,name\n1,x\n".utf8).write(to: folder.appendingPathComponent("text.xlsx"))
        let text = try imported("text.xlsx", store: "cut.sqlite")
        XCTAssertEqual(text.status, 2, text.stderr)
        // Damaged bytes inside the sheet's data: an error, not a crash, and nothing stored.
        let middle = bytes.count / 3
        for k in 0..<64 { bytes[middle + k] ^= 0x5A }
        try bytes.write(to: folder.appendingPathComponent("damaged.xlsx"))
        let damaged = try imported("damaged.xlsx", store: "cut.sqlite")
        XCTAssertNotEqual(damaged.status, 0, damaged.stderr)
        XCTAssertTrue(damaged.stderr.contains("damaged.xlsx: "), damaged.stderr)
        XCTAssertEqual(try run(["list", "facilities", "--format", "csv"], store: "cut.sqlite").stdout.split(separator: "\n").count, 1)
    }
}
