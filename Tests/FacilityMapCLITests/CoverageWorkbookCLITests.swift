import FacilityMapKit
import Foundation
import XCTest

/// `coverage --format xlsx --out FILE` on the demo store, the workbook read back by LibreOffice Calc (headless), as
/// leadership would open it in Excel, WPS or LibreOffice: its numbers are `--format csv`'s.
final class CoverageWorkbookCLITests: DemoStoreTestCase {
    typealias Words = CoverageWorkbook.Words

    /// Converts every sheet of `file` to CSV with LibreOffice: the sheets' rows by sheet name. `asShown`: the cells as
    /// their number formats show them (87.3%); else the values the cells hold (87.3421052631579%, with Calc's %).
    func sheetsInCalc(_ file: String, asShown: Bool) throws -> [String: [[String]]] {
        guard let soffice = ["/usr/bin/soffice", "/usr/bin/libreoffice"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw XCTSkip("LibreOffice Calc is not installed (Scripts/setup installs libreoffice-calc-nogui)") }
        let out = folder.appendingPathComponent(asShown ? "calc-shown" : "calc-values")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        // Token 9 "save cell contents as shown", token 12 -1: every sheet, one file each (2025-汇总.csv, …).
        process.arguments = ["-env:UserInstallation=file://\(folder.path)/lo-profile", "--headless", "--convert-to",
                             "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,\(asShown),false,false,-1",
                             "--outdir", out.path, folder.appendingPathComponent(file).path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let stem = (file as NSString).deletingPathExtension + "-"
        var sheets: [String: [[String]]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) where name.hasPrefix(stem) && name.hasSuffix(".csv") {
            let sheet = String(name.dropFirst(stem.count).dropLast(4))
            sheets[sheet] = try rows(out.appendingPathComponent(name).path)
        }
        return sheets
    }

    func rows(_ path: String) throws -> [[String]] {
        let reader = try CSVReader(path: path, encoding: .utf8)
        var rows = [reader.header]
        while let row = try reader.next() { rows.append(row.fields) }
        return rows
    }

    /// A number as a CSV or Calc shows it: 87.3% is 0.873; "" is nil.
    func number(_ text: String) -> Double? {
        text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
    }

    /// How far a value may be from `shown` and still be shown so: half its last decimal.
    func rounding(_ shown: String) -> Double {
        let decimals = shown.split(separator: ".").dropFirst().first.map { $0.filter(\.isNumber).count } ?? 0
        return 0.5 * pow(10, -Double(decimals + (shown.hasSuffix("%") ? 2 : 0))) + 1e-9
    }

    func testTheWorkbookHoldsTheCSVsNumbersAsNumbersWithChineseHeaders() throws {
        let written = try run(["coverage", "--format", "xlsx", "--out", "2025.xlsx", "--lang", "zh"])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertEqual(written.stdout, "", "the workbook goes to --out, nothing to the terminal")
        let csvRun = try run(["coverage", "--format", "csv"])
        XCTAssertEqual(csvRun.status, 0, csvRun.stderr)
        try Data(csvRun.stdout.utf8).write(to: folder.appendingPathComponent("2025.csv"))
        let csv = try rows(folder.appendingPathComponent("2025.csv").path)
        let column = Dictionary(uniqueKeysWithValues: csv[0].enumerated().map { ($1, $0) })
        func c(_ name: String) -> Int { column[name]! }
        // The CSV's rows by target, in the report's order.
        var targets: [(id: String, title: String, metric: String, rows: [[String]])] = []
        for row in csv.dropFirst() {
            if targets.last?.id == row[c("target")] { targets[targets.count - 1].rows.append(row) } else {
                targets.append((row[c("target")], row[c("title")], row[c("metric")], [row]))
            }
        }
        XCTAssertEqual(targets.map(\.id), TargetPlan.luoyang2022.targets.map(\.id))

        let values = try sheetsInCalc("2025.xlsx", asShown: false)
        let shown = try sheetsInCalc("2025.xlsx", asShown: true)
        // One sheet per target, named by its (short, distinct) title, and the summary; names round-trip in Chinese.
        XCTAssertEqual(Set(values.keys), Set([Words(.zh).summarySheet] + targets.map(\.title)))
        XCTAssertEqual(Set(shown.keys), Set(values.keys))

        var fullPrecision = 0
        for target in targets {
            let sheet = try XCTUnwrap(values[target.title], target.title)
            let sheetShown = try XCTUnwrap(shown[target.title], target.title)
            let unitCoverage = target.metric == "unit_coverage"
            XCTAssertEqual(sheet[0], ["区域代码", "区域名称", "合计行", "分子", "分母", "实际值", "目标值", "是否达标", "缺口", "说明"]
                                        + (unitCoverage ? ["未覆盖单位数", "未覆盖单位"] : []), target.id)
            XCTAssertEqual(sheet.count - 1, target.rows.count, "\(target.id): every area and the total")
            for (expected, (row, rowShown)) in zip(target.rows, zip(sheet.dropFirst(), sheetShown.dropFirst())) {
                let place = "\(target.id) \(expected[c("area_code")])"
                XCTAssertEqual(row[0], expected[c("area_code")], place)
                XCTAssertEqual(row[1], expected[c("area_name")], place)
                XCTAssertEqual(row[2], expected[c("total")] == "true" ? "是" : "否", place)
                XCTAssertEqual(row[7], ["true": "达标", "false": "未达标", "": ""][expected[c("met")]], place)
                XCTAssertEqual(row[9], expected[c("note")], place)
                for (index, name) in [(3, "numerator"), (4, "denominator"), (5, "actual"), (6, "goal"), (8, "shortfall")] {
                    let meant = expected[c(name)]
                    // As the cell's format shows it, the very text of the CSV (87.3%, 10.62, 1200).
                    XCTAssertEqual(rowShown[index], meant, "\(place) \(name)")
                    // What the cell holds: a number, the CSV's when rounded as the CSV rounds it.
                    guard let value = number(row[index]) else {
                        XCTAssertEqual(meant, "", "\(place) \(name): \(row[index]) is not a number")
                        continue
                    }
                    let csvValue = try XCTUnwrap(number(meant), "\(place) \(name): \(meant)")
                    XCTAssertEqual(value, csvValue, accuracy: rounding(meant), "\(place) \(name)")
                    if row[index] != meant { fullPrecision += 1 }
                }
                if unitCoverage {
                    let codes = expected[c("uncovered")]
                    XCTAssertEqual(number(row[10]), Double(codes.isEmpty ? 0 : codes.split(separator: ";").count), place)
                    XCTAssertEqual(row[11].isEmpty, codes.isEmpty, place)
                }
            }
        }
        XCTAssertGreaterThan(fullPrecision, 10, "the cells hold the numbers, not the text the CSV rounds them to")

        // The summary: one row per target, its total's numbers and how many of its areas are not met.
        let summary = try XCTUnwrap(values[Words(.zh).summarySheet])
        let summaryShown = try XCTUnwrap(shown[Words(.zh).summarySheet])
        XCTAssertEqual(summary[0], ["指标", "指标名称", "年份", "统计日", "目标值", "实际值", "是否达标", "缺口", "未达标区域数", "明细表"])
        XCTAssertEqual(summary.dropFirst().map { $0[0] }, targets.map(\.id))
        for (target, (row, rowShown)) in zip(targets, zip(summary.dropFirst(), summaryShown.dropFirst())) {
            let total = try XCTUnwrap(target.rows.last)
            XCTAssertEqual(total[c("total")], "true")
            XCTAssertEqual(row[1], target.title)
            XCTAssertEqual(row[2], "2025")
            XCTAssertEqual(row[3], "2025-12-31")
            XCTAssertEqual(rowShown[4], total[c("goal")], target.id)
            XCTAssertEqual(rowShown[5], total[c("actual")], target.id)
            XCTAssertEqual(row[6], ["true": "达标", "false": "未达标", "": ""][total[c("met")]], target.id)
            XCTAssertEqual(row[7], total[c("shortfall")], target.id)
            let areasNotMet = target.rows.filter { $0[c("total")] == "false" && $0[c("met")] == "false" }.count
            XCTAssertEqual(row[8], String(areasNotMet), target.id)
            XCTAssertEqual(row[9], target.title, "the sheet with the target's areas")
        }
        XCTAssertTrue(summary.contains { $0[6] == "未达标" } && summary.contains { $0[6] == "达标" }, "\(summary)")

        // In English (`--lang en`, or a locale that is not Chinese): the same numbers under English headers.
        let english = try run(["coverage", "--format", "xlsx", "--out", "2025-en.xlsx", "--lang", "en"])
        XCTAssertEqual(english.status, 0, english.stderr)
        let inEnglish = try sheetsInCalc("2025-en.xlsx", asShown: false)
        let englishSummary = try XCTUnwrap(inEnglish["Summary"], "\(inEnglish.keys)")
        XCTAssertEqual(englishSummary[0], ["Target", "Title", "Year", "As of", "Goal", "Actual", "Met", "Shortfall", "Areas not met", "Sheet"])
        XCTAssertEqual(englishSummary.dropFirst().map { Array($0[..<6]) + Array($0[7...8]) }, summary.dropFirst().map { Array($0[..<6]) + Array($0[7...8]) })
        XCTAssertEqual(englishSummary.dropFirst().map { $0[6] }, summary.dropFirst().map { ["达标": "yes", "未达标": "NO", "": ""][$0[6]]! })
    }

    func testTheWorkbookNeedsOutAndAnUnwritableOutIsRefusedWithWhatToDo() throws {
        let noOut = try run(["coverage", "--format", "xlsx"])
        XCTAssertEqual(noOut.status, 2)
        XCTAssertEqual(noOut.stdout, "", "no binary workbook on a terminal")
        XCTAssertTrue(noOut.stderr.contains("--format xlsx writes a workbook, not text for a terminal: add --out FILE.xlsx"), noOut.stderr)

        let missing = try run(["coverage", "--format", "xlsx", "--out", "no-such-folder/2025.xlsx"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no-such-folder/2025.xlsx: cannot write the workbook: there is no folder no-such-folder — create it first"),
                      missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("no-such-folder").path))
        let aFolder = try run(["coverage", "--out", "demo"])
        XCTAssertEqual(aFolder.status, 1, "not .xlsx: a table, which cannot be written over a folder either")
        XCTAssertTrue(aFolder.stderr.contains("demo: cannot write the report"), aFolder.stderr)
        let intoFolder = try run(["coverage", "--format", "xlsx", "--out", "demo"])
        XCTAssertEqual(intoFolder.status, 1)
        XCTAssertTrue(intoFolder.stderr.contains("demo: is a folder — give a file name such as demo/report.xlsx"), intoFolder.stderr)

        // --out FILE.xlsx alone is a workbook (a zip); --out with csv writes what standard output would get.
        let inferred = try run(["coverage", "--out", "2025.xlsx", "--target", "beds-per-1000"])
        XCTAssertEqual(inferred.status, 0, inferred.stderr)
        XCTAssertEqual(Array(try Data(contentsOf: folder.appendingPathComponent("2025.xlsx")).prefix(4)), [0x50, 0x4B, 0x03, 0x04])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".partial") }, [])
        XCTAssertEqual(try run(["coverage", "--format", "csv", "--out", "2025.csv"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("2025.csv")), Data(try run(["coverage", "--format", "csv"]).stdout.utf8))
    }
}
