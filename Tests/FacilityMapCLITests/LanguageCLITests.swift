import Foundation
import XCTest

/// `--lang zh|en`, else the locale: the tables and summaries people read in Chinese or English; what programs read
/// (JSON, CSV, exit statuses) the same in both (#25).
final class LanguageCLITests: DemoStoreTestCase {
    func run(_ arguments: [String], locale: String) throws -> CLITests.Result {
        try CLITests.run(arguments, in: folder, environment: ["FACILITYMAP_STORE": store, "LANG": locale])
    }

    func testTheLanguageIsLangElseTheLocaleAndProgramsReadTheSameInBoth() throws {
        // The import's summary and its check line.
        let csv = CLITests.repository.appendingPathComponent("Tests/FacilityMapKitTests/Fixtures/facilities.csv").path
        let chinese = try run(["import", "facilities", csv, "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(chinese.status, 0, chinese.stderr)
        XCTAssertTrue(chinese.stdout.hasPrefix("导入 10 行：新增 10，更新 0，未变 0，拒绝 0\n本次导入改动内容的检查："), chinese.stdout)
        let again = try run(["import", "facilities", csv], locale: "zh_CN.UTF-8")
        XCTAssertTrue(again.stdout.hasPrefix("导入 10 行：新增 0，更新 0，未变 10，拒绝 0\n"), again.stdout)
        XCTAssertTrue(again.stdout.contains("导入过（sha256 "), again.stdout)
        let english = try run(["import", "facilities", csv, "--lang=en"], locale: "zh_CN.UTF-8")
        XCTAssertTrue(english.stdout.hasPrefix("imported 10 rows: 0 new, 0 updated, 10 unchanged, 0 rejected\n"), english.stdout)

        // The coverage table: every header and word Chinese; numbers, codes, names and target ids as they are.
        let table = try run(["coverage", "--year", "2025"], locale: "zh_CN.UTF-8")
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.hasPrefix("幸福洛阳建设行动计划 —— 2025年目标，设施计至 2025-12-31，按区县统计\n"), table.stdout)
        for word in ["代码", "区域", "实际值", "目标值", "是否达标", "缺口", "未达标", "（合计）", "目标 10.50"] {
            XCTAssertTrue(table.stdout.contains(word), "\(word) in:\n\(table.stdout)")
        }
        let headers = table.stdout.split(separator: "\n").filter { $0.contains("代码") }
        XCTAssertFalse(headers.isEmpty)
        for line in headers {
            XCTAssertNil(line.range(of: "\\b(code|area|actual|goal|met|shortfall|people|covered)\\b", options: .regularExpression), String(line))
        }
        XCTAssertFalse(table.stdout.contains(" NO "), "met is 达标/未达标 in Chinese")
        let englishTable = try run(["coverage", "--year", "2025", "--lang", "en"], locale: "zh_CN.UTF-8")
        XCTAssertTrue(englishTable.stdout.contains("goals of 2025") && englishTable.stdout.contains("shortfall"), englishTable.stdout)

        // JSON and CSV are for programs: the same bytes in both languages.
        for format in ["json", "csv"] {
            let zh = try run(["coverage", "--year", "2025", "--format", format, "--lang", "zh"], locale: "C.UTF-8")
            let en = try run(["coverage", "--year", "2025", "--format", format, "--lang", "en"], locale: "C.UTF-8")
            XCTAssertEqual(zh.status, 0)
            XCTAssertEqual(zh.stdout, en.stdout, format)
        }

        // A rejected row says what is wrong in the language chosen, on the terminal and in the rejects file; the
        // file's own words (its header, its cells) as the file has them.
        let bad = folder.appendingPathComponent("坏行.csv")
        try "编号,名称,类型,经度,纬度,床位数,开办日期\nZH-1,新医院,医院,112.45,34.62,很多,2020-13\nZH-2,新卫生院,卫生所,112.45,34.62,5,\nZH-3,反了,医院,34.62,112.45,5,\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let rejected = try run(["import", "facilities", bad.path, "--rejects", "待改.csv"], locale: "zh_CN.UTF-8")
        XCTAssertEqual(rejected.status, 1)
        XCTAssertTrue(rejected.stdout.hasPrefix("导入 3 行：新增 0，更新 0，未变 0，拒绝 3"), rejected.stdout)
        XCTAssertTrue(rejected.stderr.contains("坏行.csv:2: 开办日期: 2020-13 不是日期 —— 请填写 YYYY 或 YYYY-MM-DD；床位数：很多 不是整数 —— 请填写数量（如 120），或留空"), rejected.stderr)
        XCTAssertTrue(rejected.stderr.contains("坏行.csv:3: 类型: 卫生所 不是已知的类型 —— 是否应为"), rejected.stderr)
        XCTAssertTrue(rejected.stderr.contains("坏行.csv:4: 经度/纬度: 112.45 超出范围（-90 至 90） —— 经度和纬度似乎填反了；交换后将位于"), rejected.stderr)
        let rejects = try String(contentsOf: folder.appendingPathComponent("待改.csv"), encoding: .utf8)
        XCTAssertTrue(rejects.contains("line 2: 开办日期: 2020-13 不是日期 —— 请填写 YYYY 或 YYYY-MM-DD；床位数：很多 不是整数"), rejects)
        let inEnglish = try run(["import", "facilities", bad.path, "--lang", "en"], locale: "zh_CN.UTF-8")
        XCTAssertTrue(inEnglish.stderr.contains("坏行.csv:2: 开办日期: 2020-13 is not a date — write YYYY or YYYY-MM-DD; 床位数: 很多 is not a whole number — write a count such as 120, or leave it empty"), inEnglish.stderr)

        // Help: each command's one line in Chinese (swift-argument-parser's own headings, OVERVIEW, USAGE, OPTIONS,
        // stay as it writes them).
        let help = try run(["--help"], locale: "zh_CN.UTF-8")
        XCTAssertTrue(help.stdout.hasPrefix("OVERVIEW: 公共服务设施与行政区划登记库"), help.stdout)
        for line in help.stdout.split(separator: "\n").drop(while: { !$0.hasPrefix("SUBCOMMANDS:") }).dropFirst() where line.hasPrefix("  ") && !line.hasPrefix("  See ") {
            XCTAssertNotNil(line.range(of: "\\p{Han}", options: .regularExpression), "a Chinese abstract: \(line)")
        }
        let importHelp = try run(["help", "import", "facilities", "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertTrue(importHelp.stdout.hasPrefix("OVERVIEW: 从 CSV 文件、Excel 工作簿"), importHelp.stdout)

        // The other commands' tables: headings, counts and check's findings in Chinese; ids, codes, names, kinds' and rules'
        // ids as they are.
        let tables: [([String], [String])] = [
            (["stats"], ["各类设施", "类型代码", "设施数", "各区县设施", "各级区划", "导入记录", "导入时间"]),
            (["list", "units", "--level", "district"], ["代码    名称", "级别", "上级代码", "区县", "面", "共 15 个单位"]),
            (["list", "facilities", "--in", "410302"], ["编号", "经度", "纬度", "所属区划", "个设施"]),
            (["check"], ["级别", "规则", "问题", "处理办法", "个警告", "没有人口数据（本身及下级均无）", "请补填人口：千人指标和按人口加权的选址会把它略去"]),
            (["targets"], ["共 12 项目标", "指标类型", "分年目标"]),
            (["history", "LY-HLT-000043"], ["时间", "操作人", "新建", "共 1 次变更"]),
            (["token", "list"], ["名称", "最近使用", "共 0 个令牌"]),
        ]
        for (arguments, words) in tables {
            let shown = try run(arguments + ["--lang", "zh"], locale: "C.UTF-8")
            for word in words { XCTAssertTrue(shown.stdout.contains(word), "\(arguments): \(word) in\n\(shown.stdout.prefix(2000))") }
            // Each table's heading: the line above its rule of dashes.
            let lines = shown.stdout.split(separator: "\n")
            let headings = lines.indices.dropLast().filter { lines[$0 + 1].hasPrefix("--") }.map { lines[$0] }.joined(separator: "\n")
            XCTAssertFalse(headings.isEmpty, "\(arguments)")
            XCTAssertNil(headings.range(of: "\\b(code|name|level|facilities|severity|when|title|goals|kind|units)\\b", options: .regularExpression),
                         "\(arguments): \(headings)")
        }

        // Errors that refuse a file or a command, in the language chosen.
        let headerOnly = folder.appendingPathComponent("缺列.csv")
        try "编号,名称\nZH-9,某医院\n".write(to: headerOnly, atomically: true, encoding: .utf8)
        let refused = try run(["import", "facilities", headerOnly.path], locale: "zh_CN.UTF-8")
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasSuffix("缺列.csv:1: 表头缺少 kind (类型), lon (经度), lat (纬度) 列 —— 请补上（中文或英文列名均可，见 `facilitymap help import facilities`）\n"), refused.stderr)
        let noStore = try CLITests.run(["stats", "--store", "没有.sqlite", "--lang", "zh"], in: folder, environment: [:])
        XCTAssertEqual(noStore.status, 2)
        XCTAssertTrue(noStore.stderr.hasPrefix("facilitymap: 没有.sqlite: 没有这个登记库 —— 只有 `import`、`token add`、`migrate`（目标库）和 `demo` 会新建登记库"), noStore.stderr)

        // A language it does not speak is a usage error, before anything runs.
        let unknown = try run(["coverage", "--lang", "fr"], locale: "C.UTF-8")
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(unknown.stderr, "facilitymap: --lang fr is not known: use zh (中文) or en (English)\n")
    }
}
