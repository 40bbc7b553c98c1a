import FacilityMapKit
import Foundation
import XCTest

/// Runs the real `facilitymap` binary on real files.
final class CLITests: XCTestCase {
    var folder: URL!
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The executable beside the test bundle in the build folder.
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("facilitymap")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        for bundle in Bundle.allBundles {
            let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("facilitymap")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return repository.appendingPathComponent(".build/debug/facilitymap")
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `facilitymap arguments` in the temporary folder with `FACILITYMAP_STORE` set to `store.sqlite` there.
    @discardableResult
    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        try Self.run(arguments, in: folder, environment: ["FACILITYMAP_STORE": folder.appendingPathComponent("store.sqlite").path]
                        .merging(extra) { $1 })
    }

    /// Runs `facilitymap arguments` in `folder` with `environment` added to this process's; waits for it.
    static func run(_ arguments: [String], in folder: URL, environment extra: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        // The messages in English whatever this machine's locale (a test of the language sets its own).
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = nil
        environment["LC_MESSAGES"] = nil
        environment["LANG"] = "C.UTF-8"
        process.environment = environment.merging(extra) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs the first of `candidates` that exists with `arguments`; asserts exit 0 and returns its standard output.
    func tool(_ candidates: [String], _ arguments: [String], missing: String) throws -> String {
        try Self.tool(candidates, arguments, missing: missing)
    }

    /// Runs the first of `candidates` that exists with `arguments` and returns its standard output.
    static func tool(_ candidates: [String], _ arguments: [String], missing: String) throws -> String {
        let path = try XCTUnwrap(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, missing)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(path) \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    func repo(_ path: String) -> String { Self.repository.appendingPathComponent(path).path }

    func importLuoyang() throws {
        let units = try run(["import", "units", repo("GeoData/luoyang/districts.geojson")])
        XCTAssertEqual(units.status, 0, units.stderr)
        // The import's summary, then the registry check's: the districts have no population of their own.
        XCTAssertEqual(units.stdout, "imported 15 rows: 15 new, 0 updated, 0 unchanged, 0 rejected\n"
                       + "check: 0 errors, 14 warnings (population 14) — `facilitymap check` lists them\n")
        let facilities = try run(["import", "facilities", repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv")])
        XCTAssertEqual(facilities.status, 0, facilities.stderr)
        // A facilities import checks what it changed (its rows and their neighbours); the units' warnings are not its.
        XCTAssertEqual(facilities.stdout, "imported 10 rows: 10 new, 0 updated, 0 unchanged, 0 rejected\n"
                       + "check of what this import changed: no findings\n")
        XCTAssertEqual(facilities.stderr, "", "no progress on stderr when it is not a terminal")
    }

    func testImportExitStatusesAreZeroOneAndTwo() throws {
        try importLuoyang()
        let again = try run(["import", "facilities", repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv")])
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.stdout.contains("10 unchanged") && again.stdout.contains("already imported"), again.stdout)

        let bad = repo("Tests/FacilityMapKitTests/Fixtures/facilities-bad.csv")
        let rejected = try run(["import", "facilities", bad, "--rejects", "rejects.csv"])
        XCTAssertEqual(rejected.status, 1)
        XCTAssertTrue(rejected.stderr.contains("\(bad):5: kind: spaceport is not a known kind"), rejected.stderr)
        XCTAssertTrue(rejected.stdout.contains("12 rejected"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("rejects.csv").path))

        let strict = try run(["import", "facilities", bad, "--strict"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stdout.hasPrefix("imported nothing (--strict)"), strict.stdout)

        let missing = try run(["import", "facilities", "no-such-file.csv"])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("no-such-file.csv"), missing.stderr)

        let usage = try run(["import", "facilities", bad, "--crs", "mercator"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.contains("--crs mercator is not known"), usage.stderr)

        let headerOnly = folder.appendingPathComponent("header.csv")
        try Data("id,name,kind,lon,lat\n".utf8).write(to: headerOnly)
        let refused = try run(["import", "facilities", headerOnly.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("no data rows"), refused.stderr)
    }

    func testStoreOptionOverridesTheEnvironmentAndAForeignFileIsRefused() throws {
        let other = folder.appendingPathComponent("notes.sqlite")
        try Data("just text".utf8).write(to: other)
        let refused = try run(["stats", "--store", other.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("not a FacilityMap store"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: other), Data("just text".utf8))
        let missing = try run(["stats", "--store", folder.appendingPathComponent("nope/s.sqlite").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no such store"), missing.stderr)
        let missingFolder = try run(["import", "units", repo("GeoData/luoyang/districts.geojson"),
                                     "--store", folder.appendingPathComponent("nope/s.sqlite").path])
        XCTAssertEqual(missingFolder.status, 1)
        XCTAssertTrue(missingFolder.stderr.contains("does not exist"), missingFolder.stderr)
    }

    func testListFormatsCarryEveryFieldAndChineseText() throws {
        try importLuoyang()
        let json = try run(["list", "facilities", "--format", "json", "--kind", "幼儿园"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertTrue(json.stdout.contains("涧西区第一幼儿园"), "UTF-8, not \\u escapes")
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["id"] as? String }, ["LY-K-001", "LY-K-002"])
        XCTAssertEqual(rows[1]["name"] as? String, "偃师区\"阳光\"幼儿园, 民办")
        XCTAssertEqual(rows[1]["closed"] as? String, "2024-12-31")
        XCTAssertEqual(rows[0]["inclusive"] as? Bool, true)

        let csv = try run(["list", "facilities", "--format", "csv", "--in", "410302"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let csvFile = folder.appendingPathComponent("out.csv")
        try Data(csv.stdout.utf8).write(to: csvFile)
        let reader = try CSVReader(path: csvFile.path)
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields[0], "LY-H-001")
        // Excel's own: UTF-8 with a byte order mark, each extra attribute a column of its own.
        XCTAssertTrue(reader.hadByteOrderMark)
        XCTAssertEqual(reader.header.last, "phone")
        XCTAssertEqual(row.fields[try XCTUnwrap(reader.header.firstIndex(of: "phone"))], "0379-63892222")
        XCTAssertNil(try reader.next())

        let table = try run(["list", "units", "--level", "county"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("瀍河回族区") && table.stdout.contains("14 units"), table.stdout)

        let unknown = try run(["list", "facilities", "--in", "999999"])
        XCTAssertEqual(unknown.status, 1)
    }

    func testStatsCountsByKindAndDistrictAndShowsTheImportLog() throws {
        try importLuoyang()
        let stats = try run(["stats"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertTrue(stats.stdout.contains("hospital"), stats.stdout)
        XCTAssertTrue(stats.stdout.contains("新安县"), stats.stdout)
        XCTAssertTrue(stats.stdout.contains("facilities.csv"), stats.stdout)
        // LY-S-001 has no registered unit: it is counted in 新安县 by its point.
        let line = try XCTUnwrap(stats.stdout.split(separator: "\n").first { $0.hasPrefix("410323") })
        XCTAssertTrue(line.hasSuffix(" 1"), String(line))
    }

    /// A facilities layer in GeoJSON imports as its CSV does (#23: the points of a GeoJSON file are a `RecordSource`):
    /// the layer this tool exported, and the one GDAL's ogr2ogr makes of the CSV. A feature that is not a point is
    /// rejected with its line; the others go in.
    func testFacilitiesImportFromGeoJSONAsFromTheirCSV() throws {
        try importLuoyang()
        let fromCSV = try run(["list", "facilities", "--format", "json"])
        XCTAssertEqual(fromCSV.status, 0, fromCSV.stderr)
        func listing(_ store: String, importing file: String) throws -> String {
            let environment = ["FACILITYMAP_STORE": folder.appendingPathComponent(store).path]
            XCTAssertEqual(try run(["import", "units", repo("GeoData/luoyang/districts.geojson")], environment: environment).status, 0)
            let imported = try run(["import", "facilities", file], environment: environment)
            XCTAssertEqual(imported.status, 0, imported.stderr)
            XCTAssertTrue(imported.stdout.hasPrefix("imported 10 rows: 10 new, 0 updated, 0 unchanged, 0 rejected\n"), imported.stdout)
            return try run(["list", "facilities", "--format", "json"], environment: environment).stdout
        }
        /// The listing with coordinates to 1e-7° (the export's precision), for comparing.
        func rounded(_ json: String) throws -> String {
            var rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            for i in rows.indices {
                for key in ["lon", "lat"] { rows[i][key] = ((rows[i][key] as? Double ?? .nan) * 1e7).rounded() / 1e7 }
            }
            return String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys]), as: UTF8.self)
        }

        // Exported by this tool, imported into a new store: the same facilities, attributes and all.
        let exported = try run(["export", "geojson", "--layer", "facilities", "--out", "exported.geojson"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertEqual(try rounded(try listing("exported.sqlite", importing: "exported.geojson")), try rounded(fromCSV.stdout))

        // Written by GDAL from the CSV (every property a string): the same listing, byte for byte.
        let gdal = folder.appendingPathComponent("gdal.geojson").path
        _ = try tool(["/usr/bin/ogr2ogr", "/usr/local/bin/ogr2ogr"],
                     ["-f", "GeoJSON", gdal, repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv"),
                      "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-oo", "KEEP_GEOM_COLUMNS=NO"],
                     missing: "ogr2ogr is missing: run Scripts/setup (it installs gdal-bin)")
        XCTAssertEqual(try listing("gdal.sqlite", importing: gdal), fromCSV.stdout)

        // A polygon among points: rejected with its line, the point stored.
        let mixed = folder.appendingPathComponent("mixed.geojson")
        try Data("""
            {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "P1", "name": "点", "kind": "医院", "床位数": 20},
             "geometry": {"type": "Point", "coordinates": [112.45, 34.62]}},
            {"type": "Feature", "properties": {"id": "P2", "name": "面", "kind": "医院"},
             "geometry": {"type": "Polygon", "coordinates": [[[112.4, 34.6], [112.5, 34.6], [112.5, 34.7], [112.4, 34.6]]]}}
            ]}

            """.utf8).write(to: mixed)
        let refused = try run(["import", "facilities", mixed.path])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stdout.hasPrefix("imported 2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected"), refused.stdout)
        XCTAssertTrue(refused.stderr.contains("\(mixed.path):4: lon: the feature's geometry is a Polygon, not a Point"), refused.stderr)
        let stored = try run(["list", "facilities", "--format", "json"]).stdout
        XCTAssertTrue(stored.contains(#""id": "P1""#) && stored.contains(#""beds": 20"#) && !stored.contains(#""id": "P2""#), stored)
    }

    /// Shapefiles GDAL wrote (#24, first part): the districts as polygons in UTF-8 with a `.cpg` and in GBK without one
    /// (field names cut to 10 bytes: `parent_adc`), and the facilities as points, import as the GeoJSON and the CSV they
    /// came from — the same listing, the same boundaries exported; and projected layers come back through PROJ.
    func testShapefilesFromGDALImportAsTheFilesTheyCameFrom() throws {
        func ogr2ogr(_ arguments: [String]) throws {
            _ = try tool(["/usr/bin/ogr2ogr", "/usr/local/bin/ogr2ogr"], ["-f", "ESRI Shapefile"] + arguments,
                         missing: "ogr2ogr is missing: run Scripts/setup (it installs gdal-bin)")
        }
        let districts = repo("GeoData/luoyang/districts.geojson")
        let facilities = repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv")
        try importLuoyang()
        let units = try run(["list", "units", "--format", "json"]).stdout
        let listed = try run(["list", "facilities", "--format", "json"]).stdout
        XCTAssertEqual(try run(["export", "geojson", "--layer", "units", "--out", "units.geojson"]).status, 0)
        let boundaries = try Data(contentsOf: folder.appendingPathComponent("units.geojson"))

        let folderPath = folder.path
        try ogr2ogr(["\(folderPath)/utf8.shp", districts, "-lco", "ENCODING=UTF-8"])
        try ogr2ogr(["\(folderPath)/gbk.shp", districts, "-lco", "ENCODING=GBK"])
        try FileManager.default.removeItem(atPath: "\(folderPath)/gbk.cpg")
        try ogr2ogr(["\(folderPath)/points.shp", facilities, "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
                     "-oo", "KEEP_GEOM_COLUMNS=NO", "-lco", "ENCODING=UTF-8"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folderPath)/utf8.cpg"))
        XCTAssertFalse(try Data(contentsOf: URL(fileURLWithPath: "\(folderPath)/gbk.dbf")).range(of: Data("洛阳市".utf8)) != nil,
                       "the GBK table holds no UTF-8 text")

        for layer in ["utf8.shp", "gbk.shp"] {
            let environment = ["FACILITYMAP_STORE": folder.appendingPathComponent("\(layer).sqlite").path]
            let imported = try run(["import", "units", layer], environment: environment)
            XCTAssertEqual(imported.status, 0, imported.stderr)
            XCTAssertTrue(imported.stdout.hasPrefix("imported 15 rows: 15 new"), imported.stdout)
            let facilitiesIn = try run(["import", "facilities", "points.shp"], environment: environment)
            XCTAssertEqual(facilitiesIn.status, 0, facilitiesIn.stderr)
            XCTAssertEqual(try run(["list", "units", "--format", "json"], environment: environment).stdout, units, layer)
            XCTAssertEqual(try run(["list", "facilities", "--format", "json"], environment: environment).stdout, listed, layer)
            XCTAssertEqual(try run(["export", "geojson", "--layer", "units", "--out", "\(layer).geojson"], environment: environment).status, 0)
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("\(layer).geojson")), boundaries, layer)
        }

        // Zipped as bureaus mail them (by Python's zipfile, deflated, in a folder with a Chinese name): as the .shp.
        _ = try tool(["/usr/bin/python3", "/usr/local/bin/python3"], ["-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1] + '/区县界.zip', 'w', zipfile.ZIP_DEFLATED) as z:
                for ext in ['shp', 'shx', 'dbf', 'prj']:
                    z.write(sys.argv[1] + '/gbk.' + ext, '洛阳市区县界/区县界.' + ext)
            """, folderPath], missing: "python3 is missing")
        let zipped = ["FACILITYMAP_STORE": folder.appendingPathComponent("zip.sqlite").path]
        let fromZip = try run(["import", "units", "区县界.zip"], environment: zipped)
        XCTAssertEqual(fromZip.status, 0, fromZip.stderr)
        XCTAssertEqual(try run(["list", "units", "--format", "json"], environment: zipped).stdout, units)
        // --encoding decides over the detection: the GBK table read as UTF-8 does not give the names.
        let forced = ["FACILITYMAP_STORE": folder.appendingPathComponent("forced.sqlite").path]
        XCTAssertEqual(try run(["import", "units", "gbk.shp", "--encoding", "utf-8"], environment: forced).status, 0)
        let garbled = try run(["list", "units", "--format", "json"], environment: forced).stdout
        XCTAssertTrue(!garbled.contains("洛阳市") && garbled.contains("\u{FFFD}"), garbled)

        // Projected by GDAL into CGCS2000 Gauss–Krüger (3° zone CM 114°E without the zone in the easting, 3° zone 38
        // with it, 6° CM 111°E), into Web Mercator, and geographic CGCS2000; GBK without a .cpg, as bureaus send them:
        // PROJ brings each back to the same units, every vertex within 0.5 m.
        func vertices(_ data: Data) throws -> [(properties: NSDictionary, points: [[Double]])] {
            let collection = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try XCTUnwrap(collection["features"] as? [[String: Any]]).map { feature in
                let geometry = feature["geometry"] as? [String: Any]
                let polygons = geometry?["coordinates"] as? [[[[Double]]]] ?? []
                return (feature["properties"] as? NSDictionary ?? [:], polygons.flatMap { $0.flatMap { $0 } })
            }
        }
        let expected = try vertices(boundaries)
        for epsg in ["4547", "4526", "4546", "3857", "4490", "4547 without its .prj"] {
            let told = epsg.hasSuffix(" without its .prj")
            let code = String(epsg.prefix(4)), layer = told ? "told\(code)" : "epsg\(code)"
            try ogr2ogr(["\(folderPath)/\(layer).shp", districts, "-t_srs", "EPSG:\(code)", "-lco", "ENCODING=GBK"])
            try FileManager.default.removeItem(atPath: "\(folderPath)/\(layer).cpg")
            let environment = ["FACILITYMAP_STORE": folder.appendingPathComponent("\(layer).sqlite").path]
            var arguments = ["import", "units", "\(layer).shp"]
            if told {
                // No .prj: refused, asking for the system; --crs EPSG:NNNN names it. A table cannot be projected.
                try FileManager.default.removeItem(atPath: "\(folderPath)/\(layer).prj")
                let refused = try run(arguments, environment: environment)
                XCTAssertEqual(refused.status, 1, refused.stderr)
                XCTAssertTrue(refused.stderr.contains("no .prj says how — put the layer's .prj beside it, name its system with --crs EPSG:NNNN"), refused.stderr)
                let table = try run(["import", "facilities", repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv"), "--crs", "EPSG:\(code)"], environment: environment)
                XCTAssertEqual(table.status, 2, table.stderr)
                XCTAssertTrue(table.stderr.contains("--crs EPSG:4547 names a projected system, which only a Shapefile's coordinates may be in"), table.stderr)
                let unknown = try run(arguments + ["--crs", "EPSG:4326999"], environment: environment)
                XCTAssertEqual(unknown.status, 2, unknown.stderr)
                XCTAssertTrue(unknown.stderr.contains("PROJ knows no projected system EPSG:4326999"), unknown.stderr)
                arguments += ["--crs", "EPSG:\(code)"]
            }
            let imported = try run(arguments, environment: environment)
            XCTAssertEqual(imported.status, 0, imported.stderr)
            XCTAssertEqual(try run(["export", "geojson", "--layer", "units", "--out", "\(layer).geojson"], environment: environment).status, 0)
            let got = try vertices(try Data(contentsOf: folder.appendingPathComponent("\(layer).geojson")))
            XCTAssertEqual(got.count, expected.count, epsg)
            var worst = 0.0
            for (a, b) in zip(got, expected) {
                XCTAssertEqual(a.properties, b.properties, "EPSG:\(epsg)")
                XCTAssertEqual(a.points.count, b.points.count, "EPSG:\(epsg)")
                for (p, q) in zip(a.points, b.points) {
                    let dx = (p[0] - q[0]) * 111_320 * cos(q[1] * .pi / 180), dy = (p[1] - q[1]) * 110_540
                    worst = max(worst, (dx * dx + dy * dy).squareRoot())
                }
            }
            XCTAssertLessThan(worst, 0.5, "EPSG:\(epsg): the farthest vertex is \(worst) m off")
        }
    }

    /// An Excel 97–2003 workbook LibreOffice wrote (#24, first part; FreeXL reads it): a title and a blank row above the
    /// header, dates in date cells — imports as the CSV it came from; a bad cell is rejected with its sheet row.
    func testAnXLSWorkbookWithATitleRowImportsAsItsCSV() throws {
        try importLuoyang()
        let fromCSV = try run(["list", "facilities", "--format", "json"]).stdout
        let soffice = try XCTUnwrap(["/usr/bin/soffice", "/usr/bin/libreoffice"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "LibreOffice Calc is not installed (Scripts/setup installs libreoffice-calc-nogui)")
        let rows = try String(contentsOfFile: repo("Tests/FacilityMapKitTests/Fixtures/facilities.csv"), encoding: .utf8)
        let bad = "LY-X-001,坏行,hospital,112.45,34.62,410302,很多,,,,,,,,\n"
        for (name, text) in [("名录", rows), ("坏行", rows + bad)] {
            try ("洛阳市医疗卫生机构名录（2025年）\n\n" + text).write(to: folder.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        process.arguments = ["-env:UserInstallation=file://\(folder.path)/lo-profile", "--headless", "--infilter=CSV:44,34,76,1",
                             "--convert-to", "xls", "--outdir", folder.path,
                             folder.appendingPathComponent("名录.csv").path, folder.appendingPathComponent("坏行.csv").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)

        let environment = ["FACILITYMAP_STORE": folder.appendingPathComponent("xls.sqlite").path]
        XCTAssertEqual(try run(["import", "units", repo("GeoData/luoyang/districts.geojson")], environment: environment).status, 0)
        let imported = try run(["import", "facilities", "名录.xls"], environment: environment)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(try run(["list", "facilities", "--format", "json"], environment: environment).stdout, fromCSV)

        // --header-row says where the header is; --sheet names a sheet, and one that is not there is a usage error.
        let told = try run(["import", "facilities", "名录.xls", "--header-row", "3", "--sheet", "1"], environment: environment)
        XCTAssertTrue(told.stdout.hasPrefix("imported 10 rows: 0 new, 0 updated, 10 unchanged"), told.stdout + told.stderr)
        let title = try run(["import", "facilities", "名录.xls", "--header-row", "1"], environment: environment)
        XCTAssertEqual(title.status, 1, title.stderr)
        XCTAssertTrue(title.stderr.contains("名录.xls:1"), title.stderr)
        let noSheet = try run(["import", "facilities", "名录.xls", "--sheet", "医疗机构"], environment: environment)
        XCTAssertEqual(noSheet.status, 2, noSheet.stderr)
        XCTAssertTrue(noSheet.stderr.contains("no sheet 医疗机构 — its sheets are 名录"), noSheet.stderr)

        // An OpenDocument sheet is not read: the import says what to save it as.
        try Data("PK".utf8).write(to: folder.appendingPathComponent("名录.ods"))
        let ods = try run(["import", "facilities", "名录.ods"], environment: environment)
        XCTAssertEqual(ods.status, 2, ods.stderr)
        XCTAssertTrue(ods.stderr.contains("OpenDocument (.ods) workbooks are not read — save the sheet as .xlsx or CSV UTF-8"), ods.stderr)

        // The title is row 1, the blank row 2, the header row 3, the ten rows 4–13: the bad one is row 14, its beds in G.
        let rejected = try run(["import", "facilities", "坏行.xls"], environment: environment)
        XCTAssertEqual(rejected.status, 1, rejected.stderr)
        XCTAssertTrue(rejected.stderr.contains("坏行.xls:坏行!G14: beds: 很多 is not a whole number"), rejected.stderr)
    }

    func testGDALOpensTheStoreAsSpatiaLiteLayers() throws {
        try importLuoyang()
        func ogr(_ arguments: [String]) throws -> String {
            try tool(["/usr/bin/ogrinfo", "/usr/local/bin/ogrinfo"], arguments,
                     missing: "ogrinfo is missing: run Scripts/setup (it installs gdal-bin)")
        }
        let store = folder.appendingPathComponent("store.sqlite").path
        let layers = try ogr(["-ro", "-q", store])
        XCTAssertTrue(layers.contains("facilities (Point)"), layers)
        XCTAssertTrue(layers.contains("units (Multi Polygon, Point)"), layers)
        let facilities = try ogr(["-ro", "-al", store, "facilities", "-where", "id = 'LY-H-001'"])
        XCTAssertTrue(facilities.contains("Feature Count: 1"), facilities)
        XCTAssertTrue(facilities.contains("name (String) = 洛阳市中心医院"), facilities)
        XCTAssertTrue(facilities.contains("beds (Integer") && facilities.contains("= 1200"), facilities)
        XCTAssertTrue(facilities.contains("POINT (112.43371 34.71248)"), facilities)
        let summary = try ogr(["-ro", "-so", store, "units"])
        XCTAssertTrue(summary.contains("Geometry (boundary): Multi Polygon"), summary)
        XCTAssertTrue(summary.contains("Geometry (location): Point"), summary)
        XCTAssertTrue(summary.contains("Feature Count: 15"), summary)
        XCTAssertTrue(summary.contains("EPSG\",4326") || summary.contains("WGS 84"), summary)
    }
}
