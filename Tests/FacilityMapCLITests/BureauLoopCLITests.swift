import FacilityFormats
import Foundation
import XCTest

/// The bureau's daily loop (#28): a GBK file with the usual mistakes, fixed in its rejects file and imported again
/// until the registry is clean; the traps that used to pass in silence.
final class BureauLoopCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-bureau-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) throws -> CLITests.Result {
        try CLITests.run(arguments, in: folder, environment: ["FACILITYMAP_STORE": folder.appendingPathComponent("bureau.sqlite").path])
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Writes `rows` as a GB18030 CSV, as a bureau's Excel saves it.
    func writeGBK(_ name: String, _ rows: [[String]]) throws {
        let writer = try CSVWriter(path: path(name), encoding: .gb18030)
        for row in rows { try writer.write(row) }
        try writer.close()
    }

    /// A CSV file's header and rows, read as the importer reads it (its encoding detected).
    func read(_ name: String) throws -> (reader: CSVReader, rows: [[String]]) {
        let reader = try CSVReader(path: path(name))
        var rows: [[String]] = []
        while let row = try reader.next() { rows.append(row.fields) }
        return (reader, rows)
    }

    /// Rewrites the rejects file `name` to `out` with `fix` applied to each row (by id), in the file's own encoding.
    func fix(_ name: String, to out: String, _ fix: (inout [String: String]) -> Void) throws {
        let (reader, rows) = try read(name)
        let writer = try CSVWriter(path: path(out), encoding: reader.encoding == .gb18030 ? .gb18030 : .utf8BOM)
        try writer.write(reader.header)
        for row in rows {
            var cells = Dictionary(uniqueKeysWithValues: zip(reader.header, row))
            fix(&cells)
            try writer.write(reader.header.map { cells[$0] ?? "" })
        }
        try writer.close()
    }

    func testRejectsAreFixedAndImportedAgainUntilTheRegistryIsClean() throws {
        let header = ["编号", "名称", "类型", "经度", "纬度", "床位数", "电话", "医生数", "学位数"]
        try writeGBK("卫健委.csv", [header,
            ["H1", "洛阳市第一医院", "医院", "112.45", "34.62", "500", "0379-1", "100", ""],
            ["H2", "洛阳市中医医院", "中医医院", "112.46", "34.63", "300", "0379-2", "60", ""],
            ["H3", "村卫生所甲", "村卫生所", "112.40", "34.60", "", "0379-3", "1", ""],
            ["H4", "社区医院", "医院", "112.47", "北纬34", "many", "0379-4", "20", ""],
            ["K5", "幼儿院乙", "幼儿院", "112.48", "34.64", "", "", "", "90"],
            ["K6", "幼儿园丙", "幼儿园", "１１２.４３", "３４.６１", "", "0379-6", "", "120"]])

        // Round 1: four rows rejected, each with what to write instead; full-width digits are read.
        let first = try run(["import", "facilities", "卫健委.csv", "--rejects", "to-fix.csv"])
        XCTAssertEqual(first.status, 1, first.stderr)
        XCTAssertTrue(first.stdout.hasPrefix("imported 6 rows: 2 new, 0 updated, 0 unchanged, 4 rejected"), first.stdout)
        XCTAssertTrue(first.stderr.contains("卫健委.csv:3: 类型: 中医医院 is not a known kind — did you mean 中医院 (tcm_hospital)?"), first.stderr)
        XCTAssertTrue(first.stderr.contains("卫健委.csv:4: 类型: 村卫生所 is not a known kind — did you mean 村卫生室 (village_clinic)?"), first.stderr)
        XCTAssertTrue(first.stderr.contains("卫健委.csv:6: 类型: 幼儿院 is not a known kind — did you mean 幼儿园 (kindergarten)?"), first.stderr)
        // A row with two bad fields names both.
        XCTAssertTrue(first.stderr.contains("卫健委.csv:5: 纬度: 北纬34 is not a number — write decimal degrees such as 112.45; 床位数: many is not a whole number"), first.stderr)
        // The rejects come back in the input's encoding (GB18030), with one reason column.
        let rejects = try read("to-fix.csv")
        XCTAssertEqual(rejects.reader.encoding, .gb18030)
        XCTAssertEqual(rejects.reader.header, header + ["reason"])
        XCTAssertEqual(rejects.rows.map { $0[0] }, ["H2", "H3", "H4", "K5"])

        // Round 2: two rows fixed, imported from the rejects file itself.
        try fix("to-fix.csv", to: "to-fix.csv") { row in
            if row["编号"] == "H2" { row["类型"] = "中医院" }
            if row["编号"] == "H3" { row["类型"] = "村卫生室" }
        }
        let second = try run(["import", "facilities", "to-fix.csv", "--rejects", "to-fix2.csv"])
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stdout.hasPrefix("imported 4 rows: 2 new, 0 updated, 0 unchanged, 2 rejected"), second.stdout)
        XCTAssertFalse(second.stderr.contains("warning"), "the reason column is known: \(second.stderr)")
        let again = try read("to-fix2.csv")
        XCTAssertEqual(again.reader.header, header + ["reason"], "one reason column, not two")
        XCTAssertEqual(again.rows.map { $0[0] }, ["H4", "K5"])
        XCTAssertTrue(again.rows[0][9].hasPrefix("line 4: 纬度: 北纬34"), again.rows[0][7])

        // Round 3: the rest fixed; a clean import.
        try fix("to-fix2.csv", to: "to-fix2.csv") { row in
            if row["编号"] == "H4" { row["纬度"] = "34.65"; row["床位数"] = "80" }
            if row["编号"] == "K5" { row["类型"] = "幼儿园" }
        }
        let third = try run(["import", "facilities", "to-fix2.csv", "--rejects", "to-fix3.csv"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stdout.hasPrefix("imported 2 rows: 2 new, 0 updated, 0 unchanged, 0 rejected"), third.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("to-fix3.csv")))

        // Every facility stored once, none with a reason; the bureau's own column kept.
        let listed = try run(["list", "facilities", "--format", "json"])
        let facilities = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(facilities.map { $0["id"] as? String }, ["H1", "H2", "H3", "H4", "K5", "K6"])
        for facility in facilities {
            let attributes = try XCTUnwrap(facility["attributes"] as? [String: String])
            XCTAssertNil(attributes["reason"], "\(facility)")
        }
        XCTAssertEqual((facilities[3]["attributes"] as? [String: String])?["电话"], "0379-4")
        XCTAssertEqual(facilities[3]["beds"] as? Int, 80)
        XCTAssertEqual(facilities[1]["kind"] as? String, "tcm_hospital")
        XCTAssertEqual(facilities[5]["lon"] as? Double, 112.43)
        let check = try run(["check"])
        XCTAssertEqual(check.status, 0, check.stdout)
    }

    func testAMistypedStoreIsRefusedNamingTheNearestOne() throws {
        XCTAssertEqual(try run(["import", "units", CLITests.repository.appendingPathComponent("GeoData/luoyang/districts.geojson").path, "--store", "luoyang.sqlite"]).status, 0)
        for command in [["coverage"], ["list", "facilities"], ["stats"], ["check"], ["export", "geojson", "--layer", "units"],
                        ["map", "--out", "m.html"], ["suggest"], ["token", "list"], ["history", "X"], ["serve", "--port", "0"]] {
            let result = try run(command + ["--store", "luoyng.sqlite"])
            XCTAssertEqual(result.status, 2, "\(command): \(result.stdout)")
            XCTAssertEqual(result.stderr, "facilitymap: luoyng.sqlite: no such store — only import, token add, migrate (its target) and demo create one; did you mean --store luoyang.sqlite?\n", "\(command)")
            XCTAssertEqual(result.stdout, "")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("luoyng.sqlite")))
        // With no store beside it, what to do instead.
        let none = try run(["coverage", "--store", path("nowhere/x.sqlite")])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("check the path, or import into it first"), none.stderr)
        // Writing commands still create one.
        let created = try run(["token", "add", "--name", "editor", "--store", "new.sqlite"])
        XCTAssertEqual(created.status, 0, created.stderr)
    }

    func testAHeaderThatLooksLikeAFieldIsNamedAndCommonSynonymsCount() throws {
        try writeGBK("卫健委.csv", [["编号", "名称", "机构类别", "经度", "纬度", "床位总数", "全科医师数", "实有执业医生数"],
                                    ["H1", "洛阳市第一医院", "医院", "112.45", "34.62", "500", "12", "80"]])
        let result = try run(["import", "facilities", "卫健委.csv"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "warning: column 实有执业医生数 is kept as a text attribute, not as doctors — did you mean 执业医师数 (doctors)? Rename the column to have it read as doctors\n")
        let listed = try run(["list", "facilities", "--format", "json"])
        let facility = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.first)
        XCTAssertEqual(facility["beds"] as? Int, 500)
        XCTAssertEqual(facility["gps"] as? Int, 12)
        XCTAssertEqual(facility["kind"] as? String, "hospital")
        XCTAssertEqual(facility["attributes"] as? [String: String], ["实有执业医生数": "80"])
    }
}

/// Every CSV the tool writes, opened by LibreOffice Calc (headless) the way Excel on Chinese Windows opens a CSV: as
/// UTF-8 when it starts with a byte order mark, else in the system's code page, GBK (MS-936). The Chinese comes back.
final class ExcelOpensCSVTests: DemoStoreTestCase {
    /// LibreOffice's numbers for the CSV filter's character sets.
    static let utf8 = 76, ms936 = 61

    /// Converts `files` with LibreOffice, read in `charset`, to UTF-8 CSV; returns each file's rows as Calc read them.
    func openInCalc(_ files: [String], charset: Int) throws -> [String: [[String]]] {
        let soffice = try XCTUnwrap(["/usr/bin/soffice", "/usr/bin/libreoffice"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "LibreOffice Calc is not installed (Scripts/setup installs libreoffice-calc-nogui)")
        let out = folder.appendingPathComponent("calc-\(charset)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        process.arguments = ["-env:UserInstallation=file://\(folder.path)/lo-profile", "--headless",
                             "--infilter=CSV:44,34,\(charset),1", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                             "--outdir", out.path] + files.map { folder.appendingPathComponent($0).path }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        var read: [String: [[String]]] = [:]
        for file in files {
            let reader = try CSVReader(path: out.appendingPathComponent(file).path, encoding: .utf8)
            var rows = [reader.header]
            while let row = try reader.next() { rows.append(row.fields) }
            read[file] = rows
        }
        return read
    }

    /// The rows of a file the tool wrote, as the tool meant them.
    func written(_ file: String) throws -> [[String]] {
        let reader = try CSVReader(path: folder.appendingPathComponent(file).path)
        var rows = [reader.header]
        while let row = try reader.next() { rows.append(row.fields) }
        return rows
    }

    /// The cells with Chinese in them, by row and column.
    func chineseCells(_ rows: [[String]]) -> [String] {
        rows.enumerated().flatMap { r, row in
            row.enumerated().compactMap { c, cell in cell.unicodeScalars.contains { $0.value >= 0x3000 } ? "\(r):\(c) \(cell)" : nil }
        }
    }

    /// Runs `facilitymap arguments` with its standard output going to `file` byte for byte.
    func save(_ arguments: [String], to file: String) throws {
        let url = folder.appendingPathComponent(file)
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        let output = try FileHandle(forWritingTo: url)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(["FACILITYMAP_STORE": store]) { $1 }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(arguments)")
    }

    func testCalcReadsTheChineseOfEveryCSVBack() throws {
        // What `--format csv` writes by default: UTF-8 with a byte order mark.
        try save(["list", "facilities", "--format", "csv"], to: "facilities.csv")
        try save(["list", "units", "--format", "csv"], to: "units.csv")
        try save(["coverage", "--year", "2025", "--format", "csv"], to: "coverage.csv")
        try save(["check", "--format", "csv", "--fail-on", "error"], to: "check.csv")
        XCTAssertEqual(try run(["suggest", "--year", "2025", "--target", "community-elderly-care", "--format", "csv",
                                "--out", "proposals.csv"]).status, 0)
        // A GB18030 file's rejects in GB18030; --encoding gb18030 for older software.
        let gbk = folder.appendingPathComponent("卫健委.csv")
        try Data("编号,名称,类型,经度,纬度\nX1,洛阳市中医医院,中医医院,112.45,34.62\n".utf8).write(to: folder.appendingPathComponent("utf8.csv"))
        let iconv = Process()
        iconv.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        iconv.arguments = ["-f", "UTF-8", "-t", "GB18030", "-o", gbk.path, folder.appendingPathComponent("utf8.csv").path]
        try iconv.run()
        iconv.waitUntilExit()
        XCTAssertEqual(try run(["import", "facilities", "卫健委.csv", "--rejects", "rejects.csv", "--no-check"]).status, 1)
        try save(["list", "units", "--format", "csv", "--encoding", "gb18030"], to: "units-gb.csv")
        try save(["list", "units", "--format", "csv", "--encoding", "utf-8"], to: "units-plain.csv")

        let withBOM = ["facilities.csv", "units.csv", "coverage.csv", "check.csv", "proposals.csv"]
        for file in withBOM {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(file))
            XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF], file)
        }
        XCTAssertEqual(try CSVReader(path: folder.appendingPathComponent("rejects.csv").path).encoding, .gb18030)
        var opened = try openInCalc(withBOM, charset: Self.utf8)
        opened.merge(try openInCalc(["rejects.csv", "units-gb.csv", "units-plain.csv"], charset: Self.ms936)) { $1 }
        for file in withBOM + ["rejects.csv", "units-gb.csv"] {
            let meant = chineseCells(try written(file))
            XCTAssertFalse(meant.isEmpty, file)
            let read = chineseCells(opened[file] ?? [])
            let first = zip(read, meant).first { $0 != $1 }
            XCTAssertTrue(read == meant, "\(file): \(read.count) cells with Chinese read, \(meant.count) written; first difference: \(first.map { "\($0.0) ≠ \($0.1)" } ?? "none")")
        }
        XCTAssertTrue(chineseCells(try written("rejects.csv")).contains { $0.contains("洛阳市中医医院") })
        // Plain UTF-8 (no mark) is what Excel on Chinese Windows garbles: the reason for the default.
        XCTAssertTrue(chineseCells(opened["units-plain.csv"] ?? []) != chineseCells(try written("units-plain.csv")), "plain UTF-8 read as GBK")
        // Each extra attribute its own column; shares as the table shows them.
        let facilities = try XCTUnwrap(opened["facilities.csv"])
        XCTAssertFalse(facilities[0].contains("attributes"), "\(facilities[0])")
        let coverage = try written("coverage.csv")
        let actual = try XCTUnwrap(coverage[0].firstIndex(of: "actual"))
        let kindergarten = try XCTUnwrap(coverage.first { $0[0] == "inclusive-kindergarten-places" && $0[5] == "410302" })
        XCTAssertTrue(kindergarten[actual].hasSuffix("%") && kindergarten[actual].split(separator: ".").last?.count == 2, kindergarten[actual])
    }
}

extension BureauLoopCLITests {
    func testARefusedHeaderNamesTheColumnThatLooksLikeTheMissingOne() throws {
        try writeGBK("卫健委.csv", [["编号", "名字", "类型", "经度", "纬度"], ["H1", "洛阳市第一医院", "医院", "112.45", "34.62"]])
        let refused = try run(["import", "facilities", "卫健委.csv"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("卫健委.csv:1: the header has no column for name (名称 — is 名字 meant?)"), refused.stderr)
        // A units row with several bad fields names each.
        try writeGBK("units.csv", [["区划代码", "名称", "级别", "人口", "经度", "纬度"], ["410302001", "", "小区", "many", "112.4", "北纬34"]])
        let units = try run(["import", "units", "units.csv"])
        XCTAssertEqual(units.status, 1)
        // A rejects file in the encoding asked for.
        XCTAssertEqual(try run(["import", "units", "units.csv", "--rejects", "plain.csv", "--rejects-encoding", "utf-8"]).status, 1)
        let plain = try Data(contentsOf: folder.appendingPathComponent("plain.csv"))
        XCTAssertEqual(String(data: plain, encoding: .utf8)?.hasPrefix("区划代码,名称,级别,人口,经度,纬度,reason\n"), true)
        XCTAssertTrue(units.stderr.contains("units.csv:2: 名称: missing — unit 410302001 needs a name; 级别: 小区 is not a level — use city, district (county), township, community or village; 人口: many is not a whole number — write a count such as 120, or leave it empty; 纬度: 北纬34 is not a number"), units.stderr)
    }
}

/// The words of #28 on the demo store: targets by title, the targets table, the nearest command, goals without a
/// goal, summed populations, the data set's own file names, and help text that swift-argument-parser wraps.
final class BureauWordsCLITests: DemoStoreTestCase {
    func testTargetsAreListedAndNamedByIdOrTitle() throws {
        let targets = try run(["targets"])
        XCTAssertEqual(targets.status, 0)
        XCTAssertTrue(targets.stdout.hasPrefix("幸福洛阳建设行动计划 — 12 targets\n"), targets.stdout)
        let beds = try XCTUnwrap(targets.stdout.split(separator: "\n").first { $0.hasPrefix("beds-per-1000 ") })
        XCTAssertTrue(beds.contains("每千人口医疗卫生机构床位数") && beds.contains("per_population") && beds.hasSuffix("2023: 9.90, 2025: 10.50"), String(beds))
        let byTitle = try run(["coverage", "--year", "2025", "--target", "每千人口医疗卫生机构床位数", "--format", "csv"])
        let byID = try run(["coverage", "--year", "2025", "--target", "beds-per-1000", "--format", "csv"])
        XCTAssertEqual(byTitle.status, 0, byTitle.stderr)
        XCTAssertEqual(byTitle.stdout, byID.stdout)
        let near = try run(["coverage", "--target", "beds-per-100"])
        XCTAssertEqual(near.status, 2)
        XCTAssertTrue(near.stderr.contains("--target beds-per-100 is not a target of the plan — did you mean beds-per-1000 (每千人口医疗卫生机构床位数)? The targets: community-elderly-care 社区养老服务设施覆盖率,"), near.stderr)
    }

    func testAMistypedCommandNamesTheNearestAndKindsTheirs() throws {
        let command = try run(["import", "facilites", "x.csv"])
        XCTAssertEqual(command.status, 2)
        XCTAssertEqual(command.stderr, "facilitymap: facilites is not a command — did you mean `facilitymap import facilities`? (the commands of `facilitymap import`: units, facilities, roads)\n")
        let root = try run(["coverge"])
        XCTAssertTrue(root.stderr.contains("did you mean `facilitymap coverage`?"), root.stderr)
        for (typed, meant) in [("中医医院", "中医院 (tcm_hospital)"), ("村卫生所", "村卫生室 (village_clinic)"), ("幼儿院", "幼儿园 (kindergarten)"),
                               ("卫生院", "乡镇卫生院 (township_health_center)"), ("hospitl", "hospital (医院)")] {
            let listed = try run(["list", "facilities", "--kind", typed])
            XCTAssertEqual(listed.status, 2)
            XCTAssertTrue(listed.stderr.contains("--kind \(typed) is not a known kind — did you mean \(meant)?"), listed.stderr)
        }
        let none = try run(["list", "facilities", "--kind", "飞机场"])
        XCTAssertTrue(none.stderr.contains("use one of kindergarten 幼儿园, primary_school 小学,"), none.stderr)
    }

    func testWordsOfTheReports() throws {
        // A target without a goal in the year says so once.
        let coverage = try run(["coverage", "--year", "2023"])
        XCTAssertTrue(coverage.stdout.contains("rural-elderly-care  乡村基本养老服务设施覆盖率  (unit_coverage, no goal for 2023)"), coverage.stdout)
        XCTAssertFalse(coverage.stdout.contains("goal no goal"))
        XCTAssertTrue(coverage.stdout.contains("(per_population, goal 9.90)"), coverage.stdout)
        // Coverage within 0 m is a facility inside.
        let suggest = try run(["suggest", "--year", "2025", "--target", "community-elderly-care"])
        XCTAssertTrue(suggest.stdout.hasPrefix("community-elderly-care  社区养老服务设施覆盖率  (goal: every community with a facility inside it, 2025;"), suggest.stdout)
        XCTAssertFalse(suggest.stdout.contains("within 0 m"))
        // Districts hold no population of their own: the sum coverage uses, marked.
        let units = try run(["list", "units", "--level", "district"])
        XCTAssertTrue(units.stdout.contains("410329  伊川县") && units.stdout.contains(" Σ  polygon"), units.stdout)
        XCTAssertTrue(units.stdout.hasSuffix("15 units (Σ: no population of its own; the sum of the units below it, as coverage counts it)\n"), units.stdout)
        let json = try run(["list", "units", "--level", "district", "--format", "json"])
        let first = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])?.first)
        XCTAssertTrue(first["population"] is NSNull)
        XCTAssertEqual(first["population_summed"] as? Bool, true)
        XCTAssertGreaterThan(first["population_used"] as? Int ?? 0, 0)
        // The demo's files by the data set's own names, not where the binary's resources lie.
        let stats = try run(["stats"])
        XCTAssertTrue(stats.stdout.contains("GeoData/luoyang/facilities-health.csv"), stats.stdout)
        XCTAssertFalse(stats.stdout.contains("resources"), stats.stdout)
        let history = try run(["history", "LY-HLT-000043"])
        XCTAssertTrue(history.stdout.contains("created  GeoData/luoyang/facilities-health.csv ("), history.stdout)
    }

    func testHelpIsWrappedByTheParserAndListsEveryKindsNames() throws {
        let help = try run(["help", "import", "facilities"])
        XCTAssertEqual(help.status, 0)
        // A kind and its Chinese names stay together (a no-break space); the aliases are there.
        XCTAssertTrue(help.stdout.contains("vocational_school\u{00A0}中等职业学校/中职"), help.stdout)
        XCTAssertTrue(help.stdout.contains("nursing_home\u{00A0}敬老院/养老院"), help.stdout)
        // Paragraphs are wrapped by swift-argument-parser (80 columns when not a terminal), not broken by hand.
        let lines = help.stdout.split(separator: "\n")
        let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("Kinds:") })
        XCTAssertTrue(lines[start ..< lines.count].prefix { !$0.hasPrefix("Rows are upserted") }.allSatisfy { $0.count <= 80 })
        XCTAssertFalse(lines.contains { $0.hasSuffix(",") && $0.hasPrefix("  ") }, "no hand-broken lines inside a list")
    }
}
