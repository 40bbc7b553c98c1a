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
        XCTAssertTrue(refused.stderr.hasSuffix("缺列.csv:1: 表头缺少 kind (类型)、lon (经度)、lat (纬度) 列 —— 请补上（中文或英文列名均可，见 `facilitymap help import facilities`）\n"), refused.stderr)
        let noStore = try CLITests.run(["stats", "--store", "没有.sqlite", "--lang", "zh"], in: folder, environment: [:])
        XCTAssertEqual(noStore.status, 2)
        XCTAssertTrue(noStore.stderr.hasPrefix("facilitymap: 没有.sqlite: 没有这个登记库 —— 只有 `import`、`token add`、`migrate`（目标库）和 `demo` 会新建登记库"), noStore.stderr)

        // A language it does not speak is a usage error, before anything runs.
        let unknown = try run(["coverage", "--lang", "fr"], locale: "C.UTF-8")
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(unknown.stderr, "facilitymap: --lang fr is not known: use zh (中文) or en (English)\n")
    }

    /// The errors that refuse a file, a store or a plan, the import's warnings, `suggest`'s tables and option help, in
    /// Chinese; file names, sheet names and options as they are; JSON the same bytes in both languages.
    func testErrorsWarningsSuggestAndOptionHelpInChinese() throws {
        // A damaged workbook: the file named, what is wrong and what to do in Chinese.
        let damaged = folder.appendingPathComponent("坏表.xlsx")
        try Data("PK this is no zip".utf8).write(to: damaged)
        let broken = try run(["import", "facilities", damaged.path, "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(broken.status, 2, broken.stderr)
        XCTAssertTrue(broken.stderr.hasPrefix("facilitymap: \(damaged.path): 无法读取工作簿：不是 .xlsx 工作簿：不是 .zip 压缩包"), broken.stderr)
        XCTAssertTrue(broken.stderr.contains("请用 Excel、WPS 或 LibreOffice 打开，重新另存为 .xlsx"), broken.stderr)
        let inEnglish = try run(["import", "facilities", damaged.path], locale: "C.UTF-8")
        XCTAssertTrue(inEnglish.stderr.contains("坏表.xlsx: cannot read the workbook: not an .xlsx workbook: not a .zip archive"), inEnglish.stderr)

        // A sheet that is not there, and a header row that is not one: the workbook's own sheet names.
        XCTAssertEqual(try run(["coverage", "--year", "2025", "--out", "覆盖.xlsx", "--lang", "zh"], locale: "C.UTF-8").status, 0)
        let noSheet = try run(["import", "facilities", "覆盖.xlsx", "--sheet", "医疗机构"], locale: "zh_CN.UTF-8")
        XCTAssertEqual(noSheet.status, 2, noSheet.stderr)
        XCTAssertTrue(noSheet.stderr.hasPrefix("facilitymap: 覆盖.xlsx: 没有工作表 医疗机构 —— 该工作簿的工作表有：汇总、社区养老服务设施覆盖率"), noSheet.stderr)
        XCTAssertTrue(noSheet.stderr.hasSuffix("；请用 --sheet 名称 或 --sheet 序号 指定\n"), noSheet.stderr)
        let noHeader = try run(["import", "facilities", "覆盖.xlsx", "--header-row", "40", "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(noHeader.status, 1, noHeader.stderr)
        XCTAssertTrue(noHeader.stderr.hasPrefix("facilitymap: 覆盖.xlsx: 工作表 汇总 的第 40 行（--header-row）没有表头行（列名所在的行） —— 该工作簿的工作表有：汇总、"), noHeader.stderr)
        XCTAssertTrue(noHeader.stderr.hasSuffix("；请用 --sheet 指定表格所在的那一张\n"), noHeader.stderr)

        // A targets file that is not one: the file and the target named.
        let targets = folder.appendingPathComponent("目标.yaml")
        try "plan: p\ntargets:\n  - id: t1\n    metric: ratio\n    kinds: [hospital]\n    goals: {2025: 1}\n"
            .write(to: targets, atomically: true, encoding: .utf8)
        let badPlan = try run(["coverage", "--targets", targets.path, "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(badPlan.status, 1, badPlan.stderr)
        XCTAssertEqual(badPlan.stderr, "facilitymap: \(targets.path): 目标 t1：未知的指标类型 ratio —— 请用以下之一：unit_coverage、per_population、share、count、access\n")

        // A store that is not a store, left as it is.
        let notAStore = folder.appendingPathComponent("笔记.sqlite")
        try "不是数据库".write(to: notAStore, atomically: true, encoding: .utf8)
        let foreign = try CLITests.run(["stats", "--store", notAStore.path, "--lang", "zh"], in: folder, environment: [:])
        XCTAssertEqual(foreign.status, 1, foreign.stderr)
        XCTAssertEqual(foreign.stderr, "facilitymap: \(notAStore.path): 不是 FacilityMap 登记库（该文件不是 SQLite 数据库）—— FacilityMap 从不改动不是它建的文件；请换一个 --store 路径\n")
        XCTAssertEqual(try String(contentsOf: notAStore, encoding: .utf8), "不是数据库")

        // A CSV that cannot be read, and an import's warning.
        let missing = try run(["import", "facilities", "没有这个文件.csv"], locale: "zh_CN.UTF-8")
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.hasPrefix("facilitymap: 没有这个文件.csv: 无法读取文件（"), missing.stderr)
        let unknownUnit = folder.appendingPathComponent("警告.csv")
        try "编号,名称,类型,经度,纬度,所属区划代码\nW-1,某医院,医院,112.45,34.62,999999\n".write(to: unknownUnit, atomically: true, encoding: .utf8)
        let warned = try run(["import", "facilities", unknownUnit.path, "--no-check", "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertEqual(warned.stderr, "警告：有 1 行所填的区划（所属区划代码）不在登记库中 —— 请先导入区划，或检查代码\n")

        // suggest's tables: headings and words in Chinese, ids, codes and names as they are; JSON the same bytes.
        let suggest = try run(["suggest", "--year", "2025", "--target", "community-elderly-care", "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(suggest.status, 0, suggest.stderr)
        XCTAssertTrue(suggest.stdout.hasPrefix("community-elderly-care  社区养老服务设施覆盖率（目标：每个社区内都有设施，2025年；设施计至 2025-12-31）\n"), suggest.stdout)
        for word in ["代码", "区域", "单位数", "已覆盖", "还需", "新增", "现状", "建成后", "合计", "建议选址", "序号", "选址", "覆盖"] {
            XCTAssertTrue(suggest.stdout.contains(word), "\(word) in\n\(suggest.stdout)")
        }
        let lines = suggest.stdout.split(separator: "\n")
        let headings = lines.indices.dropLast().filter { lines[$0 + 1].hasPrefix("--") }.map { lines[$0] }
        XCTAssertEqual(headings.count, 2, suggest.stdout)
        for line in headings {
            XCTAssertNil(line.range(of: "\\b(code|area|units|covered|needed|new|before|after|pick|site|covers|lon|lat)\\b", options: .regularExpression), String(line))
        }
        let zhJSON = try run(["suggest", "--year", "2025", "--format", "json", "--lang", "zh"], locale: "C.UTF-8")
        let enJSON = try run(["suggest", "--year", "2025", "--format", "json", "--lang", "en"], locale: "C.UTF-8")
        XCTAssertEqual(zhJSON.status, 0)
        XCTAssertEqual(zhJSON.stdout, enJSON.stdout)

        // Option help in Chinese; swift-argument-parser's own headings as it writes them.
        let help = try run(["import", "facilities", "--help", "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("OPTIONS:"), help.stdout)
        XCTAssertTrue(help.stdout.contains("  --strict                只要有一行出错，就拒绝整个文件，不做任何改动。"), help.stdout)
        XCTAssertTrue(help.stdout.contains("把被拒绝的行写入此 CSV，附原因列，改好后可再导入。"), help.stdout)
        let englishHelp = try run(["import", "facilities", "--help"], locale: "C.UTF-8")
        XCTAssertTrue(englishHelp.stdout.contains("--strict                Reject the whole file"), englishHelp.stdout)
    }

    /// The errors of features, polygons, written files and PostgreSQL connections in Chinese: the file, the feature and
    /// the folder named; English as before with --lang en.
    func testAUnitsTablesRejectedRowsAreSaidInChinese() throws {
        let units = folder.appendingPathComponent("区划表.csv")
        try "code,name,level,parent,population\n419801,甲区,district,,1000\n419802,,county-ish,,many\n419801,重复区,district,,10\n"
            .write(to: units, atomically: true, encoding: .utf8)
        let store = folder.appendingPathComponent("区划表.sqlite").path
        let chinese = try CLITests.run(["import", "units", units.path, "--store", store, "--lang", "zh"], in: folder, environment: [:])
        XCTAssertTrue(chinese.stderr.contains("区划表.csv:3: name: 缺失 —— 单位 419802 需要名称；level：county-ish 不是级别 —— 请用 `city`（市）"), chinese.stderr)
        XCTAssertTrue(chinese.stderr.contains("；population：many 不是整数"), chinese.stderr)
        XCTAssertTrue(chinese.stderr.contains("区划表.csv:4: code: 419801 在第 2 行也有，保留那一行 —— 每个单位须有自己的代码"), chinese.stderr)
        let english = try CLITests.run(["import", "units", units.path, "--store", folder.appendingPathComponent("en-units.sqlite").path, "--lang", "en"],
                                       in: folder, environment: [:])
        XCTAssertTrue(english.stderr.contains("区划表.csv:3: name: missing — unit 419802 needs a name; level: county-ish is not a level — use city, district (county), township, community or village"), english.stderr)
        XCTAssertTrue(english.stderr.contains("区划表.csv:4: code: 419801 is also on line 2, which is kept — give each unit its own code"), english.stderr)
    }

    func testFeatureGeometryWriteAndConnectionErrorsInChinese() throws {
        // A units layer with a self-crossing polygon (repaired, with a warning), an unclosed ring and no geometry.
        let units = folder.appendingPathComponent("坏区划.geojson")
        try """
            {"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":"419901","name":"交叉区","level":"district"},"geometry":{"type":"Polygon","coordinates":[[[112,34],[113,35],[113,34],[112,35],[112,34]]]}},
            {"type":"Feature","properties":{"code":"419902","name":"开口区","level":"district"},"geometry":{"type":"Polygon","coordinates":[[[112,34],[113,34],[113,35],[112,35]]]}},
            {"type":"Feature","properties":{"code":"419903","name":"无形区","level":"district"},"geometry":null}
            ]}
            """.write(to: units, atomically: true, encoding: .utf8)
        let store = folder.appendingPathComponent("区划.sqlite").path
        let chinese = try CLITests.run(["import", "units", units.path, "--store", store, "--lang", "zh"], in: folder, environment: [:])
        XCTAssertEqual(chinese.status, 1, chinese.stderr)
        XCTAssertTrue(chinese.stderr.contains("坏区划.geojson:3: geometry: 第 1 个要素：环 0 未闭合（首点 [112.0, 34.0]，末点 [112.0, 35.0]）—— 请在源数据中闭合该环（在末尾重复第一个点）"), chinese.stderr)
        XCTAssertTrue(chinese.stderr.contains("坏区划.geojson:4: geometry: 第 2 个要素：几何为空（`null`）—— 请给出 `Point`、`Polygon` 或 `MultiPolygon` 几何，或删除该要素"), chinese.stderr)
        XCTAssertTrue(chinese.stderr.contains("警告：\(units.path):2: 几何：第 0 个要素（419901 交叉区）：自相交[112.5 34.5] —— 已用 `MakeValid` 修复"), chinese.stderr)
        let english = try CLITests.run(["import", "units", units.path, "--store", folder.appendingPathComponent("en.sqlite").path, "--lang", "en"],
                                       in: folder, environment: [:])
        XCTAssertTrue(english.stderr.contains("坏区划.geojson:3: geometry: feature 1: ring 0 is not closed (first [112.0, 34.0], last [112.0, 35.0]) — close the ring in the source (repeat the first position at the end)"), english.stderr)
        XCTAssertTrue(english.stderr.contains("坏区划.geojson:4: geometry: feature 2: geometry is null — give it a Point, Polygon or MultiPolygon, or drop the feature"), english.stderr)
        XCTAssertTrue(english.stderr.contains("feature 0 (419901 交叉区): Self-intersection[112.5 34.5] — repaired with MakeValid"), english.stderr)

        // A facilities layer: a feature without geometry is a rejected row, said in Chinese.
        let facilities = folder.appendingPathComponent("设施点.geojson")
        try """
            {"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"id":"G-1","name":"某医院","kind":"hospital"},"geometry":{"type":"Point","coordinates":[112.45,34.62]}},
            {"type":"Feature","properties":{"id":"G-2","name":"某卫生院","kind":"hospital"}}
            ]}
            """.write(to: facilities, atomically: true, encoding: .utf8)
        let noGeometry = try run(["import", "facilities", facilities.path, "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(noGeometry.status, 1, noGeometry.stderr)
        XCTAssertTrue(noGeometry.stderr.contains("设施点.geojson:3: lon: 没有 `geometry` 成员 —— 请给出 `Point`、`Polygon` 或 `MultiPolygon` 几何\n"), noGeometry.stderr)
        let englishNoGeometry = try run(["import", "facilities", facilities.path, "--lang", "en"], locale: "C.UTF-8")
        XCTAssertTrue(englishNoGeometry.stderr.contains("设施点.geojson:3: lon: has no \"geometry\" member — give it a Point, Polygon or MultiPolygon\n"), englishNoGeometry.stderr)

        // A workbook into a folder that is not there.
        let workbook = try run(["coverage", "--year", "2025", "--format", "xlsx", "--out", "/nonexistent-folder/x.xlsx", "--lang", "zh"], locale: "C.UTF-8")
        XCTAssertEqual(workbook.status, 1, workbook.stderr)
        XCTAssertEqual(workbook.stderr, "facilitymap: /nonexistent-folder/x.xlsx: 无法写出工作簿：没有文件夹 /nonexistent-folder —— 请先建立该文件夹，或把工作簿写到已有的文件夹中\n")
        let englishWorkbook = try run(["coverage", "--year", "2025", "--format", "xlsx", "--out", "/nonexistent-folder/x.xlsx"], locale: "C.UTF-8")
        XCTAssertEqual(englishWorkbook.stderr, "facilitymap: /nonexistent-folder/x.xlsx: cannot write the workbook: there is no folder /nonexistent-folder — create it first, or write the workbook into a folder that exists\n")

        // A PostgreSQL server that is not there: what to do, the server's own words as a detail.
        let refused = try CLITests.run(["stats", "--store", "postgresql://nobody@127.0.0.1:1/x", "--lang", "zh"], in: folder, environment: [:])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.hasPrefix("facilitymap: postgresql://nobody@127.0.0.1:1/x: 无法连接：服务器拒绝连接 —— 请确认 PostgreSQL 正在运行，并检查地址中的主机和端口（服务器的原话："), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("Connection refused"), refused.stderr)
        let englishRefused = try CLITests.run(["stats", "--store", "postgresql://nobody@127.0.0.1:1/x"], in: folder, environment: [:])
        XCTAssertTrue(englishRefused.stderr.hasPrefix("facilitymap: postgresql://nobody@127.0.0.1:1/x: cannot connect ("), englishRefused.stderr)
        XCTAssertTrue(englishRefused.stderr.hasSuffix(") — check the server runs and the address, user and database\n"), englishRefused.stderr)
    }
}
